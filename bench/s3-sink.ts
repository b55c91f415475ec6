/**
 * A minimal S3-speaking server for the storage bench's CPU figures: it does as little as an S3 server can
 * while still answering what clients check, so the client is what is measured, not the server. It runs in
 * its own process (its CPU is never counted in a client's), on 127.0.0.1 and a port the OS picks.
 *
 * Path-style requests only, no authentication (signatures are not checked). Operations:
 *
 *   PUT    /bucket                                  CreateBucket
 *   HEAD   /bucket                                  HeadBucket
 *   PUT    /bucket/key                              PutObject (ETag: hex MD5 of the body, as S3's)
 *   GET    /bucket/key, HEAD /bucket/key            GetObject / HeadObject, with a single Range
 *   DELETE /bucket/key                              DeleteObject
 *   POST   /bucket/key?uploads                      CreateMultipartUpload
 *   PUT    /bucket/key?partNumber=N&uploadId=U      UploadPart
 *   POST   /bucket/key?uploadId=U                   CompleteMultipartUpload (ETag: MD5 of the MD5s, "-N")
 *   DELETE /bucket/key?uploadId=U                   AbortMultipartUpload
 *
 * Clients compare the ETag with their own MD5, so it is computed as the body streams in (the server's CPU,
 * not the client's). Bodies up to SMALL_BODY bytes stay in memory, where a 4 KiB PUT costs the server least;
 * larger ones, and every part, go to files in the directory given as argv[2], and a completed multipart
 * object is its part files in order (nothing is copied), so a download returns what was uploaded.
 *
 * Prints "listening <port>". Exits when stdin closes (the parent went away), on SIGTERM, or after a fixed
 * lifetime at most.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, rmSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";

const DIR = process.argv[2] ?? "";
if (DIR === "") throw new Error("usage: s3-sink <directory for object files>");
const MAX_LIFETIME_MS = 60 * 60_000;
const SMALL_BODY = 1024 * 1024;

/** Bytes of an object: in memory, or a file of the sink's own. */
type Segment = { bytes: Buffer; size: number } | { file: string; size: number };

interface StoredObject {
  segments: Segment[];
  size: number;
  /** Quoted, as sent on the wire. */
  etag: string;
  modified: string;
  contentType: string;
}

interface Part {
  segment: Segment;
  md5: Buffer;
}

interface Upload {
  bucket: string;
  key: string;
  contentType: string;
  parts: Map<number, Part>;
}

const buckets = new Map<string, Map<string, StoredObject>>();
const uploads = new Map<string, Upload>();
let fileCount = 0;

function forget(segments: readonly Segment[]): void {
  for (const s of segments) if ("file" in s) void unlink(s.file).catch(() => {});
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function sendXml(res: ServerResponse, body: string): void {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
  res.writeHead(200, { "content-type": "application/xml", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Takes a request body in, hashing it: to memory when small and announced, else to a new file. */
async function receive(req: IncomingMessage): Promise<{ segment: Segment; md5: Buffer }> {
  const hash = createHash("md5");
  const length = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(length) && length <= SMALL_BODY) {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) {
      hash.update(chunk);
      chunks.push(chunk);
    }
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    return { segment: { bytes, size: bytes.length }, md5: hash.digest() };
  }
  const file = join(DIR, `${process.pid}-${++fileCount}.bin`);
  let size = 0;
  // One read, two consumers: the hash sees every chunk that goes to the file.
  req.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  await pipeline(req, createWriteStream(file));
  return { segment: { file, size }, md5: hash.digest() };
}

function checkMd5(req: IncomingMessage, md5: Buffer): boolean {
  const sent = req.headers["content-md5"];
  return sent === undefined || sent === md5.toString("base64");
}

function objectOf(bucket: string, key: string): StoredObject | undefined {
  return buckets.get(bucket)?.get(key);
}

function store(bucket: string, key: string, object: StoredObject): void {
  const objects = buckets.get(bucket)!;
  const old = objects.get(key);
  objects.set(key, object);
  if (old) forget(old.segments);
}

/** The bytes [start, end] of an object, segment by segment. */
async function* bytesOf(object: StoredObject, start: number, end: number): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const segment of object.segments) {
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + segment.size - 1);
    if (from <= to) {
      if ("bytes" in segment) yield segment.bytes.subarray(from - offset, to - offset + 1);
      else yield* createReadStream(segment.file, { start: from - offset, end: to - offset });
    }
    offset += segment.size;
  }
}

