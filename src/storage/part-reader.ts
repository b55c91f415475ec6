import type { Readable } from "node:stream";
import { PartDigests } from "./part-digests.js";
import { memoryPart, type OutgoingPart, type PartSource } from "./part-source.js";

/**
 * Cuts a stream (or bytes in memory) into parts of a fixed size, reading only as far as the part asked
 * for: a part is the only buffer it fills, so memory stays at (parts held by the caller) × (part size)
 * whatever the object size. Part buffers come back through `releasePart` and are filled again: without
 * that every part is a fresh allocation of the part size, and the garbage collector lets several
 * generations of them pile up before it frees any. Whole-object digests are computed on the way.
 */
export class PartReader extends PartDigests implements PartSource {
  private ended = false;
  private pending: Buffer | undefined;
  private readonly iterator: AsyncIterator<Buffer> | undefined;
  /** Part buffers handed back, ready to be filled again; all of one size. */
  private spare: Buffer[] = [];
  private readonly owned = new WeakSet<ArrayBufferLike>();

  /**
   * @param source a stream, or bytes already in memory (parts are then views on them, not copies)
   * @param hash the whole-object digests to compute
   */
  constructor(source: Readable | Uint8Array, hash: { md5?: boolean; sha256?: boolean }) {
    super(hash);
    if (source instanceof Uint8Array) {
      this.pending = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
      this.ended = true;
    } else {
      this.iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    }
  }

  /**
   * The next part's bytes: exactly `size` bytes, fewer at the end of the source, or undefined when nothing
   * is left. `capacity` caps the buffer allocated when the caller knows fewer bytes remain.
   */
  async next(size: number, capacity = size): Promise<Buffer | undefined> {
    const want = Math.min(size, capacity);
    // Zero copy when one chunk already holds the whole part (bytes sources, big stream chunks).
    const head = await this.fill();
    if (head === undefined) return undefined;
    if (head.length >= want) return this.take(head, want);

    const part = this.partBuffer(want);
    let filled = 0;
    let chunk: Buffer | undefined = head;
    while (chunk !== undefined) {
      const n = Math.min(chunk.length, want - filled);
      chunk.copy(part, filled, 0, n);
      filled += n;
      this.pending = n < chunk.length ? chunk.subarray(n) : undefined;
      if (filled === want) break;
      chunk = await this.fill();
    }
    return this.handOut(filled === want ? part : part.subarray(0, filled));
  }

  async nextPart(size: number, capacity = size): Promise<OutgoingPart | undefined> {
    const bytes = await this.next(size, capacity);
    return bytes && memoryPart(bytes);
  }

  releasePart(part: OutgoingPart): void {
    const whole = part.body.buffer;
    if (!this.owned.has(whole)) return;
    // Only buffers of the common part size are worth keeping; a short last part is left to the GC.
    if (this.spare.length > 0 && this.spare[0]!.length !== whole.byteLength) return;
    this.spare.push(Buffer.from(whole));
  }

  /** True when the source has nothing more to give; reads ahead at most one chunk to find out. */
  async atEnd(): Promise<boolean> {
    return (await this.fill()) === undefined;
  }

  /** Stop reading: destroys a stream source so its file or socket is released. */
  close(): void {
    void this.iterator?.return?.();
  }

  /** A buffer of exactly `size` bytes, reused when one came back. */
  private partBuffer(size: number): Buffer {
    if (this.spare.length > 0 && this.spare[0]!.length !== size) this.spare = [];
    const reused = this.spare.pop();
    if (reused) return reused;
    // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool, so it can be recycled.
    const buffer = Buffer.allocUnsafeSlow(size);
    this.owned.add(buffer.buffer);
    return buffer;
  }

  private take(chunk: Buffer, n: number): Buffer {
    this.pending = n < chunk.length ? chunk.subarray(n) : undefined;
    return this.handOut(chunk.subarray(0, n));
  }

  private handOut(part: Buffer): Buffer {
    this.digest(part);
    return part;
  }

  /** The pending chunk, or the next non-empty one from the source; undefined at the end. */
  private async fill(): Promise<Buffer | undefined> {
    if (this.pending !== undefined && this.pending.length > 0) return this.pending;
    this.pending = undefined;
    while (!this.ended && this.iterator) {
      const { value, done } = await this.iterator.next();
      if (done) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.isBuffer(value) ? value : Buffer.from(value as Uint8Array);
      if (chunk.length > 0) {
        this.pending = chunk;
        return chunk;
      }
    }
    return undefined;
  }
}
