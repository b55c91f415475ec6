import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { InvalidInputError, OmnicloudError } from "../errors.js";
import type { FileBody, PreparedBody, RequestBody } from "./types.js";

/** A body that streams the file at `path` (or the inclusive byte range `start`..`end` of it). */
export function fileBody(path: string, range: { start?: number; end?: number } = {}): FileBody {
  return { kind: "file", path, ...range };
}

function isFileBody(body: RequestBody): body is FileBody {
  return typeof body === "object" && body !== null && (body as FileBody).kind === "file" && "path" in body;
}

/** Turn what the caller gave into a body that knows its length and whether it may be sent twice. */
export async function prepareBody(
  body: RequestBody | undefined,
  declaredLength?: number,
): Promise<PreparedBody | undefined> {
  if (body === undefined) return undefined;
  if (typeof body === "string") {
    const length = Buffer.byteLength(body);
    return { length, replayable: true, open: () => body };
  }
  if (body instanceof Uint8Array) {
    return { length: body.byteLength, replayable: true, open: () => body };
  }
  if (isFileBody(body)) return prepareFile(body);
  if (body instanceof Readable || isAsyncIterable(body)) {
    let used = false;
    return {
      length: declaredLength,
      replayable: false,
      open: () => {
        if (used) {
          throw new OmnicloudError("A one-shot request body (stream) was asked for twice", {
            hint: "This is a bug: streams are never re-sent",
          });
        }
        used = true;
        return body instanceof Readable ? body : Readable.from(body, { objectMode: false });
      },
    };
  }
  throw new InvalidInputError(
    `Unsupported request body of type ${typeof body}: expected a string, Uint8Array, Readable, AsyncIterable or fileBody()`,
  );
}

async function prepareFile(body: FileBody): Promise<PreparedBody> {
  let size: number;
  try {
    size = (await stat(body.path)).size;
  } catch (err) {
    throw new InvalidInputError(`Cannot read the upload file ${body.path}`, {
      cause: err,
      hint: "Check that the path exists and is readable",
    });
  }
  const start = body.start ?? 0;
  const end = body.end ?? size - 1;
  if (start < 0 || start > size || end < start - 1 || end >= size) {
    throw new InvalidInputError(
      `Byte range ${start}-${end} is outside the file ${body.path} of ${size} bytes`,
    );
  }
  const length = end - start + 1;
  return {
    length,
    replayable: true,
    // Each attempt re-opens the file, so a retried upload sends the same bytes again.
    open: () => (length === 0 ? new Uint8Array(0) : createReadStream(body.path, { start, end })),
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}
