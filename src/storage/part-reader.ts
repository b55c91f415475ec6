import { createHash, type Hash } from "node:crypto";
import type { Readable } from "node:stream";
import { IntegrityError } from "../core/errors.js";
import type { Checksums } from "./types.js";

/**
 * Cuts a source into parts of a fixed size, reading only as far as the part asked for: a part is the
 * only buffer it fills, so memory stays at (parts held by the caller) × (part size) whatever the object
 * size. Whole-object digests are computed on the way, in order, when asked for.
 */
export class PartReader {
  /** Bytes handed out so far. */
  bytes = 0;
  private ended = false;
  private pending: Buffer | undefined;
  private readonly iterator: AsyncIterator<Buffer> | undefined;
  private readonly md5: Hash | undefined;
  private readonly sha256: Hash | undefined;
  private digests: Checksums | undefined;

  /**
   * @param source a stream, or bytes already in memory (parts are then views on them, not copies)
   * @param hash the whole-object digests to compute
   */
  constructor(source: Readable | Uint8Array, hash: { md5?: boolean; sha256?: boolean }) {
    if (source instanceof Uint8Array) {
      this.pending = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
      this.ended = true;
    } else {
      this.iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    }
    this.md5 = hash.md5 ? createHash("md5") : undefined;
    this.sha256 = hash.sha256 ? createHash("sha256") : undefined;
  }

  /** True once the source is exhausted and every byte was handed out. */
  get done(): boolean {
    return this.ended && (this.pending === undefined || this.pending.length === 0);
  }

  /**
   * The next part: exactly `size` bytes, fewer at the end of the source, or undefined when nothing is
   * left. `capacity` caps the buffer allocated when the caller knows fewer bytes remain.
   */
  async next(size: number, capacity = size): Promise<Buffer | undefined> {
    const want = Math.min(size, capacity);
    // Zero copy when one chunk already holds the whole part (bytes sources, big stream chunks).
    const head = await this.fill();
    if (head === undefined) return undefined;
    if (head.length >= want) return this.take(head, want);

    const part = Buffer.allocUnsafe(want);
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
    return this.hashed(filled === want ? part : part.subarray(0, filled));
  }

  /** True when the source has nothing more to give; reads ahead at most one chunk to find out. */
  async atEnd(): Promise<boolean> {
    return (await this.fill()) === undefined;
  }

  /** Digests of every byte handed out. Valid once the source is exhausted. */
  checksums(): Checksums {
    this.digests ??= {
      ...(this.md5 ? { md5: this.md5.digest("hex") } : {}),
      ...(this.sha256 ? { sha256: this.sha256.digest("hex") } : {}),
    };
    return this.digests;
  }

  /** Throws IntegrityError when the byte count or a computed digest differs from what was expected. */
  verify(what: string, expectedSize: number | undefined, expected: Checksums | undefined): void {
    if (expectedSize !== undefined && this.bytes !== expectedSize) {
      throw new IntegrityError(`${what}: expected ${expectedSize} bytes but the source gave ${this.bytes}`);
    }
    const got = this.checksums();
    for (const algo of ["md5", "sha256"] as const) {
      const want = expected?.[algo]?.toLowerCase();
      if (want && got[algo] !== want) {
        throw new IntegrityError(`${what}: ${algo} is ${got[algo]} but ${want} was expected`, {
          hint: "The data changed in transit or at the source; nothing was kept",
        });
      }
    }
  }

  /** Stop reading: destroys a stream source so its file or socket is released. */
  close(): void {
    void this.iterator?.return?.();
  }

  private take(chunk: Buffer, n: number): Buffer {
    this.pending = n < chunk.length ? chunk.subarray(n) : undefined;
    return this.hashed(chunk.subarray(0, n));
  }

  private hashed(part: Buffer): Buffer {
    this.bytes += part.length;
    this.md5?.update(part);
    this.sha256?.update(part);
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
