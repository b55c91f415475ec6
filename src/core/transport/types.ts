import type { Readable } from "node:stream";
import type { ErrorKind } from "../errors.js";

export type HttpMethod = "GET" | "HEAD" | "PUT" | "POST" | "DELETE" | "PATCH" | "OPTIONS";

/** A request body read from a file on disk; it can be re-opened, so requests with it can be retried. */
export interface FileBody {
  readonly kind: "file";
  readonly path: string;
  /** First byte to send (inclusive). */
  readonly start?: number;
  /** Last byte to send (inclusive), as in `fs.createReadStream`. */
  readonly end?: number;
}

/**
 * What a request can carry. Strings, bytes and files can be sent again on retry; a `Readable` or an
 * `AsyncIterable` is read once, so a request carrying one is never retried.
 */
export type RequestBody = string | Uint8Array | FileBody | Readable | AsyncIterable<Uint8Array>;

export type QueryValue = string | number | boolean | undefined | null | readonly string[];

export interface HttpRequest {
  method: HttpMethod;
  url: string | URL;
  /** Appended to `url`'s query; undefined and null values are left out. */
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  body?: RequestBody;
  /**
   * A value to send as JSON: serialised once (so the request stays replayable) with
   * `content-type: application/json` unless a content-type header is given. Takes the place of `body`.
   */
  json?: unknown;
  /** Length of a stream body when known; sent as Content-Length instead of chunked encoding. */
  contentLength?: number;
  /** Cancels the call, including its retries and backoff waits. */
  signal?: AbortSignal;
  /**
   * Marks a non-idempotent method as safe to retry, e.g. a POST carrying the provider's idempotency token.
   * Setting `false` forbids retries even for GET/PUT/DELETE.
   */
  idempotent?: boolean;
  /** Deadline for the whole call, retries included. */
  timeoutMs?: number;
  /** A name for logs and errors, e.g. "s3:PutObject". */
  operation?: string;
  /** Statuses that are answers, not errors. Default: 200–299. */
  okStatuses?: readonly number[];
}

/** Response headers with lower-case names, as undici gives them. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface HttpResponse<B> {
  status: number;
  headers: ResponseHeaders;
  body: B;
  /** The provider's request id, from the first request-id header present. */
  requestId: string | undefined;
  /** 1 for the first try. */
  attempts: number;
}

/** What the provider's error body said, as a driver's `parseError` reads it. */
export interface ParsedProviderError {
  code?: string;
  message?: string;
  requestId?: string;
  /** Overrides the class chosen from the HTTP status, e.g. "AlreadyExists" for S3's BucketAlreadyOwnedByYou. */
  kind?: ErrorKind;
  /** Seconds to wait, when the body rather than a header says it. */
  retryAfter?: number;
}

/** One attempt as it travels through the layers. Layers may change headers (signing) but not the body. */
export interface Attempt {
  readonly method: HttpMethod;
  readonly url: URL;
  headers: Record<string, string>;
  readonly body: PreparedBody | undefined;
  /** Fires when the caller aborts or the call's deadline passes. */
  readonly signal: AbortSignal;
  /** 1-based. */
  attempt: number;
  readonly idempotent: boolean;
  /** Buffer the body inside the attempt (so a truncated body is retried) or hand back the stream. */
  readonly mode: "buffer" | "stream";
  readonly operation: string | undefined;
}

/** A body ready to send, knowing its length when it can, and whether it can be sent again. */
export interface PreparedBody {
  readonly length: number | undefined;
  readonly replayable: boolean;
  /** A fresh source for one attempt; a one-shot body throws on its second call. */
  open(): string | Uint8Array | Readable;
}

export interface RawResponse {
  status: number;
  headers: ResponseHeaders;
  body: Buffer | Readable;
  /**
   * Set by the retry layer when it hands back a retryable status without retrying, saying why (a one-shot
   * body, a non-idempotent method, a Retry-After past the budget), so the raised error can say it too.
   */
  notRetried?: string;
}

/** One step of the pipeline: send an attempt, get an answer. */
export type Handler = (attempt: Attempt) => Promise<RawResponse>;

/** Cross-cutting behaviour wrapped around the transport: retry, rate limit, logging, signing. */
export type Layer = (next: Handler) => Handler;
