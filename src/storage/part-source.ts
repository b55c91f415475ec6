import { hexDigest } from "../core/digest.js";
import type { Checksums } from "./types.js";

/** One part on its way to the provider, with the MD5 the provider checks it against. */
export interface OutgoingPart {
  body: Uint8Array;
  size: number;
  /** Lower-case hex. */
  md5: string;
}

/** Where a multipart upload takes its parts from, in object order. */
export interface PartSource {
  /** Bytes handed out so far. */
  readonly bytes: number;
  /** Exactly `size` bytes (fewer at the end, at most `capacity`), or undefined when nothing is left. */
  nextPart(size: number, capacity?: number): Promise<OutgoingPart | undefined>;
  /** True when the source has nothing more to give. */
  atEnd(): Promise<boolean>;
  /** The part's request is over (sent, or failed for good): a source that reuses buffers may refill it. */
  releasePart(part: OutgoingPart): void;
  /** Whole-object digests of every byte handed out, once the source is exhausted. */
  checksums(): Checksums;
  /** Throws IntegrityError when the byte count or a digest differs from what was expected. */
  verify(what: string, expectedSize: number | undefined, expected: Checksums | undefined): void;
  /** Stop reading and release the file or stream. */
  close(): void;
}

/** A part already in memory, hashed for the provider's per-part check. */
export function memoryPart(bytes: Buffer): OutgoingPart {
  return { body: bytes, size: bytes.length, md5: hexDigest("md5", bytes) };
}
