/**
 * S3's error document (`<Error><Code>NoSuchKey</Code><Message>…</Message><RequestId>…</RequestId></Error>`)
 * read into typed errors. The code decides the class where the HTTP status alone would mislead: a 409 may
 * be "already exists" or "not empty", a 400 may be an auth or an integrity failure.
 */
import { type ErrorKind, errorClasses, type OmnicloudError, RateLimitError } from "../../core/errors.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import type { ParsedProviderError, ResponseHeaders } from "../../core/transport/types.js";

const KINDS: Readonly<Record<string, ErrorKind>> = {
  NoSuchKey: "NotFound",
  NoSuchBucket: "NotFound",
  NoSuchUpload: "NotFound",
  NoSuchVersion: "NotFound",
  NotFound: "NotFound",
  BucketAlreadyOwnedByYou: "AlreadyExists",
  BucketAlreadyExists: "AlreadyExists",
  SlowDown: "RateLimit",
  Throttling: "RateLimit",
  ThrottlingException: "RateLimit",
  RequestLimitExceeded: "RateLimit",
  TooManyRequests: "RateLimit",
  AccessDenied: "Permission",
  AllAccessDisabled: "Permission",
  AccountProblem: "Permission",
  InvalidObjectState: "Permission",
  SignatureDoesNotMatch: "Auth",
  InvalidAccessKeyId: "Auth",
  ExpiredToken: "Auth",
  InvalidToken: "Auth",
  TokenRefreshRequired: "Auth",
  MissingSecurityHeader: "Auth",
  RequestTimeTooSkewed: "Auth",
  BadDigest: "Integrity",
  InvalidDigest: "Integrity",
  XAmzContentSHA256Mismatch: "Integrity",
  IncompleteBody: "Integrity",
  RequestTimeout: "Timeout",
  InvalidBucketName: "InvalidInput",
  InvalidArgument: "InvalidInput",
  InvalidRange: "InvalidInput",
  InvalidPart: "InvalidInput",
  InvalidPartOrder: "InvalidInput",
  EntityTooSmall: "InvalidInput",
  EntityTooLarge: "InvalidInput",
  KeyTooLongError: "InvalidInput",
  MalformedXML: "InvalidInput",
  MetadataTooLarge: "InvalidInput",
  InvalidStorageClass: "InvalidInput",
  InvalidLocationConstraint: "InvalidInput",
  IllegalLocationConstraintException: "InvalidInput",
  TooManyBuckets: "InvalidInput",
  MissingContentLength: "InvalidInput",
  // Not-empty is the provider refusing a valid request; the driver words it with what to do.
  BucketNotEmpty: "Provider",
};

function tag(text: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text);
  return m?.[1] === undefined ? undefined : decodeXmlText(m[1]).trim() || undefined;
}

function decodeXmlText(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (whole, name: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    if (named[name] !== undefined) return named[name];
    const code = name.startsWith("#x")
      ? Number.parseInt(name.slice(2), 16)
      : Number.parseInt(name.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function header(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The fields of an S3 `<Error>` document (a bare regex read: error bodies are small and flat). */
export function readS3ErrorBody(text: string): {
  code?: string;
  message?: string;
  requestId?: string;
  region?: string;
  endpoint?: string;
} {
  return {
    code: tag(text, "Code"),
    message: tag(text, "Message"),
    requestId: tag(text, "RequestId"),
    region: tag(text, "Region"),
    endpoint: tag(text, "Endpoint"),
  };
}

export const parseS3Error: ErrorParser = ({ status, headers, body }) => {
  const text = body.toString("utf8", 0, Math.min(body.length, 64 * 1024));
  const fields = text.includes("<Error") ? readS3ErrorBody(text) : {};
  // HEAD answers carry no body: the status and headers are all there is.
  const code = fields.code ?? (status === 404 && !text ? "NotFound" : undefined);
  let message = fields.message;
  const region = header(headers, "x-amz-bucket-region") ?? fields.region;
  if ((status === 301 || code === "AuthorizationHeaderMalformed" || code === "PermanentRedirect") && region) {
    message = `${message ?? "Wrong region"}: the bucket is in region ${region}; open the store with region "${region}"`;
  } else if (status === 301 && fields.endpoint) {
    message = `${message ?? "Wrong endpoint"}: use endpoint ${fields.endpoint}`;
  }
  const parsed: ParsedProviderError = {};
  if (code !== undefined) parsed.code = code;
  if (message !== undefined) parsed.message = message;
  if (fields.requestId !== undefined) parsed.requestId = fields.requestId;
  const kind = code === undefined ? undefined : KINDS[code];
  if (kind !== undefined) parsed.kind = kind;
  return parsed;
};

/** A typed error from the fields of an S3 `<Error>` (a 200 answer's body, a DeleteObjects entry). */
export function errorFromS3Fields(
  fields: { code?: string | undefined; message?: string | undefined; requestId?: string | undefined },
  context: {
    provider: string;
    request: string;
    requestId: string | undefined;
    what: string;
    excerpt?: string;
  },
): OmnicloudError {
  const kind = (fields.code && KINDS[fields.code]) || "Provider";
  const options = {
    provider: context.provider,
    status: 200,
    code: fields.code,
    requestId: fields.requestId ?? context.requestId,
    request: context.request,
    ...(context.excerpt ? { bodyExcerpt: context.excerpt } : {}),
  };
  const message = `${context.what}: ${fields.message ?? fields.code ?? "unknown error"}`;
  if (kind === "RateLimit") return new RateLimitError(message, options);
  return new errorClasses[kind](message, options);
}

/**
 * A typed error for an `<Error>` document that came with a 200 (CompleteMultipartUpload and CopyObject
 * report late failures that way, after the status line was sent).
 */
export function errorFromS3Body(
  text: string,
  context: { provider: string; request: string; requestId: string | undefined },
): OmnicloudError {
  return errorFromS3Fields(readS3ErrorBody(text), {
    ...context,
    what: `${context.request} failed after the answer began`,
    excerpt: text.slice(0, 400),
  });
}
