import { createReadStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import type { MultipartOptions, UploadSource } from "../../storage/types.js";
import type { Cli } from "../context.js";
import { Throttle } from "../throttle.js";
import { contentTypeFor } from "./content-type.js";
import type { Side, Transfer } from "./transfer-plan.js";

/**
 * One transfer, through the portable Storage API so every provider pair works the same: uploads are
 * checksummed and go multipart in parallel when large (and are aborted on failure or Ctrl-C), downloads to
 * files are atomic (a temp file renamed into place, nothing left on failure), copies inside one store run
 * server-side, copies between stores stream with bounded memory.
 */
export interface TransferOptions {
  cli: Cli;
  contentType: string | undefined;
  metadata: Record<string, string> | undefined;
  multipart: MultipartOptions | undefined;
  /** Bytes per second for the bytes this process sends, or undefined. */
  limitRate: number | undefined;
  onProgress: (done: number, total: number | undefined) => void;
}

type ObjectSide = Extract<Side, { kind: "object" }>;

/** A file read at most at `rate` bytes per second; the file closes when the throttle does. */
function throttledFile(path: string, rate: number): Readable {
  const file = createReadStream(path);
  const throttle = new Throttle(rate);
  file.on("error", (err) => throttle.destroy(err));
  throttle.on("close", () => file.destroy());
  return file.pipe(throttle);
}

function throttledStream(body: Readable, rate: number): Readable {
  const throttle = new Throttle(rate);
  body.on("error", (err) => throttle.destroy(err));
  throttle.on("close", () => body.destroy());
  return body.pipe(throttle);
}

async function upload(
  to: ObjectSide,
  source: UploadSource,
  size: number | undefined,
  contentType: string | undefined,
  o: TransferOptions,
): Promise<number> {
  const info = await to.endpoint.store.upload(to.container, to.key, source, {
    ...(size !== undefined ? { size } : {}),
    ...(contentType ? { contentType } : {}),
    ...(o.metadata ? { metadata: o.metadata } : {}),
    ...(o.multipart ? { multipart: o.multipart } : {}),
    onProgress: (p) => o.onProgress(p.done, p.total),
    signal: o.cli.signal,
  });
  return info.size;
}

async function toStdout(from: ObjectSide, o: TransferOptions): Promise<number> {
  const { body } = await from.endpoint.store.download(from.container, from.key, {
    onProgress: (p) => o.onProgress(p.done, p.total),
    signal: o.cli.signal,
  });
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (!o.cli.stdout.write(chunk)) {
        await new Promise<void>((resume) => o.cli.stdout.once("drain", resume));
      }
    }
  } finally {
    body.destroy();
  }
  return bytes;
}

/** Between two different stores with --limit-rate: the same stream copy as Storage.copy, throttled. */
async function throttledCopy(
  from: ObjectSide,
  to: ObjectSide,
  rate: number,
  o: TransferOptions,
): Promise<number> {
  const { info, body } = await from.endpoint.store.download(from.container, from.key, {
    signal: o.cli.signal,
  });
  const stream = throttledStream(body, rate);
  try {
    const written = await to.endpoint.store.upload(to.container, to.key, stream, {
      size: info.size,
      ...((o.contentType ?? info.contentType) ? { contentType: o.contentType ?? info.contentType } : {}),
      ...(info.cacheControl ? { cacheControl: info.cacheControl } : {}),
      ...(info.contentDisposition ? { contentDisposition: info.contentDisposition } : {}),
      metadata: o.metadata ?? info.metadata,
      ...(info.checksums.md5 ? { expect: { md5: info.checksums.md5 } } : {}),
      ...(o.multipart ? { multipart: o.multipart } : {}),
      onProgress: (p) => o.onProgress(p.done, p.total),
      signal: o.cli.signal,
    });
    return written.size;
  } finally {
    stream.destroy();
  }
}

/** Run one transfer; resolves with the bytes moved. */
export async function runTransfer(t: Transfer, o: TransferOptions): Promise<number> {
  const { from, to } = t;
  if (to.kind === "object" && from.kind === "file") {
    const source = o.limitRate ? throttledFile(from.path, o.limitRate) : { path: from.path };
    return upload(to, source, t.size, o.contentType ?? contentTypeFor(from.path), o);
  }
  if (to.kind === "object" && from.kind === "stdio") {
    const stdin = o.cli.stdin;
    const source = stdin instanceof Readable ? stdin : Readable.from(stdin);
    return upload(
      to,
      o.limitRate ? throttledStream(source, o.limitRate) : source,
      undefined,
      o.contentType,
      o,
    );
  }
  if (from.kind !== "object") throw new Error("a transfer needs an object on at least one side");
  if (to.kind === "stdio") return toStdout(from, o);
  if (to.kind === "file") {
    await mkdir(dirname(to.path), { recursive: true });
    const info = await from.endpoint.store.downloadToFile(from.container, from.key, to.path, {
      onProgress: (p) => o.onProgress(p.done, p.total),
      signal: o.cli.signal,
    });
    return info.size;
  }
  const sameStore = from.endpoint.store === to.endpoint.store;
  if (o.limitRate && !sameStore) return throttledCopy(from, to, o.limitRate, o);
  const info = await from.endpoint.store.copy(from.container, from.key, to.container, to.key, {
    ...(sameStore ? {} : { to: to.endpoint.store }),
    ...(o.contentType ? { contentType: o.contentType } : {}),
    ...(o.metadata ? { metadata: o.metadata } : {}),
    ...(o.multipart ? { multipart: o.multipart } : {}),
    onProgress: (p) => o.onProgress(p.done, p.total),
    signal: o.cli.signal,
  });
  return info.size;
}
