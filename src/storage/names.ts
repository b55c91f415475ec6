import { InvalidInputError } from "../core/errors.js";
import type { ByteRange } from "./types.js";

/**
 * Rules every provider shares; drivers add their own stricter ones. Checked before any request, so bad
 * names fail fast with a message that says which rule they broke.
 */
export function checkContainerName(name: string): void {
  if (typeof name !== "string" || name.length === 0) {
    throw new InvalidInputError("A container name must be a non-empty string");
  }
  if (name.length > 255)
    throw new InvalidInputError(`Container name "${name.slice(0, 40)}…" is longer than 255 characters`);
  if (name.includes("/") || name.includes("\\") || name.includes("\0")) {
    throw new InvalidInputError(`Container name "${name}" may not contain "/", "\\" or NUL`);
  }
  if (name === "." || name === "..") throw new InvalidInputError(`Container name "${name}" is reserved`);
}

export function checkObjectName(name: string): void {
  if (typeof name !== "string" || name.length === 0) {
    throw new InvalidInputError("An object name must be a non-empty string");
  }
  if (Buffer.byteLength(name) > 1024) {
    throw new InvalidInputError(`Object name "${name.slice(0, 40)}…" is longer than 1024 bytes of UTF-8`);
  }
  if (name.includes("\0")) throw new InvalidInputError(`Object name "${name}" may not contain NUL`);
  // "a/../b" is a legal key on some clouds, but URLs resolve it to another key and a download of it to a
  // folder escapes that folder: refused everywhere, so a name means the same thing on every provider.
  if (name.split("/").some((segment) => segment === "." || segment === "..")) {
    throw new InvalidInputError(`Object name "${name}" has a "." or ".." path segment`, {
      hint: "Names with traversal segments are refused on every provider",
    });
  }
}

// HTTP header names (RFC 9110 token), as every provider carries metadata in headers.
const METADATA_KEY = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** User metadata: keys are header-safe tokens (lower-cased), values are strings. */
export function normaliseMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    const k = key.toLowerCase();
    if (!METADATA_KEY.test(k)) {
      throw new InvalidInputError(`Metadata key "${key}" may only use letters, digits and -_.!#$%&'*+^|~\``);
    }
    if (typeof value !== "string") throw new InvalidInputError(`Metadata "${key}" must be a string`);
    out[k] = value;
  }
  return out;
}

export function checkRange(range: ByteRange | undefined): void {
  if (!range) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new InvalidInputError(`Range start ${start} must be a whole number ≥ 0`);
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new InvalidInputError(`Range end ${end} must be a whole number ≥ the start (${start})`);
  }
}
