/**
 * PowerDNS's error answers. The API sends `{"error": "...", "errors": [...]}` for the failures it
 * explains (422 for bad records, 400 for bad JSON), and the webserver answers bare text ("Not Found",
 * "Conflict", "Unauthorized") for the rest. Both become typed errors with the server's words in the
 * message.
 */
import type { ErrorParser } from "../../core/transport/response-error.js";
import type { ParsedProviderError } from "../../core/transport/types.js";

export const parsePowerDnsError: ErrorParser = ({ status, body }) => {
  const text = body.toString("utf8", 0, Math.min(body.length, 64 * 1024)).trim();
  const parsed: ParsedProviderError = {};
  // 409 is the answer to creating a zone that exists; the status alone would make it a generic failure.
  if (status === 409) parsed.kind = "AlreadyExists";
  if (text.startsWith("{")) {
    try {
      const doc = JSON.parse(text) as { error?: unknown; errors?: unknown };
      const details = Array.isArray(doc.errors) ? doc.errors.filter((e) => typeof e === "string") : [];
      const main = typeof doc.error === "string" ? doc.error : undefined;
      const message = [main, ...details.filter((d) => d !== main)].filter(Boolean).join("; ");
      if (message) parsed.message = message;
      return parsed;
    } catch {
      // Not JSON after all: fall through and quote the text.
    }
  }
  if (text) parsed.message = text.split("\n")[0]!.slice(0, 300);
  return parsed;
};
