/**
 * DigitalOcean's error document, `{"id": "not_found", "message": "…", "request_id": "…"}`, read into typed
 * errors. The status mostly decides the class; the body refines what a status alone would get wrong (a
 * 422 saying a name is taken is "already exists", not bad input).
 */
import type { ErrorKind } from "../../core/errors.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import type { ParsedProviderError } from "../../core/transport/types.js";

const KINDS: Readonly<Record<string, ErrorKind>> = {
  not_found: "NotFound",
  unauthorized: "Auth",
  forbidden: "Permission",
  too_many_requests: "RateLimit",
  unprocessable_entity: "InvalidInput",
  bad_request: "InvalidInput",
  conflict: "AlreadyExists",
  server_error: "Provider",
  service_unavailable: "Provider",
};

/** 422 messages that mean "the name (or key) is taken". */
const TAKEN = /\b(already (in use|exists|taken)|has already been taken|is not unique)\b/i;

export const parseDigitalOceanError: ErrorParser = ({ status, body }) => {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return undefined;
  const o = doc as Record<string, unknown>;
  const id = typeof o.id === "string" && o.id !== "" ? o.id : undefined;
  const message = typeof o.message === "string" && o.message !== "" ? o.message : undefined;
  const parsed: ParsedProviderError = {};
  if (id !== undefined) parsed.code = id;
  if (message !== undefined) parsed.message = message;
  if (typeof o.request_id === "string" && o.request_id !== "") parsed.requestId = o.request_id;
  // A blank id (seen on 401s) leaves the status to decide.
  const kind =
    status === 422 && message && TAKEN.test(message) ? "AlreadyExists" : id ? KINDS[id] : undefined;
  if (kind !== undefined) parsed.kind = kind;
  return parsed;
};
