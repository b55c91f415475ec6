import { isOmnicloudError } from "../core/errors.js";
import { redactText } from "../core/redact.js";
import { EXIT_CODES } from "./exit-codes.js";
import { UsageError } from "./usage-error.js";

/**
 * Any failure as ONE line on stderr and a stable exit code: what failed (with the provider's status, code
 * and request id, which the error's message carries), why (its cause, when that adds something), and what
 * to do (the hint). With `--json` the same facts go out as one JSON object, for scripts.
 */
export interface Report {
  code: number;
  line: string;
  json: Record<string, unknown>;
}

/** Whitespace runs (a provider's multi-line message) become single spaces: the report stays one line. */
function oneLine(text: string): string {
  return redactText(text).replace(/\s+/g, " ").trim();
}

function causeText(err: Error): string | undefined {
  const cause = (err as { cause?: unknown }).cause;
  if (cause === undefined || cause === null) return undefined;
  const text =
    cause instanceof Error ? cause.message || cause.name : typeof cause === "string" ? cause : undefined;
  if (!text) return undefined;
  // A cause the message already quotes adds nothing.
  return err.message.includes(text) ? undefined : oneLine(text);
}

export function reportError(err: unknown, interrupted: boolean): Report {
  if (interrupted) {
    return {
      code: EXIT_CODES.Aborted,
      line: "omnicloud: interrupted by Ctrl-C; the operation was aborted (a transfer leaves no partial file and no unfinished upload)",
      json: { error: { kind: "Aborted", message: "Interrupted by Ctrl-C" } },
    };
  }
  if (err instanceof UsageError) {
    const message = oneLine(err.message);
    const hint = err.hint ? `${/[.?!]$/.test(message) ? "" : "."} ${oneLine(err.hint)}` : "";
    const line = `omnicloud: ${message}${hint}`;
    return { code: EXIT_CODES.Usage, line, json: { error: { kind: "Usage", message: line.slice(11) } } };
  }
  const code = (err as { code?: unknown }).code;
  if (err instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
    // node:util parseArgs says e.g. "Unknown option '--bogus'. To specify a positional argument …".
    const message = oneLine(err.message.split(". To specify")[0] ?? err.message);
    // Record data and keys can start with "-" ("v=spf1 -all"): say how to pass them.
    const dashHint =
      code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? '; put "--" before arguments that start with "-"' : "";
    return {
      code: EXIT_CODES.Usage,
      line: `omnicloud: ${message} (see --help)${dashHint}`,
      json: { error: { kind: "Usage", message } },
    };
  }
  if (isOmnicloudError(err)) {
    const cause = causeText(err);
    const line = `omnicloud: ${err.name}: ${oneLine(err.message)}${cause ? ` (cause: ${cause})` : ""}`;
    return {
      code: EXIT_CODES[err.kind],
      line,
      json: { error: { ...err.toJSON(), ...(cause ? { cause } : {}) } },
    };
  }
  if (err instanceof Error && typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    // A system error from the filesystem (ENOENT, EACCES, ...): the user's input, not omnicloud's bug.
    const kind =
      code === "ENOENT" ? "NotFound" : code === "EACCES" || code === "EPERM" ? "Permission" : "InvalidInput";
    return {
      code: EXIT_CODES[kind],
      line: `omnicloud: ${oneLine(err.message)}`,
      json: { error: { kind, message: err.message, code } },
    };
  }
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return {
    code: EXIT_CODES.Internal,
    line: `omnicloud: internal error: ${oneLine(text)} (run with --debug for the stack)`,
    json: { error: { kind: "Internal", message: err instanceof Error ? err.message : String(err) } },
  };
}
