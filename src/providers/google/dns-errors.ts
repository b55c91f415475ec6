/**
 * Google API error answers, as Cloud DNS sends them:
 * `{"error": {"code": 404, "message": "...", "errors": [{"domain", "reason", "message"}], "status": "NOT_FOUND"}}`.
 * The `reason` of the first error is the most precise signal (Cloud DNS answers a bare 400 for several
 * kinds of fault), then the canonical `status`; the HTTP status is the last resort (the transport's own).
 */
import type { ErrorKind } from "../../core/errors.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import type { ParsedProviderError } from "../../core/transport/types.js";

/** Reasons from the Google JSON API error catalogue that Cloud DNS uses. */
const BY_REASON: Readonly<Record<string, ErrorKind>> = {
  notFound: "NotFound",
  alreadyExists: "AlreadyExists",
  duplicate: "AlreadyExists",
  rateLimitExceeded: "RateLimit",
  userRateLimitExceeded: "RateLimit",
  quotaExceeded: "RateLimit",
  forbidden: "Permission",
  insufficientPermissions: "Permission",
  accessNotConfigured: "Permission",
  invalid: "InvalidInput",
  required: "InvalidInput",
  badRequest: "InvalidInput",
  invalidParameter: "InvalidInput",
  // Deleting a zone that still holds records: the request was fine, the zone's state is not.
  containerNotEmpty: "Conflict",
  conditionNotMet: "Conflict",
  authError: "Auth",
  unauthorized: "Auth",
};

/** google.rpc.Code names, for answers whose errors[] is empty. */
const BY_STATUS: Readonly<Record<string, ErrorKind>> = {
  NOT_FOUND: "NotFound",
  ALREADY_EXISTS: "AlreadyExists",
  RESOURCE_EXHAUSTED: "RateLimit",
  PERMISSION_DENIED: "Permission",
  INVALID_ARGUMENT: "InvalidInput",
  FAILED_PRECONDITION: "Conflict",
  UNAUTHENTICATED: "Auth",
};

interface GoogleErrorBody {
  error?: {
    code?: unknown;
    message?: unknown;
    status?: unknown;
    errors?: { reason?: unknown; message?: unknown }[];
  };
}

export const parseGoogleDnsError: ErrorParser = ({ status, body }) => {
  let doc: GoogleErrorBody;
  try {
    doc = JSON.parse(body.toString("utf8")) as GoogleErrorBody;
  } catch {
    return undefined;
  }
  const e = doc?.error;
  if (typeof e !== "object" || e === null) return undefined;
  const first = Array.isArray(e.errors) ? e.errors[0] : undefined;
  const reason = typeof first?.reason === "string" ? first.reason : undefined;
  const canonical = typeof e.status === "string" ? e.status : undefined;
  const out: ParsedProviderError = {};
  const message =
    typeof e.message === "string" ? e.message : typeof first?.message === "string" ? first.message : "";
  if (message) out.message = message;
  const code = reason ?? canonical;
  if (code) out.code = code;
  // A 401 is always a refused token, whatever reason Google words it with; 5xx keep their retryable class.
  const kind =
    status === 401
      ? "Auth"
      : status >= 500
        ? undefined
        : ((reason ? BY_REASON[reason] : undefined) ?? (canonical ? BY_STATUS[canonical] : undefined));
  if (kind) out.kind = kind;
  return out.message || out.code ? out : undefined;
};
