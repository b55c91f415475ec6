import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { IntegrityError } from "../core/errors.js";
import type { Checksums, Progress } from "./types.js";

/**
 * Counts and hashes bytes as they stream through, reporting progress; `verify` then checks the count and
 * digests against what was expected. MD5 is computed unless the caller opts out (it is every provider's
 * ETag of a simple object, so uploads need it; a download with no stored MD5 to compare with does not,
 * and hashing costs ~3.5 ms per MiB); SHA-256 only when the caller gave one to check.
 */
export class Meter extends Transform {
  bytes = 0;
  private readonly md5: Hash | undefined;
  private readonly sha256: Hash | undefined;
  private digests: Checksums | undefined;

  constructor(
    private readonly expectedSize: number | undefined,
    private readonly expected: Checksums | undefined,
    private readonly onProgress: ((p: Progress) => void) | undefined,
    options: { md5?: boolean } = {},
  ) {
    super();
    this.md5 = options.md5 === false && !expected?.md5 ? undefined : createHash("md5");
    this.sha256 = expected?.sha256 ? createHash("sha256") : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count(chunk);
    callback(null, chunk);
  }

  /** Count and hash bytes read some other way than through this stream (a download to a file). */
  count(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.md5?.update(chunk);
    this.sha256?.update(chunk);
    this.onProgress?.({ done: this.bytes, total: this.expectedSize });
  }

  /** Digests of everything that passed, lower-case hex. Valid once the stream has ended. */
  checksums(): Checksums {
    this.digests ??= {
      ...(this.md5 ? { md5: this.md5.digest("hex") } : {}),
      ...(this.sha256 ? { sha256: this.sha256.digest("hex") } : {}),
    };
    return this.digests;
  }

  /** Throws IntegrityError when size or a digest differs from what was expected. */
  verify(what: string): void {
    if (this.expectedSize !== undefined && this.bytes !== this.expectedSize) {
      throw new IntegrityError(`${what}: expected ${this.expectedSize} bytes but got ${this.bytes}`);
    }
    const got = this.checksums();
    for (const algo of ["md5", "sha256"] as const) {
      const want = this.expected?.[algo]?.toLowerCase();
      if (want && got[algo] !== want) {
        throw new IntegrityError(`${what}: ${algo} is ${got[algo]} but ${want} was expected`, {
          hint: "The data changed in transit or at the source; nothing was kept",
        });
      }
    }
  }
}
