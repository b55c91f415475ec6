import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { InvalidInputError } from "../core/errors.js";
import type { UploadSource } from "./types.js";

/** Any upload source as one stream, with its size when it can be known without reading it. */
export async function openSource(
  source: UploadSource,
  declaredSize: number | undefined,
): Promise<{ stream: Readable; size: number | undefined }> {
  if (typeof source === "string") {
    const bytes = Buffer.from(source);
    return { stream: Readable.from([bytes], { objectMode: false }), size: bytes.length };
  }
  if (source instanceof Uint8Array) {
    return { stream: Readable.from([source], { objectMode: false }), size: source.byteLength };
  }
  if (source instanceof Readable) return { stream: source, size: declaredSize };
  if (typeof source === "object" && source !== null && "path" in source && typeof source.path === "string") {
    let size: number;
    try {
      const info = await stat(source.path);
      if (!info.isFile()) throw new Error("not a regular file");
      size = info.size;
    } catch (err) {
      throw new InvalidInputError(`Cannot upload ${source.path}: ${(err as Error).message}`, { cause: err });
    }
    return { stream: createReadStream(source.path), size };
  }
  if (typeof source === "object" && source !== null && Symbol.asyncIterator in source) {
    return { stream: Readable.from(source, { objectMode: false }), size: declaredSize };
  }
  throw new InvalidInputError(
    "Unsupported upload source: pass a string, Uint8Array, { path }, Readable or AsyncIterable<Uint8Array>",
  );
}
