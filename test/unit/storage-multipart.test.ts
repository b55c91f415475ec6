import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { IntegrityError, InvalidInputError } from "../../src/core/errors.js";
import { planMultipart } from "../../src/storage/multipart.js";
import { PartReader } from "../../src/storage/part-reader.js";

const MiB = 1024 * 1024;
const limits = {
  minPartSize: 5 * MiB,
  maxPartSize: 5 * 1024 * MiB,
  maxParts: 10_000,
  defaultPartSize: 8 * MiB,
};

describe("multipart planning", () => {
  it("uses the provider's defaults and the caller's choices", () => {
    expect(planMultipart(limits, undefined, undefined)).toEqual({
      threshold: 8 * MiB,
      partSize: 8 * MiB,
      concurrency: 4,
    });
    expect(planMultipart(limits, { partSize: 5 * MiB, threshold: 1, concurrency: 2 }, 100)).toEqual({
      threshold: 1,
      partSize: 5 * MiB,
      concurrency: 2,
    });
    expect(
      planMultipart({ ...limits, defaultThreshold: Number.POSITIVE_INFINITY }, undefined, 1).threshold,
    ).toBe(Number.POSITIVE_INFINITY);
  });

  it("raises the part size when a known size would need too many parts", () => {
    const size = 100_000 * MiB;
    const plan = planMultipart(limits, { partSize: 5 * MiB }, size);
    expect(Math.ceil(size / plan.partSize)).toBeLessThanOrEqual(10_000);
    expect(plan.partSize % MiB).toBe(0);
  });

  it("refuses sizes and concurrency outside the limits", () => {
    expect(() => planMultipart(limits, { partSize: MiB }, undefined)).toThrow(InvalidInputError);
    expect(() => planMultipart(limits, { concurrency: 0 }, undefined)).toThrow(InvalidInputError);
    expect(() => planMultipart(limits, { concurrency: 1.5 }, undefined)).toThrow(InvalidInputError);
    expect(() => planMultipart({ ...limits, maxParts: 2 }, undefined, 20 * 1024 * MiB)).toThrow(
      /more than 2 parts/,
    );
  });
});

describe("PartReader", () => {
  it("cuts a stream into exact parts, whatever the chunk sizes", async () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    const chunks = [data.subarray(0, 3), data.subarray(3, 500), data.subarray(500, 501), data.subarray(501)];
    const reader = new PartReader(Readable.from(chunks), { md5: true });
    const parts: Buffer[] = [];
    for (let p = await reader.next(300); p; p = await reader.next(300)) parts.push(Buffer.from(p));
    expect(parts.map((p) => p.length)).toEqual([300, 300, 300, 100]);
    expect(Buffer.concat(parts).equals(data)).toBe(true);
    expect(reader.bytes).toBe(1000);
    expect(() => reader.verify("t", 1000, { md5: "0".repeat(32) })).toThrow(IntegrityError);
  });

  it("hands out views on bytes already in memory, without copying", async () => {
    const data = Buffer.alloc(10, 7);
    const reader = new PartReader(data, {});
    const first = await reader.next(4);
    expect(first?.buffer).toBe(data.buffer);
    expect((await reader.next(4))?.length).toBe(4);
    expect((await reader.next(4))?.length).toBe(2);
    expect(await reader.next(4)).toBeUndefined();
    expect(await reader.atEnd()).toBe(true);
  });

  it("tells the end of a stream that fits one part exactly", async () => {
    const reader = new PartReader(Readable.from([Buffer.alloc(8)]), {});
    expect((await reader.next(8))?.length).toBe(8);
    expect(await reader.atEnd()).toBe(true);
    const longer = new PartReader(Readable.from([Buffer.alloc(8), Buffer.alloc(1)]), {});
    await longer.next(8);
    expect(await longer.atEnd()).toBe(false);
  });

  it("passes a source error to the reader", async () => {
    async function* broken(): AsyncIterable<Buffer> {
      yield Buffer.alloc(4);
      throw new Error("disk gone");
    }
    const reader = new PartReader(Readable.from(broken()), {});
    await expect(reader.next(100)).rejects.toThrow("disk gone");
  });
});
