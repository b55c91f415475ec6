import { createHash, type Hash } from "node:crypto";
import { IntegrityError } from "../core/errors.js";
import type { Checksums } from "./types.js";

/**
 * What every part source shares: it counts the bytes it hands out and, when asked, digests the whole
 * object on the way (parts are handed out in order, so one running hash is enough).
 */
export abstract class PartDigests {
  /** Bytes handed out so far. */
  bytes = 0;
  private readonly md5: Hash | undefined;
  private readonly sha256: Hash | undefined;
  private digests: Checksums | undefined;

  constructor(hash: { md5?: boolean; sha256?: boolean }) {
    this.md5 = hash.md5 ? createHash("md5") : undefined;
    this.sha256 = hash.sha256 ? createHash("sha256") : undefined;
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

  /** Feed bytes handed out (in object order) to the count and the whole-object digests. */
  protected digest(bytes: Uint8Array): void {
    this.bytes += bytes.length;
    this.md5?.update(bytes);
    this.sha256?.update(bytes);
  }
}
