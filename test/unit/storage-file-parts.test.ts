/**
 * Multipart from a file: parts are read at their offsets into part buffers that are handed back and
 * refilled, so an upload of any size allocates (parts in flight + 1) buffers. What must hold whatever the
 * reuse: every part the driver receives has the bytes (and MD5) of its own range, also when parts finish
 * out of order, and the whole-object digest is right.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  MultipartDriver,
  MultipartInit,
  MultipartUpload,
  PartRequest,
  UploadedPart,
} from "../../src/storage/driver.js";
import { FilePartReader } from "../../src/storage/file-part-reader.js";
import { uploadMultipart } from "../../src/storage/multipart.js";

const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");

describe("FilePartReader", () => {
  let dir: string;
  let path: string;
  const data = randomBytes(10 * 1024 + 7);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omnicloud-file-parts-"));
    path = join(dir, "source.bin");
    await writeFile(path, data);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads exact parts at their offsets, with each part's MD5 and the whole object's digests", async () => {
    const reader = new FilePartReader(await open(path), { md5: true, sha256: true });
    const sizes: number[] = [];
    for (;;) {
      const part = await reader.nextPart(4096);
      if (!part) break;
      const start = sizes.reduce((a, b) => a + b, 0);
      expect(part.body).toEqual(data.subarray(start, start + part.size));
      expect(part.md5).toBe(md5(data.subarray(start, start + part.size)));
      sizes.push(part.size);
      reader.releasePart(part);
    }
    expect(sizes).toEqual([4096, 4096, 2048 + 7]);
    expect(await reader.atEnd()).toBe(true);
    expect(reader.checksums()).toEqual({
      md5: md5(data),
      sha256: createHash("sha256").update(data).digest("hex"),
    });
    reader.close();
  });

  it("refills a released buffer instead of allocating another", async () => {
    const reader = new FilePartReader(await open(path), {});
    const first = (await reader.nextPart(4096))!;
    const held = first.body.buffer;
    reader.releasePart(first);
    const second = (await reader.nextPart(4096))!;
    expect(second.body.buffer).toBe(held);
    // Not released: the next part needs a buffer of its own.
    const third = (await reader.nextPart(4096))!;
    expect(third.body.buffer).not.toBe(held);
    reader.close();
  });

  it("sends each part's own bytes when parts finish out of order and buffers are reused", async () => {
    const received = new Map<number, { md5: string; bytes: string }>();
    let finished = 0;
    const driver: MultipartDriver<never> = {
      limits: { minPartSize: 1024, maxPartSize: 1 << 30, maxParts: 10_000, defaultPartSize: 1024 },
      initiate: async (init: MultipartInit<never>) => ({
        container: init.container,
        name: init.name,
        uploadId: "u",
      }),
      async uploadPart(_upload: MultipartUpload, part: PartRequest): Promise<UploadedPart> {
        // Later parts finish first, so a buffer still in flight would be overwritten if reuse were early.
        await new Promise((r) => setTimeout(r, (10 - part.partNumber) * 3));
        const bytes = Buffer.from(part.body);
        received.set(part.partNumber, { md5: md5(bytes), bytes: bytes.toString("hex") });
        finished++;
        return { partNumber: part.partNumber, etag: part.md5, size: part.size, md5: part.md5 };
      },
      complete: async (upload: MultipartUpload) => ({
        container: upload.container,
        name: upload.name,
        size: data.length,
      }),
      abort: async () => {},
      listUploads: async function* () {},
    } as unknown as MultipartDriver<never>;
    const reader = new FilePartReader(await open(path), { md5: true });
    await uploadMultipart({
      driver,
      init: { container: "c", name: "n", metadata: {} } as never,
      reader,
      plan: { threshold: 1024, partSize: 1024, concurrency: 3 },
      size: data.length,
      expected: { md5: md5(data) },
      what: "c/n",
      onProgress: undefined,
      signal: undefined,
    });
    reader.close();
    expect(finished).toBe(11);
    for (const [n, got] of received) {
      const want = data.subarray((n - 1) * 1024, n * 1024);
      expect(got.bytes).toBe(want.toString("hex"));
      expect(got.md5).toBe(md5(want));
    }
  });
});
