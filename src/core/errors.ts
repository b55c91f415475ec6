/**
 * The one error hierarchy. Every failure omnicloud raises is an `OmnicloudError`, so callers can branch on
 * the class (`instanceof NotFoundError`) or on the stable `code`-like `kind`, and always find the provider's
 * own status, code, message and request id when a provider answered.
 */

/** What is known about the provider's answer when an error came from one. */
export interface ProviderDetails {
  /** Provider id, e.g. "s3" or "digitalocean". */
  provider?: string;
  /** HTTP status, when the error came from an HTTP answer. */
  status?: number;
  /** The provider's own error code, e.g. "NoSuchKey". */
  code?: string;
  /** The provider's request id, to quote to its support. */
  requestId?: string;
  /** A short, redacted excerpt of the response body. */
  bodyExcerpt?: string;
  /** The request that failed, as "METHOD url" with secrets redacted. */
  request?: string;
}

export interface OmnicloudErrorOptions extends ProviderDetails {
  cause?: unknown;
  /** What the user can do about it. Appended to the message. */
  hint?: string;
}

/** Stable names for each error class, for switch statements, exit codes and JSON output. */
export type ErrorKind =
  | "NotFound"
  | "AlreadyExists"
  | "Auth"
  | "Permission"
  | "RateLimit"
  | "InvalidInput"
  | "Timeout"
  | "Network"
  | "Integrity"
  | "Aborted"
  | "Conflict"
  | "Unsupported"
  | "Provider"
  | "Internal";

export class OmnicloudError extends Error {
  readonly kind: ErrorKind = "Internal";
  readonly provider?: string;
  readonly status?: number;
  readonly code?: string;
  readonly requestId?: string;
  readonly bodyExcerpt?: string;
  readonly request?: string;
  readonly hint?: string;

  constructor(message: string, options: OmnicloudErrorOptions = {}) {
    super(
      composeMessage(message, options),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    if (options.provider !== undefined) this.provider = options.provider;
    if (options.status !== undefined) this.status = options.status;
    if (options.code !== undefined) this.code = options.code;
    if (options.requestId !== undefined) this.requestId = options.requestId;
    if (options.bodyExcerpt !== undefined) this.bodyExcerpt = options.bodyExcerpt;
    if (options.request !== undefined) this.request = options.request;
    if (options.hint !== undefined) this.hint = options.hint;
  }

  /** Append a sentence to the message, e.g. why a retry was not made. Returns the same error. */
  explain(sentence: string): this {
    this.message = `${this.message.replace(/\.?$/, ".")} ${sentence}`;
    return this;
  }

  /** A plain object for `--json` output and structured logs; never holds secrets. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, kind: this.kind, message: this.message };
    for (const key of ["provider", "status", "code", "requestId", "request", "hint"] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    return out;
  }
}

function composeMessage(message: string, o: OmnicloudErrorOptions): string {
  const facts: string[] = [];
  if (o.status !== undefined) facts.push(`status ${o.status}`);
  if (o.code !== undefined) facts.push(`code ${o.code}`);
  if (o.requestId !== undefined) facts.push(`request id ${o.requestId}`);
  let text = message;
  if (facts.length > 0) text += ` (${facts.join(", ")})`;
  if (o.hint !== undefined && o.hint !== "") text += `. ${o.hint}`;
  return text;
}

/** The thing asked for does not exist (HTTP 404 and provider equivalents). */
export class NotFoundError extends OmnicloudError {
  override readonly kind = "NotFound";
}

/** The thing to be created exists already (names are taken, tokens reused with other parameters). */
export class AlreadyExistsError extends OmnicloudError {
  override readonly kind = "AlreadyExists";
}

/** The credentials are missing, malformed, expired or rejected (HTTP 401). */
export class AuthError extends OmnicloudError {
  override readonly kind = "Auth";
}

/** The credentials are valid but may not do this (HTTP 403). */
export class PermissionError extends OmnicloudError {
  override readonly kind = "Permission";
}

export interface RateLimitErrorOptions extends OmnicloudErrorOptions {
  /** Seconds the provider asked us to wait, when it said. */
  retryAfter?: number;
}

/** The provider throttled us (HTTP 429 or a throttling code) and the retry budget is spent. */
export class RateLimitError extends OmnicloudError {
  override readonly kind = "RateLimit";
  readonly retryAfter?: number;
  constructor(message: string, options: RateLimitErrorOptions = {}) {
    super(message, options);
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }
}

/** The input is wrong: caught before any request where the rule is knowable, or rejected by the provider. */
export class InvalidInputError extends OmnicloudError {
  override readonly kind = "InvalidInput";
}

/** A connect, header, body, overall or waiter deadline passed. */
export class TimeoutError extends OmnicloudError {
  override readonly kind = "Timeout";
}

/** The connection failed: refused, reset, closed early, DNS, TLS. */
export class NetworkError extends OmnicloudError {
  override readonly kind = "Network";
}

/** Data did not arrive whole: checksum or length mismatch. */
export class IntegrityError extends OmnicloudError {
  override readonly kind = "Integrity";
}

/** The caller's AbortSignal fired. `cause` is the signal's reason. */
export class AbortedError extends OmnicloudError {
  override readonly kind = "Aborted";
}

/**
 * The request clashes with the resource's current state: a non-empty container, a node that must be stopped
 * first, a precondition that no longer holds (HTTP 409 or 412 unless the provider says it is a duplicate).
 */
export class ConflictError extends OmnicloudError {
  override readonly kind = "Conflict";
}

/** The provider cannot do this at all; raised before any request where a driver declares it missing. */
export class UnsupportedError extends OmnicloudError {
  override readonly kind = "Unsupported";
}

/** Any other provider failure, with everything the provider told us. */
export class ProviderError extends OmnicloudError {
  override readonly kind = "Provider";
}

/** Concrete error classes by kind, for code that maps provider answers to classes. */
export const errorClasses = {
  NotFound: NotFoundError,
  AlreadyExists: AlreadyExistsError,
  Auth: AuthError,
  Permission: PermissionError,
  RateLimit: RateLimitError,
  InvalidInput: InvalidInputError,
  Timeout: TimeoutError,
  Network: NetworkError,
  Integrity: IntegrityError,
  Aborted: AbortedError,
  Conflict: ConflictError,
  Unsupported: UnsupportedError,
  Provider: ProviderError,
  Internal: OmnicloudError,
} as const satisfies Record<ErrorKind, typeof OmnicloudError>;

/** The error class a bare HTTP status maps to when the provider gave no better signal. */
export function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 400:
    case 422:
      return "InvalidInput";
    case 401:
      return "Auth";
    case 403:
      return "Permission";
    case 404:
    case 410:
      return "NotFound";
    case 408:
      return "Timeout";
    case 409:
    case 412:
      return "Conflict";
    case 429:
      return "RateLimit";
    default:
      return "Provider";
  }
}

export function isOmnicloudError(value: unknown): value is OmnicloudError {
  return value instanceof OmnicloudError;
}
