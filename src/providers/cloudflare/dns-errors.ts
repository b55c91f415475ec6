/**
 * Cloudflare's error answers: `{"success": false, "errors": [{"code": 1001, "message": "...",
 * "error_chain": [...]}]}`. Every message, chain included, goes into the error, since the outer one is often
 * generic ("DNS Validation Error") and the chain says what was wrong.
 */
import type { ErrorKind } from "../../core/errors.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import type { ParsedProviderError } from "../../core/transport/types.js";

/** Codes whose class the HTTP status (often a bare 400) would get wrong. */
const KINDS: Readonly<Record<number, ErrorKind>> = {
  1001: "NotFound", // invalid zone identifier
  1002: "NotFound", // invalid dns record identifier
  7003: "NotFound", // could not route: the zone id is not one of this account's
  1061: "AlreadyExists", // the zone exists already
  81053: "AlreadyExists", // a record with that host already exists
  81057: "AlreadyExists", // the record already exists
  81058: "AlreadyExists", // an identical record already exists
  9109: "Auth", // invalid access token
  10000: "Auth", // authentication error
  6003: "Auth", // invalid request headers (a malformed token)
  9103: "Auth", // unknown X-Auth-Key or X-Auth-Email
};

interface CfError {
  code?: unknown;
  message?: unknown;
  error_chain?: unknown;
}

function messages(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e: CfError) => [
    ...(typeof e.message === "string" ? [e.message] : []),
    ...messages(e.error_chain),
  ]);
}

export const parseCloudflareError: ErrorParser = ({ body }) => {
  let doc: { errors?: unknown };
  try {
    doc = JSON.parse(body.toString("utf8")) as { errors?: unknown };
  } catch {
    return undefined;
  }
  const first = Array.isArray(doc.errors) ? (doc.errors[0] as CfError | undefined) : undefined;
  const out: ParsedProviderError = {};
  const said = messages(doc.errors);
  if (said.length > 0) out.message = said.join(": ");
  if (typeof first?.code === "number") {
    out.code = String(first.code);
    const kind = KINDS[first.code];
    if (kind) out.kind = kind;
  }
  return said.length > 0 || out.code ? out : undefined;
};