/** One "bytes=a-b", "bytes=a-" or "bytes=-n" range, or undefined for the whole object. */
function rangeOf(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "bad" | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const n = Math.min(Number(m[2]), size);
    return n === 0 ? "bad" : { start: size - n, end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? "bad" : { start, end };
}

async function getObject(req: IncomingMessage, res: ServerResponse, object: StoredObject): Promise<void> {
  const range = rangeOf(req.headers.range, object.size);
  if (range === "bad") {
    res.setHeader("content-range", `bytes */${object.size}`);
    sendError(res, 416, "InvalidRange", "The requested range is not satisfiable");
    return;
  }
  const { start, end } = range ?? { start: 0, end: object.size - 1 };
  const headers: Record<string, string | number> = {
    "content-length": end - start + 1,
    "content-type": object.contentType,
    etag: object.etag,
    "last-modified": object.modified,
    "accept-ranges": "bytes",
  };
  if (range) headers["content-range"] = `bytes ${start}-${end}/${object.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === "HEAD" || object.size === 0) {
    res.end();
    return;
  }
  await pipeline(bytesOf(object, start, end), res);
}

async function putObject(req: IncomingMessage, res: ServerResponse, bucket: string, key: string) {
  const { segment, md5 } = await receive(req);
  if (!checkMd5(req, md5)) {
    forget([segment]);
    sendError(res, 400, "BadDigest", "The Content-MD5 you specified did not match what was received");
    return;
  }
  const etag = `"${md5.toString("hex")}"`;
  store(bucket, key, {
    segments: [segment],
    size: segment.size,
    etag,
    modified: new Date().toUTCString(),
    contentType: req.headers["content-type"] ?? "application/octet-stream",
  });
  res.writeHead(200, { etag, "content-length": 0 });
  res.end();
}

async function uploadPart(req: IncomingMessage, res: ServerResponse, upload: Upload, partNumber: number) {
  const { segment, md5 } = await receive(req);
  if (!checkMd5(req, md5)) {
    forget([segment]);
    sendError(res, 400, "BadDigest", "The Content-MD5 you specified did not match what was received");
    return;
  }
  const old = upload.parts.get(partNumber);
  upload.parts.set(partNumber, { segment, md5 });
  if (old) forget([old.segment]);
  res.writeHead(200, { etag: `"${md5.toString("hex")}"`, "content-length": 0 });
  res.end();
}

async function completeUpload(req: IncomingMessage, res: ServerResponse, id: string, upload: Upload) {
  let text = "";
  for await (const chunk of req as AsyncIterable<Buffer>) text += chunk.toString("utf8");
  const numbers = [...text.matchAll(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/g)].map((m) => Number(m[1]));
  const parts: Part[] = [];
  for (const n of numbers) {
    const part = upload.parts.get(n);
    if (!part) {
      sendError(res, 400, "InvalidPart", `Part ${n} was not uploaded`);
      return;
    }
    parts.push(part);
  }
  if (parts.length === 0) {
    sendError(res, 400, "MalformedXML", "No parts listed");
    return;
  }
  uploads.delete(id);
  forget([...upload.parts.entries()].filter(([n]) => !numbers.includes(n)).map(([, p]) => p.segment));
  const digest = createHash("md5");
  for (const p of parts) digest.update(p.md5);
  const etag = `"${digest.digest("hex")}-${parts.length}"`;
  store(upload.bucket, upload.key, {
    segments: parts.map((p) => p.segment),
    size: parts.reduce((sum, p) => sum + p.segment.size, 0),
    etag,
    modified: new Date().toUTCString(),
    contentType: upload.contentType,
  });
  sendXml(
    res,
    `<CompleteMultipartUploadResult><Location>/${upload.bucket}/${upload.key}</Location>` +
      `<Bucket>${upload.bucket}</Bucket><Key>${upload.key}</Key><ETag>${etag.replace(/"/g, "&quot;")}</ETag>` +
      `</CompleteMultipartUploadResult>`,
  );
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://sink");
  const slash = url.pathname.indexOf("/", 1);
  const bucket = decodeURIComponent(slash < 0 ? url.pathname.slice(1) : url.pathname.slice(1, slash));
  const key = slash < 0 ? "" : decodeURIComponent(url.pathname.slice(slash + 1));
  const method = req.method ?? "GET";
  const q = url.searchParams;
  if (bucket === "") {
    req.resume();
    sendXml(res, "<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>");
    return;
  }
  if (key === "") {
    req.resume();
    if (method === "PUT") {
      if (!buckets.has(bucket)) buckets.set(bucket, new Map());
      res.writeHead(200, { location: `/${bucket}`, "content-length": 0 });
      res.end();
    } else if (method === "HEAD" && buckets.has(bucket)) {
      res.writeHead(200, { "content-length": 0 });
      res.end();
    } else if (!buckets.has(bucket)) sendError(res, 404, "NoSuchBucket", "The bucket does not exist");
    else sendError(res, 501, "NotImplemented", `${method} on a bucket is not implemented by the sink`);
    return;
  }
  if (!buckets.has(bucket)) {
    req.resume();
    sendError(res, 404, "NoSuchBucket", "The bucket does not exist");
    return;
  }
  const uploadId = q.get("uploadId");
  if (uploadId !== null) {
    const upload = uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      req.resume();
      sendError(res, 404, "NoSuchUpload", "The upload does not exist");
      return;
    }
    if (method === "PUT") return uploadPart(req, res, upload, Number(q.get("partNumber")));
    if (method === "POST") return completeUpload(req, res, uploadId, upload);
    req.resume();
    if (method === "DELETE") {
      uploads.delete(uploadId);
      forget([...upload.parts.values()].map((p) => p.segment));
      res.writeHead(204);
      res.end();
    } else sendError(res, 501, "NotImplemented", `${method} on an upload is not implemented by the sink`);
    return;
  }
  if (method === "POST" && q.has("uploads")) {
    req.resume();
    const id = randomBytes(12).toString("hex");
    const contentType = req.headers["content-type"] ?? "application/octet-stream";
    uploads.set(id, { bucket, key, contentType, parts: new Map() });
    sendXml(
      res,
      `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key>` +
        `<UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
    );
    return;
  }
  if (method === "PUT") return putObject(req, res, bucket, key);
  req.resume();
  if (method === "GET" || method === "HEAD") {
    const object = objectOf(bucket, key);
    if (object) return getObject(req, res, object);
    if (method === "HEAD") {
      res.writeHead(404, { "content-length": 0 });
      res.end();
    } else sendError(res, 404, "NoSuchKey", "The specified key does not exist.");
    return;
  }
  if (method === "DELETE") {
    const object = objectOf(bucket, key);
    buckets.get(bucket)!.delete(key);
    if (object) forget(object.segments);
    res.writeHead(204);
    res.end();
    return;
  }
  sendError(res, 501, "NotImplemented", `${method} is not implemented by the sink`);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) sendError(res, 500, "InternalError", String(err).slice(0, 200));
    else res.destroy();
  });
});
// Clients keep their connections open across the whole bench: never let the sink be the one to drop them.
server.keepAliveTimeout = 600_000;
server.requestTimeout = 0;

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});

const stop = (): void => {
  server.closeAllConnections();
  server.close();
  // The parent removes the directory too; this covers a parent that died.
  rmSync(DIR, { recursive: true, force: true });
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
setTimeout(stop, MAX_LIFETIME_MS).unref();
