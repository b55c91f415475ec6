/**
 * The error bodies of Nova, Cinder and Glance read into typed errors.
 *
 * Nova and Cinder wrap the error in one key naming its kind: `{"itemNotFound": {"message": "…", "code":
 * 404}}`, `{"conflictingRequest": …}`, `{"overLimit": …}`. Glance answers with a short text page ("404 Not
 * Found\n\nNo image found with ID x\n\n") or, behind some proxies, JSON. Keystone's own shape is read too,
 * since a 401 from a service may come from its auth middleware.
 */
import type { ErrorKind } from "../../core/errors.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import type { ParsedProviderError } from "../../core/transport/types.js";

const KINDS: Readonly<Record<string, ErrorKind>> = {
  itemNotFound: "NotFound",
  badRequest: "InvalidInput",
  forbidden: "Permission",
  unauthorized: "Auth",
  // Nova's 409: the server's state forbids the action ("Cannot 'reboot' instance while it is in vm_state
  // stopped"); the request is wrong for now. Names already taken are told apart below.
  conflictingRequest: "InvalidInput",
  badMethod: "InvalidInput",
  notImplemented: "InvalidInput",
  serviceUnavailable: "Provider",
  computeFault: "Provider",
};

const TAKEN = /already exists|already in use|duplicate/i;
const THROTTLED = /rate limit|too many requests/i;

function fromJson(status: number, doc: unknown): ParsedProviderError | undefined {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return undefined;
  const entries = Object.entries(doc as Record<string, unknown>);
  const [first] = entries;
  if (!first) return undefined;
  const [key, value] = first;
  const inner = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  // Keystone and some proxies: {"error": {"message", "code", "title"}}; others {"message": "…"}.
  const message =
    typeof inner?.message === "string"
      ? inner.message
      : typeof (doc as Record<string, unknown>).message === "string"
        ? ((doc as Record<string, unknown>).message as string)
        : undefined;
  const code = key === "error" ? (typeof inner?.title === "string" ? inner.title : undefined) : key;
  const parsed: ParsedProviderError = {};
  if (code !== undefined) parsed.code = code;
  if (message !== undefined) parsed.message = message.trim();
  const kind = kindOf(status, code, message);
  if (kind !== undefined) parsed.kind = kind;
  return parsed;
}

function kindOf(
  status: number,
  code: string | undefined,
  message: string | undefined,
): ErrorKind | undefined {
  if ((status === 409 || code === "conflictingRequest") && message && TAKEN.test(message))
    return "AlreadyExists";
  if (code === "overLimit" || status === 413) {
    // overLimit is both throttling and an exhausted quota; only the first is worth waiting for.
    return message && THROTTLED.test(message) ? "RateLimit" : "Provider";
  }
  return code === undefined ? undefined : KINDS[code];
}

/** Glance's text pages: the status line, a blank line, the explanation. */
function fromText(status: number, text: string): ParsedProviderError | undefined {
  const lines = text
    .replace(/<[^>]+>/g, "\n")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (lines.length === 0) return undefined;
  const [head, ...rest] = lines;
  const message = rest.find((l) => !/^\d{3}\b/.test(l)) ?? head!;
  const parsed: ParsedProviderError = { message };
  const kind = kindOf(status, undefined, message);
  if (kind !== undefined) parsed.kind = kind;
  return parsed;
}

export const parseOpenStackServiceError: ErrorParser = ({ status, body }) => {
  const text = body.toString("utf8", 0, Math.min(body.length, 64 * 1024)).trim();
  if (text === "") return undefined;
  if (text.startsWith("{")) {
    try {
      return fromJson(status, JSON.parse(text));
    } catch {
      // Not JSON after all: read it as text.
    }
  }
  return fromText(status, text);
};
