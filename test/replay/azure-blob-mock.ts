/**
 * A scripted Blob service for replay tests: an undici MockAgent answering every request to one account
 * endpoint with a small in-memory router, listings answered with the recorded libcloud fixtures, and every
 * request the driver makes recorded as the transport saw it (before signing).
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

interface Seen {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

interface Reply {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export interface MockBlob {
  agent: MockAgent;
  requests: Recorded[];
  recorder: Layer;
  close(): Promise<void>;
}

function bodyBuffer(body: unknown): Buffer | undefined {
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

const md5b64 = (b: Buffer): string => createHash("md5").update(b).digest("base64");

/**
 * @param origin the account endpoint's origin (virtual-host style: the account is in the host name)
 * @param fixtures reads a recorded answer from the libcloud azure_blobs fixtures
 */
export function mockBlob(origin: string, fixtures: (name: string) => string): MockBlob {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const requests: Recorded[] = [];
  /** Copies reported pending once, then done on the next look. */
  const pendingCopies = new Set<string>();
  const content = Buffer.from("0123456789");
  const common = {
    "content-type": "text/plain",
    etag: '"0x8D0000000000001"',
    "last-modified": "Thu, 01 Jan 2026 00:00:00 GMT",
    "content-md5": md5b64(content),
    "x-ms-meta-owner": "ann",
  };

  // A ranged answer carries the whole blob's MD5 in x-ms-blob-content-md5, not Content-MD5.
  const { "content-md5": _rangeMd5, ...withoutMd5 } = common;

  const route = (req: Seen): Reply => {
    const q = req.url.searchParams;
    const segments = req.url.pathname.split("/").filter(Boolean);
    const h = req.headers;
    if (segments.length === 0) {
      return {
        status: 200,
        body: fixtures(q.get("marker") ? "list_containers_2.xml" : "list_containers_1.xml"),
      };
    }
    if (segments.length === 1) {
      if (req.method === "POST" && q.get("comp") === "batch") return batchReply(req);
      if (req.method === "GET" && q.get("comp") === "list") {
        const page = q.get("marker") ? "list_objects_2.xml" : "list_objects_1.xml";
        return { status: 200, body: fixtures(q.get("maxresults") === "1" ? "list_objects_empty.xml" : page) };
      }
      if (req.method === "PUT") return { status: 201, headers: { etag: common.etag } };
      if (req.method === "DELETE") return { status: 202 };
      return { status: 200, headers: { etag: common.etag, "last-modified": common["last-modified"] } };
    }
    const path = req.url.pathname;
    if (req.method === "PUT" && h["x-ms-copy-source"]) {
      pendingCopies.add(path);
      return {
        status: 202,
        headers: { "x-ms-copy-status": "pending", "x-ms-copy-id": "copy-1", etag: common.etag },
      };
    }
    if (req.method === "PUT") {
      const body = req.body ?? Buffer.alloc(0);
      return { status: 201, headers: { etag: common.etag, "content-md5": md5b64(body) } };
    }
    if (req.method === "DELETE") return { status: 202 };
    if (req.method === "HEAD") {
      const copy: Record<string, string> = pendingCopies.has(path)
        ? { "x-ms-copy-status": "success", "x-ms-copy-id": "copy-1" }
        : {};
      return { status: 200, headers: { ...common, ...copy, "content-length": String(content.length) } };
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(h["x-ms-range"] ?? "");
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), content.length - 1) : content.length - 1;
      return {
        status: 206,
        body: content.subarray(start, end + 1),
        headers: {
          ...withoutMd5,
          "x-ms-blob-content-md5": common["content-md5"],
          "content-range": `bytes ${start}-${end}/${content.length}`,
        },
      };
    }
    return { status: 200, body: content, headers: common };
  };

  /** A 202 answer with one sub-response per Content-ID: the first deleted, the others not found. */
  const batchReply = (req: Seen): Reply => {
    const ids = [...(req.body?.toString("utf8") ?? "").matchAll(/Content-ID: (\d+)/g)].map((m) => m[1]);
    const boundary = "batchresponse_mock";
    const parts = ids.map((id, i) => {
      const status = i === 0 ? "HTTP/1.1 202 Accepted" : "HTTP/1.1 404 The specified blob does not exist.";
      const extra = i === 0 ? "" : "x-ms-error-code: BlobNotFound\r\n";
      return `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: ${id}\r\n\r\n${status}\r\n${extra}x-ms-request-id: sub-${id}\r\n\r\n`;
    });
    return {
      status: 202,
      body: `${parts.join("")}--${boundary}--\r\n`,
      headers: { "content-type": `multipart/mixed; boundary=${boundary}` },
    };
  };

  agent
    .get(origin)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const seen: Seen = {
        method: opts.method,
        url: new URL(opts.path, origin),
        headers: headerRecord(opts.headers),
        body: bodyBuffer(opts.body),
      };
      const reply = route(seen);
      const body = reply.body ?? "";
      return {
        statusCode: reply.status,
        data: body,
        responseOptions: {
          headers: {
            "x-ms-request-id": "MOCKREQ123",
            ...(seen.method !== "HEAD" ? { "content-length": String(Buffer.byteLength(body)) } : {}),
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

  return { agent, requests, recorder, close: () => agent.close() };
}
