/**
 * Character strings (RFC 1035 3.3): at most 255 bytes each, written in zone files in double quotes with
 * "\"" and "\\" escaped and any other byte as "\DDD". The model keeps them as UTF-8 text; on the way out
 * every byte outside printable ASCII is escaped, which every server and zone-file reader accepts.
 */
import { invalid } from "./invalid.js";

export const MAX_CHARSTRING_BYTES = 255;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The bytes of presentation text (without its quotes), escapes resolved. */
export function unescapeBytes(raw: string, what: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== "\\") {
      for (const byte of Buffer.from(ch)) out.push(byte);
      continue;
    }
    const digits = /^[0-9]{3}/.exec(raw.slice(i + 1, i + 4));
    if (digits) {
      const value = Number(digits[0]);
      if (value > 255) throw invalid(what, `the escape \\${digits[0]} is not a byte (0..255)`);
      out.push(value);
      i += 3;
    } else if (i + 1 < raw.length) {
      for (const byte of Buffer.from(raw[i + 1]!)) out.push(byte);
      i += 1;
    } else {
      throw invalid(what, "the text ends with a lone backslash");
    }
  }
  return Buffer.from(out);
}

/** Presentation text to a JS string; bytes that are not UTF-8 are refused rather than silently mangled. */
export function decodeCharString(raw: string, what: string): string {
  const bytes = unescapeBytes(raw, what);
  try {
    return utf8.decode(bytes);
  } catch {
    throw invalid(what, "the text is not UTF-8", "omnicloud keeps TXT, CAA and NAPTR strings as UTF-8 text");
  }
}

/** A JS string as a quoted presentation string. */
export function encodeCharString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, "utf8")) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += "\\\\";
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += `\\${String(byte).padStart(3, "0")}`;
  }
  return `${out}"`;
}

/** Split text into chunks of at most 255 bytes, never inside a multi-byte character. */
export function splitText(text: string): string[] {
  if (Buffer.byteLength(text) <= MAX_CHARSTRING_BYTES) return [text];
  const chunks: string[] = [];
  let current = "";
  let size = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch);
    if (size + n > MAX_CHARSTRING_BYTES) {
      chunks.push(current);
      current = "";
      size = 0;
    }
    current += ch;
    size += n;
  }
  chunks.push(current);
  return chunks;
}
