/**
 * S3's aws-chunked body with per-chunk signatures (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD).
 * Each chunk is framed as `hex-size;chunk-signature=<sig>\r\n<data>\r\n`, and each signature chains the one
 * before it, starting from the request's own ("seed") signature, so S3 can check every chunk as it arrives
 * without the sender hashing the whole body first. A last zero-length chunk ends the body.
 */
import { Transform, type TransformCallback } from "node:stream";
import { IntegrityError, InvalidInputError } from "../../core/errors.js";
import { EMPTY_SHA256, hmac, sha256Hex } from "./sigv4-key.js";

/** Smallest chunk S3 accepts for every chunk but the last. */
export const MIN_CHUNK_SIZE = 8 * 1024;
/** The chunk size AWS recommends and omnicloud uses by default. */
export const DEFAULT_CHUNK_SIZE = 64 * 1024;

const CHUNK_ALGORITHM = "AWS4-HMAC-SHA256-PAYLOAD";
const SIGNATURE_HEX_LENGTH = 64;
const CRLF = "\r\n";

/** Bytes one chunk takes on the wire: its header line, the data and the closing CRLF. */
function framedLength(dataLength: number): number {
  return (
    dataLength.toString(16).length +
    ";chunk-signature=".length +
    SIGNATURE_HEX_LENGTH +
    CRLF.length +
    dataLength +
    CRLF.length
  );
}

/**
 * The Content-Length of the aws-chunked body for `decodedLength` bytes of data (which goes in
 * x-amz-decoded-content-length): full chunks, a shorter last one if any, and the empty final chunk.
 */
export function encodedContentLength(decodedLength: number, chunkSize = DEFAULT_CHUNK_SIZE): number {
  if (!Number.isSafeInteger(decodedLength) || decodedLength < 0) {
    throw new InvalidInputError(`The body length must be a whole number of bytes; got ${decodedLength}`);
  }
  const full = Math.floor(decodedLength / chunkSize);
  const rest = decodedLength % chunkSize;
  return full * framedLength(chunkSize) + (rest > 0 ? framedLength(rest) : 0) + framedLength(0);
}

export interface ChunkSigningContext {
  /** The derived SigV4 signing key for the request's scope. */
  signingKey: Uint8Array;
  /** The request's x-amz-date. */
  amzDate: string;
  /** "20130524/us-east-1/s3/aws4_request". */
  credentialScope: string;
  /** The request's own signature, which the first chunk chains from. */
  seedSignature: string;
}

/** One chunk's signature, chained from the previous signature. */
export function chunkSignature(
  ctx: Omit<ChunkSigningContext, "seedSignature">,
  previousSignature: string,
  data: Uint8Array,
): string {
  const stringToSign = [
    CHUNK_ALGORITHM,
    ctx.amzDate,
    ctx.credentialScope,
    previousSignature,
    EMPTY_SHA256,
    sha256Hex(data),
  ].join("\n");
  return hmac(ctx.signingKey, stringToSign).toString("hex");
}

export interface ChunkedEncoderOptions {
  chunkSize?: number;
  /** When given, a source that yields a different number of bytes fails the stream instead of S3. */
  decodedLength?: number;
}

/**
 * A Transform from the raw body to the aws-chunked body. It re-cuts whatever the source yields into chunks
 * of exactly `chunkSize` bytes (S3 requires all but the last to be at least 8 KiB), so the wire length
 * always matches `encodedContentLength`.
 */
export class AwsChunkedEncoder extends Transform {
  private previous: string;
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private seen = 0;
  private readonly chunkSize: number;
  private readonly decodedLength: number | undefined;

  constructor(
    private readonly ctx: ChunkSigningContext,
    options: ChunkedEncoderOptions = {},
  ) {
    super();
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < MIN_CHUNK_SIZE) {
      throw new InvalidInputError(`The aws-chunked chunk size must be at least ${MIN_CHUNK_SIZE} bytes`);
    }
    this.decodedLength = options.decodedLength;
    this.previous = ctx.seedSignature;
  }

  override _transform(chunk: Buffer | Uint8Array, _enc: BufferEncoding, callback: TransformCallback): void {
    const data = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.seen += data.length;
    if (this.decodedLength !== undefined && this.seen > this.decodedLength) {
      callback(this.lengthMismatch());
      return;
    }
    this.pending.push(data);
    this.pendingLength += data.length;
    while (this.pendingLength >= this.chunkSize) {
      const joined = Buffer.concat(this.pending, this.pendingLength);
      this.emitChunk(joined.subarray(0, this.chunkSize));
      const rest = joined.subarray(this.chunkSize);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingLength = rest.length;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.decodedLength !== undefined && this.seen !== this.decodedLength) {
      callback(this.lengthMismatch());
      return;
    }
    if (this.pendingLength > 0) this.emitChunk(Buffer.concat(this.pending, this.pendingLength));
    this.pending = [];
    this.emitChunk(Buffer.alloc(0));
    // The final chunk's own CRLF ends the body; S3's example adds no trailer.
    callback();
  }

  private emitChunk(data: Buffer): void {
    const signature = chunkSignature(this.ctx, this.previous, data);
    this.previous = signature;
    this.push(`${data.length.toString(16)};chunk-signature=${signature}${CRLF}`);
    if (data.length > 0) this.push(data);
    this.push(CRLF);
  }

  private lengthMismatch(): IntegrityError {
    const declared = this.decodedLength ?? 0;
    const got = this.seen > declared ? `more than ${declared}` : String(this.seen);
    return new IntegrityError(
      `The upload body yielded ${got} bytes but ${declared} were declared (x-amz-decoded-content-length)`,
    );
  }
}
