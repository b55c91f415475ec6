import { createReadStream } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
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
  const file = await openFileSource(source);
  if (file) return { stream: createReadStream(file.path), size: file.size };
  if (typeof source === "object" && source !== null && Symbol.asyncIterator in source) {
    return { stream: Readable.from(source, { objectMode: false }), size: declaredSize };
  }
  throw new InvalidInputError(
    "Unsupported upload source: pass a string, Uint8Array, { path }, Readable or AsyncIterable<Uint8Array>",
  );
}

/** A `{ path }` source, checked to be a regular file before any request; undefined for other sources. */
export async function openFileSource(
  source: UploadSource,
): Promise<{ path: string; size: number; open(): Promise<FileHandle> } | undefined> {
  if (typeof source !== "object" || source === null || source instanceof Uint8Array) return undefined;
  if (!("path" in source) || typeof source.path !== "string") return undefined;
  const path = source.path;
  const refuse = (err: unknown): never => {
    throw new InvalidInputError(`Cannot upload ${path}: ${(err as Error).message}`, { cause: err });
  };
  let size = 0;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error("not a regular file");
    size = info.size;
  } catch (err) {
    refuse(err);
  }
  return { path, size, open: () => open(path, "r").catch(refuse) };
}
