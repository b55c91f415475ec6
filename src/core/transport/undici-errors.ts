import { OmnicloudError as BaseError, NetworkError, type OmnicloudError, TimeoutError } from "../errors.js";

/** Error codes after which nothing reached the server, or the exchange broke: safe to retry if idempotent. */
const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "OMNICLOUD_TRUNCATED",
]);

const TIMEOUT_CODES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: "connecting",
  UND_ERR_HEADERS_TIMEOUT: "waiting for the response headers",
  UND_ERR_BODY_TIMEOUT: "waiting for more of the response body",
};

const TLS_CODE = /^(CERT_|ERR_TLS_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/;

/** The system or undici code of an error or of its causes. */
export function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether a failed exchange may be retried (for idempotent requests) judging by how it failed. */
export function isRetryableNetworkError(err: unknown): boolean {
  if (err instanceof BaseError && err.code && RETRYABLE_CODES.has(err.code)) return true;
  const code = errorCode(err);
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/** Map an undici or socket failure to the typed hierarchy, naming the request. */
export function mapTransportError(err: unknown, request: string, provider: string): OmnicloudError {
  if (err instanceof BaseError) return err;
  const code = errorCode(err) ?? "UNKNOWN";
  const detail = err instanceof Error ? err.message : String(err);
  const timeoutPhase = TIMEOUT_CODES[code];
  if (timeoutPhase) {
    return new TimeoutError(`${request} timed out while ${timeoutPhase}`, {
      cause: err,
      provider,
      code,
      request,
      hint: "The server may be overloaded or unreachable; raise the transport timeouts if it is merely slow",
    });
  }
  if (TLS_CODE.test(code)) {
    return new NetworkError(`${request} failed TLS verification: ${detail}`, {
      cause: err,
      provider,
      code,
      request,
      hint: "Pass the server's CA in the `tls.ca` option; verification is never switched off silently",
    });
  }
  return new NetworkError(`${request} failed: ${detail}`, {
    cause: err,
    provider,
    code,
    request,
    hint:
      code === "ECONNREFUSED"
        ? "Nothing is listening there; check the endpoint and that the service is running"
        : "Check the network and the endpoint",
  });
}
