import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  IntegrityError,
  InvalidInputError,
  NotFoundError,
  ProviderError,
} from "../../src/core/errors.js";
import type { ListEntry } from "../../src/storage/index.js";
import { openStorage, type Storage } from "../../src/storage/index.js";

const md5 = (data: Buffer): string => createHash("md5").update(data).digest("hex");

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("local storage provider", () => {
  let dir: string;
  let store: Storage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omnicloud-local-"));
    store = await openStorage("local", { root: join(dir, "root") });
    await store.createContainer("c1");
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates, gets, lists and refuses duplicate containers", async () => {
    await store.createContainer("c2");
    await expect(store.createContainer("c2")).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await store.getContainer("c2")).name).toBe("c2");
    const names = (await collect(store.listContainers())).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["c1", "c2"]));
    await expect(store.getContainer("nope")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("uploads from every kind of source and keeps content type and metadata", async () => {
    const bytes = randomBytes(300_000);
    const file = join(dir, "src.bin");
    await writeFile(file, bytes);
    async function* chunks(): AsyncIterable<Uint8Array> {
      yield bytes.subarray(0, 1000);
      yield bytes.subarray(1000);
    }
    const sources = {
      string: "hello",
      buffer: bytes,
      path: { path: file },
      readable: Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]),
      iterable: chunks(),
    };
    for (const [kind, source] of Object.entries(sources)) {
      const info = await store.upload("c1", `src/${kind}`, source, {
        contentType: "application/x-test",
        metadata: { Kind: kind },
      });
      const expected = kind === "string" ? Buffer.from("hello") : bytes;
      expect(info.size).toBe(expected.length);
      expect(info.checksums.md5).toBe(md5(expected));
      const stat = await store.stat("c1", `src/${kind}`);
      expect(stat.contentType).toBe("application/x-test");
      expect(stat.metadata).toEqual({ kind });
      expect(md5(await store.getBytes("c1", `src/${kind}`))).toBe(md5(expected));
    }
  });

  it("reports upload and download progress up to the total", async () => {
    const data = randomBytes(256 * 1024);
    const seen: number[] = [];
    await store.upload("c1", "progress.bin", data, { onProgress: (p) => seen.push(p.done) });
    expect(seen.at(-1)).toBe(data.length);
    const down: Array<{ done: number; total: number | undefined }> = [];
    await store.getBytes("c1", "progress.bin", { onProgress: (p) => down.push(p) });
    expect(down.at(-1)).toEqual({ done: data.length, total: data.length });
  });

  it("fails an upload whose checksum does not match and leaves nothing behind", async () => {
    await expect(
      store.upload("c1", "bad.bin", "some data", { expect: { md5: "0".repeat(32) } }),
    ).rejects.toBeInstanceOf(IntegrityError);
    await expect(store.stat("c1", "bad.bin")).rejects.toBeInstanceOf(NotFoundError);
    const tmp = await readdir(join(dir, "root", "c1", ".omnicloud-tmp"));
    expect(tmp).toEqual([]);
  });

  it("fails an upload shorter than its declared size", async () => {
    await expect(
      store.upload("c1", "short.bin", Readable.from([Buffer.from("abc")]), { size: 10 }),
    ).rejects.toBeInstanceOf(IntegrityError);
    await expect(store.stat("c1", "short.bin")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects path traversal and reserved names before touching the disk", async () => {
    for (const name of [
      "../escape",
      "a/../../b",
      "/abs",
      "a//b",
      "dir/",
      "a\\b",
      ".omnicloud.x",
      "x/.omnicloud-tmp/y",
    ]) {
      await expect(store.upload("c1", name, "x"), name).rejects.toBeInstanceOf(InvalidInputError);
    }
    await expect(store.createContainer(".hidden")).rejects.toBeInstanceOf(InvalidInputError);
    await expect(store.createContainer("a/b")).rejects.toBeInstanceOf(InvalidInputError);
    expect(existsSync(join(dir, "escape"))).toBe(false);
  });

  it("lists in UTF-8 order with prefix and delimiter", async () => {
    await store.createContainer("tree");
    for (const name of ["b.txt", "a/1.txt", "a/2.txt", "a/deep/3.txt", "ä.txt", "Z.txt"]) {
      await store.upload("tree", name, name);
    }
    const all = (await collect(store.list("tree"))).map((e) => e.name);
    expect(all).toEqual(["Z.txt", "a/1.txt", "a/2.txt", "a/deep/3.txt", "b.txt", "ä.txt"]);
    const top = await collect(store.list("tree", { delimiter: "/" }));
    expect(top.map((e: ListEntry) => `${e.kind}:${e.name}`)).toEqual([
      "object:Z.txt",
      "prefix:a/",
      "object:b.txt",
      "object:ä.txt",
    ]);
    const inA = await collect(store.list("tree", { prefix: "a/", delimiter: "/" }));
    expect(inA.map((e) => `${e.kind}:${e.name}`)).toEqual([
      "object:a/1.txt",
      "object:a/2.txt",
      "prefix:a/deep/",
    ]);
    const partial = await collect(store.list("tree", { prefix: "a/d" }));
    expect(partial.map((e) => e.name)).toEqual(["a/deep/3.txt"]);
  });

  it("reads ranges and rejects bad ones before reading", async () => {
    await store.upload("c1", "range.txt", "0123456789");
    expect((await store.getBytes("c1", "range.txt", { range: { start: 2, end: 5 } })).toString()).toBe(
      "2345",
    );
    expect((await store.getBytes("c1", "range.txt", { range: { start: 7 } })).toString()).toBe("789");
    expect((await store.getBytes("c1", "range.txt", { range: { start: 8, end: 100 } })).toString()).toBe(
      "89",
    );
    await expect(store.getBytes("c1", "range.txt", { range: { start: 5, end: 2 } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(store.getBytes("c1", "range.txt", { range: { start: -1 } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(store.getBytes("c1", "range.txt", { range: { start: 10 } })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it("downloads to a file atomically and leaves no partial file on failure", async () => {
    const data = randomBytes(1024 * 1024);
    await store.upload("c1", "big.bin", data);
    const target = join(dir, "out.bin");
    await store.downloadToFile("c1", "big.bin", target);
    expect(md5(await readFile(target))).toBe(md5(data));

    // Corrupt the stored bytes behind omnicloud's back: the MD5 check must refuse and keep nothing.
    await writeFile(join(dir, "root", "c1", "big.bin"), randomBytes(1024 * 1024));
    const target2 = join(dir, "out2.bin");
    await expect(store.downloadToFile("c1", "big.bin", target2)).rejects.toBeInstanceOf(IntegrityError);
    expect(existsSync(target2)).toBe(false);
    expect((await readdir(dir)).filter((n) => n.includes(".part"))).toEqual([]);

    const aborted = new AbortController();
    aborted.abort();
    await expect(
      store.downloadToFile("c1", "range.txt", join(dir, "out3.bin"), { signal: aborted.signal }),
    ).rejects.toThrow();
    expect(existsSync(join(dir, "out3.bin"))).toBe(false);
  });

  it("deletes idempotently, tidies folders, and guards non-empty containers", async () => {
    await store.createContainer("del");
    await store.upload("del", "x/y/z.txt", "z");
    await expect(store.deleteContainer("del")).rejects.toBeInstanceOf(ProviderError);
    await store.delete("del", "x/y/z.txt");
    await store.delete("del", "x/y/z.txt");
    expect(await readdir(join(dir, "root", "del"))).toEqual([".omnicloud-tmp"]);
    await store.upload("del", "again.txt", "a");
    await store.deleteContainer("del", { force: true });
    await expect(store.getContainer("del")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses an object whose path clashes with another's", async () => {
    await store.upload("c1", "clash", "file");
    await expect(store.upload("c1", "clash/child", "x")).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it("gives the driver through a checked escape hatch", () => {
    expect(store.as("local").provider).toBe("local");
    expect(() => store.as("s3")).toThrow(InvalidInputError);
  });
});
