import type { ErrorParser } from "../../core/transport/response-error.js";

/**
 * Reads RFC 6749 §5.2 token-endpoint errors (`{"error": "invalid_grant", "error_description": …}`). Every
 * such code means the credentials were refused, whatever the status (Google answers 400), so all map to
 * Auth — except throttling and server-side failures, which keep their status's class (and stay retryable).
 */
export const oauthErrorParser: ErrorParser = ({ status, body }) => {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const o = doc as Record<string, unknown>;
  const code = typeof o.error === "string" ? o.error : undefined;
  if (code === undefined) return undefined;
  const description = typeof o.error_description === "string" ? o.error_description : undefined;
  return {
    code,
    message: description ? `${code}: ${description}` : code,
    kind: status >= 500 || status === 429 || code === "temporarily_unavailable" ? undefined : "Auth",
  };
};
