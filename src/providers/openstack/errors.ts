/**
 * Keystone's error document: `{"error": {"code": 404, "title": "Not Found", "message": "Could not find
 * project: x."}}`. `code` only repeats the HTTP status, so the title is the closest thing to an error code.
 */

import type { ErrorParser } from "../../core/transport/response-error.js";

export const keystoneErrorParser: ErrorParser = ({ status, body }) => {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const error = (doc as Record<string, unknown>).error;
  if (typeof error !== "object" || error === null) return undefined;
  const o = error as Record<string, unknown>;
  const title = typeof o.title === "string" && o.title !== "" ? o.title : undefined;
  // A 400 from schema validation appends the whole JSON schema after a blank line: keep the first line.
  const message =
    typeof o.message === "string" && o.message.trim() !== "" ? o.message.trim().split(/\r?\n/)[0] : undefined;
  return {
    code: title,
    message: message ?? title,
    // Keystone answers a duplicate name or id with 409 Conflict; the status alone would map to Provider.
    kind: status === 409 ? "AlreadyExists" : undefined,
  };
};
