import { STATUS_CODES } from "node:http";
import {
  type ErrorKind,
  errorClasses,
  kindForStatus,
  type OmnicloudError,
  RateLimitError,
} from "../errors.js";
import { parseRetryAfter } from "../layers/retry-after.js";
import { redactText } from "../redact.js";
import type { ParsedProviderError, ResponseHeaders } from "./types.js";

/** Reads a provider's error body; drivers supply one for their format, the default guesses JSON or XML. */
export type ErrorParser = (response: {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
}) => ParsedProviderError | undefined;

export const DEFAULT_REQUEST_ID_HEADERS: readonly string[] = [
  "x-amz-request-id",
  "x-amzn-requestid",
  "x-ms-request-id",
  "x-openstack-request-id",
  "x-compute-request-id",
  "x-trans-id",
  "x-request-id",
  "x-goog-request-id",
  "cf-ray",
  "x-b3-traceid",
];

const EXCERPT_CHARS = 400;

const HINTS: Partial<Record<ErrorKind, string>> = {
  NotFound: "Check the name, and that it exists in this account and region",
  AlreadyExists: "Pick another name, or use the existing one",
  Auth: "Check the credentials: they are missing, expired or rejected",
  Permission: "The credentials were accepted but may not do this; check their policy or role",
  RateLimit: "The provider is throttling; slow down or ask for a higher quota",
  InvalidInput: "The provider rejected the request's input; see its message",
  Timeout: "The provider timed out; try again later",
  Provider:
    "The provider failed to serve the request; try again later or quote the request id to its support",
};

export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function requestIdFrom(headers: ResponseHeaders, names: readonly string[]): string | undefined {
  for (const name of names) {
    const v = headerValue(headers, name);
    if (v) return v;
  }
  return undefined;
}

/** Best effort for providers without a parser: common JSON shapes and the S3-style XML error. */
export const defaultErrorParser: ErrorParser = ({ body, headers }) => {
  const text = body.toString("utf8", 0, Math.min(body.length, 64 * 1024)).trim();
  if (!text) return undefined;
  const type = headerValue(headers, "content-type") ?? "";
  if (text.startsWith("<") || type.includes("xml")) {
    const tag = (name: string): string | undefined =>
      new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1]?.trim() || undefined;
    return { code: tag("Code"), message: tag("Message"), requestId: tag("RequestId") ?? tag("RequestID") };
  }
  if (text.startsWith("{") || type.includes("json")) {
    try {
      return fromJson(JSON.parse(text) as unknown);
    } catch {
      return undefined;
    }
  }
  return { message: text.split("\n")[0]?.slice(0, 200) };
};

function fromJson(doc: unknown): ParsedProviderError | undefined {
  if (typeof doc !== "object" || doc === null) return undefined;
  const o = doc as Record<string, unknown>;
  const str = (v: unknown): string | undefined =>
    typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
  const nested =
    typeof o.error === "object" && o.error !== null ? (o.error as Record<string, unknown>) : undefined;
  const firstOf = Array.isArray(o.errors) ? (o.errors[0] as Record<string, unknown> | undefined) : undefined;
  return {
    code: str(nested?.code) ?? str(o.code) ?? str(o.id) ?? str(firstOf?.code) ?? str(nested?.status),
    message:
      str(nested?.message) ??
      str(o.message) ??
      str(o.error_description) ??
      str(o.error) ??
      str(firstOf?.reason) ??
      str(firstOf?.message) ??
      str(o.detail),
    requestId: str(o.request_id) ?? str(o.requestId),
  };
}

export interface FailedExchange {
  provider: string;
  /** "METHOD url", already redacted. */
  request: string;
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
  attempts: number;
}

/** The typed error for a non-OK answer, carrying everything the provider said, with secrets removed. */
export function errorFromResponse(
  exchange: FailedExchange,
  parse: ErrorParser,
  requestIdHeaders: readonly string[],
): OmnicloudError {
  let parsed: ParsedProviderError | undefined;
  try {
    parsed = parse(exchange) ?? defaultErrorParser(exchange);
  } catch {
    parsed = defaultErrorParser(exchange);
  }
  const kind = parsed?.kind ?? kindForStatus(exchange.status);
  const reason = parsed?.message ?? STATUS_CODES[exchange.status] ?? "unexpected status";
  const attempts = exchange.attempts > 1 ? ` after ${exchange.attempts} attempts` : "";
  const message = redactText(`${exchange.request} failed${attempts}: ${reason}`);
  const excerpt = redactText(
    exchange.body.toString("utf8", 0, Math.min(exchange.body.length, EXCERPT_CHARS * 4)),
  )
    .slice(0, EXCERPT_CHARS)
    .trim();
  const options = {
    provider: exchange.provider,
    status: exchange.status,
    code: parsed?.code,
    requestId: parsed?.requestId ?? requestIdFrom(exchange.headers, requestIdHeaders),
    bodyExcerpt: excerpt || undefined,
    request: exchange.request,
    hint: HINTS[kind],
  };
  if (kind === "RateLimit") {
    return new RateLimitError(message, {
      ...options,
      retryAfter: parsed?.retryAfter ?? parseRetryAfter(exchange.headers),
    });
  }
  return new errorClasses[kind](message, options);
}
