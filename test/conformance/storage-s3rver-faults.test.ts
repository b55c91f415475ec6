/**
 * The s3 driver behind a fault-injecting proxy in front of s3rver: bodies sent from memory (small objects
 * and multipart parts) are retried over a fresh connection when the server fails them, and the object
 * that lands is whole.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RetryEvent } from "../../src/core/layers/retry.js";
import type { Layer } from "../../src/core/transport/types.js";
import type { S3Driver } from "../../src/providers/aws/s3.js";
import { openStorage, type Storage } from "../../src/storage/index.js";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";
import { S3RVER_KEY, type S3rver, startS3rver } from "../support/s3rver.js";

const MiB = 1024 * 1024;
const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");

describe("s3 driver through a faulty network (s3rver behind a fault proxy)", () => {
  let server: S3rver;
  let proxy: FaultProxy;
  const bucket = "faults-bucket";

  /** A store with its own connection pool, so planned faults meet fresh connections. */
  const open = async (retries: RetryEvent[], layers: Layer[] = []): Promise<Storage<S3Driver>> =>
    openStorage<S3Driver>("s3", {
      endpoint: proxy.url,
      region: "us-east-1",
      credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
      transport: { retry: { baseDelayMs: 1 }, onRetry: (e: RetryEvent) => retries.push(e), layers },
    });

  beforeAll(async () => {
    server = await startS3rver();
    proxy = await startFaultProxy(server.port);
    const store = await open([]);
    await store.createContainer(bucket);
    await store.close();
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it("retries a small upload the server failed, sending the same bytes again", async () => {
    const retries: RetryEvent[] = [];
    const store = await open(retries);
    proxy.plan({ kind: "burst5xx", status: 503 }, 1);
    const data = randomBytes(100_000);
    await store.upload(bucket, "small.bin", data);
    expect(retries.map((r) => r.reason)).toEqual(["status 503"]);
    expect(md5(await store.getBytes(bucket, "small.bin"))).toBe(md5(data));
    await store.close();
  });

  it("retries a failed part of a multipart upload and completes the object whole", async () => {
    const retries: RetryEvent[] = [];
    const retriedParts: number[] = [];
    let planned = false;
    // The fault is planned as the first part starts, so it meets a part's fresh connection (three parts go
    // at once; at most one can reuse the connection that initiated the upload).
    const store = await open(retries, [
      (next) => async (attempt) => {
        if (attempt.operation === "s3:UploadPart") {
          if (!planned) {
            planned = true;
            proxy.plan({ kind: "burst5xx", status: 503 }, 1);
          }
          if (attempt.attempt > 1) retriedParts.push(Number(attempt.url.searchParams.get("partNumber")));
        }
        return next(attempt);
      },
    ]);
    const fired = proxy.stats.faultsFired;
    const data = randomBytes(12 * MiB);
    await store.upload(bucket, "parts.bin", data, {
      multipart: { partSize: 5 * MiB, threshold: 5 * MiB, concurrency: 3 },
    });
    expect(proxy.stats.faultsFired - fired).toBe(1);
    expect(retries.map((r) => r.reason)).toEqual(["status 503"]);
    expect(retriedParts).toHaveLength(1);
    expect(md5(await store.getBytes(bucket, "parts.bin"))).toBe(md5(data));
    await store.close();
  });
});
