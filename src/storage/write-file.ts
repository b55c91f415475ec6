import { open } from "node:fs/promises";
import { abortedBy } from "../core/sleep.js";

/** How much is gathered before one write: a socket hands over 64 KiB at a time, a disk likes more. */
const BATCH_BYTES = 1024 * 1024;

/**
 * Write a stream to a new file (`wx`: never over an existing one), each chunk seen by `onChunk` first.
 * Chunks are gathered into writes of about 1 MiB (one writev each, not one write per 64 KiB chunk), and
 * the stream is not read while a write is in flight, so memory holds one batch whatever the size.
 */
export async function writeToFile(
  body: AsyncIterable<Uint8Array>,
  path: string,
  onChunk: (chunk: Uint8Array) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const file = await open(path, "wx");
  try {
    let batch: Uint8Array[] = [];
    let batched = 0;
    const flush = async (): Promise<void> => {
      let pending = batch;
      let left = batched;
      batch = [];
      batched = 0;
      // writev may write less than asked (rare on a regular file); go on from where it stopped.
      while (left > 0) {
        const { bytesWritten } = await file.writev(pending);
        left -= bytesWritten;
        if (left > 0) pending = rest(pending, bytesWritten);
      }
    };
    for await (const chunk of body) {
      if (signal?.aborted) throw abortedBy(signal);
      onChunk(chunk);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= BATCH_BYTES) await flush();
    }
    if (signal?.aborted) throw abortedBy(signal);
    await flush();
  } finally {
    await file.close();
  }
}

/** The buffers after the first `skip` bytes. */
function rest(buffers: readonly Uint8Array[], skip: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
