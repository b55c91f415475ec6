/**
 * How the s3 driver speaks HTTP: one Transport (pooling, retry, rate limit, logging) with the SigV4
 * signer as its authorize hook and S3's error parser, request URLs from s3Address, and the headers S3
 * uses for object metadata, encryption and storage class in both directions.
 */
import { InvalidInputError } from "../../core/errors.js";
import { headerValue } from "../../core/transport/response-error.js";
import { Transport } from "../../core/transport/transport.js";
import type {
  HttpMethod,
  HttpResponse,
  QueryValue,
  RequestBody,
  ResponseHeaders,
} from "../../core/transport/types.js";
import type { ObjectInfo } from "../../storage/types.js";
import { awsEndpoint } from "./endpoints.js";
import { type S3AddressOptions, s3Address } from "./s3-addressing.js";
import { parseS3Error } from "./s3-errors.js";
import type { S3TransportOptions, S3WriteExtras } from "./s3-options.js";
import type { SigV4Signer } from "./signer.js";
import { UNSIGNED_PAYLOAD } from "./sigv4.js";

/** The S3 API operations the driver uses, as named in S3's API model. */
export type S3Operation =
  | "ListBuckets"
  | "CreateBucket"
  | "HeadBucket"
  | "DeleteBucket"
  | "ListObjectsV2"
  | "PutObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject"
  | "DeleteObjects"
  | "CopyObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "UploadPartCopy"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListMultipartUploads"
  | "PutBucketPolicy";

export interface S3Request {
  method: HttpMethod;
  /** Undefined for the service (ListBuckets). */
  bucket?: string;
  key?: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  body?: RequestBody;
  contentLength?: number;
  signal?: AbortSignal | undefined;
  idempotent?: boolean;
  okStatuses?: readonly number[];
}

const REQUEST_ID_HEADERS = ["x-amz-request-id", "x-amz-id-2"];

/** The connection to one S3 endpoint, shared by the driver and its multipart half. */
export class S3Http {
  readonly transport: Transport;

  constructor(
    readonly provider: string,
    readonly address: S3AddressOptions,
    readonly signer: SigV4Signer,
    readonly signPayload: boolean,
    transport: S3TransportOptions | undefined,
  ) {
    this.transport = new Transport({
      ...transport,
      provider,
      parseError: parseS3Error,
      requestIdHeaders: REQUEST_ID_HEADERS,
      authorize: signer.authorize,
    });
  }

  /** The URL of a bucket or object, or of the service itself (ListBuckets) when `bucket` is undefined. */
  url(bucket: string | undefined, key?: string): URL {
    if (bucket !== undefined) return s3Address(this.address, bucket, key).url;
    const a = this.address;
    const base = new URL(
      a.endpoint ?? awsEndpoint("s3", a.region, { dualstack: a.dualstack, fips: a.fips }).url,
    );
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    return base;
  }

  private prepare(operation: S3Operation, r: S3Request) {
    const headers: Record<string, string> = { ...r.headers };
    // Whole bodies carry Content-MD5 (signed, verified by S3): no need to hash them again for SigV4.
    if (r.body !== undefined && !this.signPayload && headers["x-amz-content-sha256"] === undefined) {
      headers["x-amz-content-sha256"] = UNSIGNED_PAYLOAD;
    }
    return {
      method: r.method,
      url: this.url(r.bucket, r.key),
      operation: `s3:${operation}`,
      headers,
      ...(r.query ? { query: r.query } : {}),
      ...(r.body !== undefined ? { body: r.body } : {}),
      ...(r.contentLength !== undefined ? { contentLength: r.contentLength } : {}),
      ...(r.signal ? { signal: r.signal } : {}),
      ...(r.idempotent !== undefined ? { idempotent: r.idempotent } : {}),
      ...(r.okStatuses ? { okStatuses: r.okStatuses } : {}),
    };
  }

  send(operation: S3Operation, r: S3Request): Promise<HttpResponse<Buffer>> {
    return this.transport.send(this.prepare(operation, r));
  }

