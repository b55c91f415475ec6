/**
 * A scripted S3 for replay tests: an undici MockAgent answering every request to one origin with a small
 * in-memory router (recorded fixture bodies where the shared folder has them), plus per-test overrides
 * for error and odd answers. Every request the driver makes is recorded as the transport saw it.
 */
import { createHash } from "node:crypto";
import { MockAgent } from "undici";
import type { Attempt, Layer } from "../../src/core/transport/types.js";
import { headerRecord } from "./mock-headers.js";

export interface Recorded {
  operation: string;
  method: string;
  url: URL;
  headers: Record<string, string>;
}

export interface Reply {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

interface Seen {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

export interface MockS3 {
  agent: MockAgent;
  /** What the driver sent, in order (before signing; signing headers are the signer's own). */
  requests: Recorded[];
  /** A transport layer that records each attempt; pass it in the driver's transport options. */
  recorder: Layer;
  /** Answer the next requests matching `when` with `reply` (first match wins, then falls back to the router). */
  override(when: (req: Seen) => boolean, reply: Reply | ((req: Seen) => Reply), times?: number): void;
  close(): Promise<void>;
}

function bodyBuffer(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/** The request headers as undici hands them to the mock (a Headers, a flat [k, v, …] array or a record). */
const md5 = (b: Buffer): string => createHash("md5").update(b).digest("hex");

export function mockS3(origin: string, fixtures: (name: string) => string): MockS3 {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const requests: Recorded[] = [];
  const overrides: Array<{ when: (r: Seen) => boolean; reply: Reply | ((r: Seen) => Reply); left: number }> =
    [];
  const partMd5s = new Map<string, string[]>();
  const partSizes = new Map<string, number[]>();
  /** Sizes of objects written through the mock, so a HEAD after a write answers consistently. */
  const sizes = new Map<string, number>();
  /**
   * Buckets that do not exist until a PUT creates them: the driver asks HeadBucket before CreateBucket
   * (so an existing bucket is refused), and every other bucket is taken to exist already.
   */
  const absent = new Set(["model-bucket", "new-bucket", "newbucket"]);

  const route = (req: Seen): Reply => {
    const q = req.url.searchParams;
    const segments = req.url.pathname.split("/").filter(Boolean);
    const hasKey = segments.length > 1;
    const h = req.headers;
    if (segments.length === 0) return { status: 200, body: fixtures("list_containers.xml") };
    if (!hasKey) {
      if (req.method === "GET" && q.has("uploads")) {
        return {
          status: 200,
          body: fixtures(q.has("key-marker") ? "list_multipart_2.xml" : "list_multipart_1.xml"),
        };
      }
      if (req.method === "GET") return { status: 200, body: fixtures("list_container_objects.xml") };
      if (req.method === "POST" && q.has("delete")) {
        return {
          status: 200,
          body: '<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></DeleteResult>',
        };
      }
      if (req.method === "HEAD") {
        if (absent.has(segments[0]!)) return { status: 404 };
        return { status: 200, headers: { "x-amz-bucket-region": "eu-west-1" } };
      }
      if (req.method === "PUT" && !q.has("policy")) absent.delete(segments[0]!);
      if (req.method === "DELETE") return { status: 204 };
      return { status: 200 };
    }
    const uploadId = q.get("uploadId");
    if (req.method === "POST" && q.has("uploads")) {
      // The recorded answer always names the same upload id: start its parts afresh.
      partMd5s.clear();
      partSizes.clear();
      return { status: 200, body: fixtures("initiate_multipart.xml") };
    }
    if (req.method === "PUT" && uploadId && q.has("partNumber")) {
      if (h["x-amz-copy-source"]) {
        const etag = md5(Buffer.from(`${uploadId}:${q.get("partNumber")}`));
        partMd5s.set(uploadId, [...(partMd5s.get(uploadId) ?? []), etag]);
        const [, from = "0", to = "-1"] = /bytes=(\d+)-(\d+)/.exec(h["x-amz-copy-source-range"] ?? "") ?? [];
        partSizes.set(uploadId, [...(partSizes.get(uploadId) ?? []), Number(to) - Number(from) + 1]);
        return {
          status: 200,
          body: `<CopyPartResult><ETag>"${etag}"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></CopyPartResult>`,
        };
      }
      const digest = md5(req.body ?? Buffer.alloc(0));
      const list = partMd5s.get(uploadId) ?? [];
      list[Number(q.get("partNumber")) - 1] = digest;
      partMd5s.set(uploadId, list);
      const lengths = partSizes.get(uploadId) ?? [];
      lengths[Number(q.get("partNumber")) - 1] = req.body?.length ?? 0;
      partSizes.set(uploadId, lengths);
      return { status: 200, headers: { etag: `"${digest}"` } };
    }
    if (req.method === "POST" && uploadId) {
      const parts = partMd5s.get(uploadId) ?? [];
      const hash = createHash("md5");
      for (const p of parts) hash.update(Buffer.from(p, "hex"));
      const etag = `${hash.digest("hex")}-${parts.length}`;
      sizes.set(
        req.url.pathname,
        (partSizes.get(uploadId) ?? []).reduce((a, b) => a + b, 0),
      );
      return {
        status: 200,
        body: `<CompleteMultipartUploadResult><Bucket>${segments[0]}</Bucket><Key>${segments.slice(1).join("/")}</Key><ETag>"${etag}"</ETag></CompleteMultipartUploadResult>`,
      };
    }
    if (req.method === "DELETE") return { status: 204 };
    if (req.method === "PUT" && h["x-amz-copy-source"]) {
      return {
        status: 200,
        body: '<CopyObjectResult><ETag>"9b2cf535f27731c974343645a3985328"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></CopyObjectResult>',
      };
    }
    if (req.method === "PUT") {
      sizes.set(req.url.pathname, req.body?.length ?? 0);
      return { status: 200, headers: { etag: `"${md5(req.body ?? Buffer.alloc(0))}"` } };
    }
    const content = Buffer.from("0123456789");
    const common = {
      "content-type": "text/plain",
      etag: `"${md5(content)}"`,
      "last-modified": "Sat, 01 Jan 2026 00:00:00 GMT",
      "x-amz-meta-owner": "ann",
    };
    if (req.method === "HEAD") {
      const length = sizes.get(req.url.pathname) ?? content.length;
      return { status: 200, headers: { ...common, "content-length": String(length) } };
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(h.range ?? "");
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), content.length - 1) : content.length - 1;
      return {
        status: 206,
        body: content.subarray(start, end + 1),
        headers: { ...common, "content-range": `bytes ${start}-${end}/${content.length}` },
      };
    }
    return { status: 200, body: content, headers: common };
  };

