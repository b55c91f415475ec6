/**
 * User metadata as Azure carries it: `x-ms-meta-<name>: <value>` headers. Azure is stricter than the
 * portable model on both sides, so both are encoded reversibly:
 *
 * - Names must be C# identifiers (letters, digits, "_", not starting with a digit), while portable keys are
 *   any lower-case HTTP token ("x-note", "a.b"). A key that is a lower-case identifier starting with a
 *   letter is sent as is; any other is sent as "_" + the hex of its UTF-8 bytes ("x-note" → "_782d6e6f7465").
 *   No identifier we send as is starts with "_", so the two forms never collide.
 * - Values travel in headers, which carry printable ASCII only (and lose leading or trailing spaces):
 *   anything else goes as an RFC 2047 encoded word, "=?UTF-8?B?…?=", and is decoded on the way back.
 */
import type { ResponseHeaders } from "../../core/transport/types.js";

const META_PREFIX = "x-ms-meta-";
const PLAIN_NAME = /^[a-z][a-z0-9_]*$/;
const HEX_NAME = /^_((?:[0-9a-f]{2})+)$/;
// The portable layer's key rule (storage/names.ts): a decoded name must satisfy it, or it was not ours.
const PORTABLE_KEY = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const PLAIN_VALUE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)$/;

export function encodeMetaName(key: string): string {
  return PLAIN_NAME.test(key) ? key : `_${Buffer.from(key, "utf8").toString("hex")}`;
}

export function decodeMetaName(name: string): string {
  const hex = HEX_NAME.exec(name)?.[1];
  if (hex === undefined) return name;
  const decoded = Buffer.from(hex, "hex").toString("utf8");
  // Names written by other tools that merely look like ours stay as they are.
  return PORTABLE_KEY.test(decoded) && !PLAIN_NAME.test(decoded) ? decoded : name;
}

export function encodeMetaValue(value: string): string {
  if (PLAIN_VALUE.test(value) && !value.startsWith("=?")) return value;
  return `=?UTF-8?B?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

export function decodeMetaValue(value: string): string {
  const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/]*={0,2})\?=$/i.exec(value);
  return m?.[1] === undefined ? value : Buffer.from(m[1], "base64").toString("utf8");
}

/** Portable metadata as request headers. */
export function metadataHeaders(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    out[META_PREFIX + encodeMetaName(key)] = encodeMetaValue(value);
  }
  return out;
}

/** Portable metadata from response headers (names arrive lower-cased). */
export function metadataFromHeaders(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(META_PREFIX) || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(",") : value;
    out[decodeMetaName(name.slice(META_PREFIX.length))] = decodeMetaValue(text);
  }
  return out;
}