  stream(operation: S3Operation, r: S3Request): ReturnType<Transport["stream"]> {
    return this.transport.stream(this.prepare(operation, r));
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** Hex MD5 as S3's Content-MD5 wants it: base64 of the 16 bytes. */
export function contentMd5(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Metadata values travel in headers, which carry ASCII only: anything else is sent as an RFC 2047
 * encoded word ("=?UTF-8?B?…?=", as S3 itself returns non-ASCII values) and decoded on the way back.
 */
export function encodeMetaValue(value: string): string {
  if (PRINTABLE_ASCII.test(value) && !value.startsWith("=?")) return value;
  return `=?UTF-8?B?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

export function decodeMetaValue(value: string): string {
  const m = /^=\?UTF-8\?([BQ])\?(.*)\?=$/i.exec(value);
  if (!m) return value;
  const [, mode, text = ""] = m;
  if (mode?.toUpperCase() === "B") return Buffer.from(text, "base64").toString("utf8");
  const bytes = text
    .replace(/_/g, " ")
    .replace(/=([0-9A-F]{2})/gi, (_w, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** The headers of a write (PutObject, CreateMultipartUpload, CopyObject with REPLACE). */
export function writeHeaders(
  fields: {
    contentType?: string | undefined;
    cacheControl?: string | undefined;
    contentDisposition?: string | undefined;
    metadata?: Record<string, string> | undefined;
  },
  extras: S3WriteExtras,
): Record<string, string> {
  const h: Record<string, string> = {};
  if (fields.contentType) h["content-type"] = fields.contentType;
  if (fields.cacheControl) h["cache-control"] = fields.cacheControl;
  if (fields.contentDisposition) h["content-disposition"] = fields.contentDisposition;
  for (const [key, value] of Object.entries(fields.metadata ?? {}))
    h[`x-amz-meta-${key}`] = encodeMetaValue(value);
  Object.assign(h, extrasHeaders(extras));
  return h;
}

export function extrasHeaders(extras: S3WriteExtras): Record<string, string> {
  const h: Record<string, string> = {};
  const e = extras.encryption;
  if (e) {
    if (e.type !== "AES256" && e.type !== "aws:kms" && e.type !== "aws:kms:dsse") {
      throw new InvalidInputError(`Unknown S3 encryption type "${(e as { type: string }).type}"`, {
        hint: 'Use "AES256", "aws:kms" or "aws:kms:dsse"',
      });
    }
    h["x-amz-server-side-encryption"] = e.type;
    if (e.type !== "AES256") {
      if (e.keyId) h["x-amz-server-side-encryption-aws-kms-key-id"] = e.keyId;
      if (e.context) {
        h["x-amz-server-side-encryption-context"] = Buffer.from(JSON.stringify(e.context)).toString("base64");
      }
      if (e.bucketKey !== undefined)
        h["x-amz-server-side-encryption-bucket-key-enabled"] = String(e.bucketKey);
    }
  }
  if (extras.storageClass) h["x-amz-storage-class"] = extras.storageClass;
  if (extras.acl) h["x-amz-acl"] = extras.acl;
  if (extras.tags && Object.keys(extras.tags).length > 0) {
    h["x-amz-tagging"] = new URLSearchParams(extras.tags).toString();
  }
  return h;
}

/** The ETag without its quotes. */
export function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, "").replace(/^"|"$/g, "");
}

/** True when the object's ETag cannot be its MD5: KMS or customer-key encryption change it. */
export function encryptedEtag(headers: ResponseHeaders): boolean {
  const sse = headerValue(headers, "x-amz-server-side-encryption");
  return (
    sse?.startsWith("aws:kms") ||
    headerValue(headers, "x-amz-server-side-encryption-customer-algorithm") !== undefined
  );
}

const MD5_HEX = /^[0-9a-f]{32}$/;

/** ObjectInfo from a GetObject or HeadObject answer. */
export function objectInfoFrom(
  container: string,
  name: string,
  headers: ResponseHeaders,
  etagIsMd5: boolean,
): ObjectInfo {
  const range = headerValue(headers, "content-range");
  const total = range ? /\/(\d+)$/.exec(range)?.[1] : undefined;
  const size = Number(total ?? headerValue(headers, "content-length") ?? 0);
  const etag = unquote(headerValue(headers, "etag"));
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (!key.startsWith("x-amz-meta-") || value === undefined) continue;
    metadata[key.slice("x-amz-meta-".length)] = decodeMetaValue(
      Array.isArray(value) ? value.join(",") : value,
    );
  }
  const modified = headerValue(headers, "last-modified");
  const info: ObjectInfo = { container, name, size, metadata, checksums: {} };
  if (etag) info.etag = etag;
  if (etag && etagIsMd5 && MD5_HEX.test(etag) && !encryptedEtag(headers)) info.checksums.md5 = etag;
  if (modified) info.lastModified = new Date(modified);
  const contentType = headerValue(headers, "content-type");
  if (contentType) info.contentType = contentType;
  const cacheControl = headerValue(headers, "cache-control");
  if (cacheControl) info.cacheControl = cacheControl;
  const disposition = headerValue(headers, "content-disposition");
  if (disposition) info.contentDisposition = disposition;
  return info;
}