  const pool = agent.get(origin);
  pool
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const headers = headerRecord(opts.headers);
      const seen: Seen = {
        method: opts.method,
        url: new URL(opts.path, origin),
        headers,
        body: bodyBuffer(opts.body),
      };
      const found = overrides.find((o) => o.left > 0 && o.when(seen));
      let reply: Reply;
      if (found) {
        found.left--;
        reply = typeof found.reply === "function" ? found.reply(seen) : found.reply;
      } else {
        reply = route(seen);
      }
      const body = reply.body ?? "";
      return {
        statusCode: reply.status,
        data: body,
        responseOptions: {
          headers: {
            "x-amz-request-id": "MOCKREQ123",
            ...(reply.body !== undefined && seen.method !== "HEAD"
              ? { "content-length": String(Buffer.byteLength(body)) }
              : {}),
            ...reply.headers,
          },
        },
      };
    })
    .persist();

  const recorder: Layer = (next) => async (attempt: Attempt) => {
    requests.push({
      operation: attempt.operation ?? "",
      method: attempt.method,
      url: new URL(attempt.url.href),
      headers: { ...attempt.headers },
    });
    return next(attempt);
  };

  return {
    agent,
    requests,
    recorder,
    override(when, reply, times = 1) {
      overrides.push({ when, reply, left: times });
    },
    close: () => agent.close(),
  };
}
