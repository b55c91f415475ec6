/**
 * The canonical forms of Signature Version 4: path, query and headers, exactly as AWS rebuilds them on its
 * side. A byte of difference here is a SignatureDoesNotMatch, so each rule is spelled out and tested against
 * AWS's own signing test suite.
 */
import { InvalidInputError } from "../../core/errors.js";

/** A header or query pair; arrays of pairs keep order and allow a name to repeat. */
export type Pair = readonly [name: string, value: string];

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/**
 * RFC 3986 percent-encoding over UTF-8 bytes, leaving only the unreserved characters (A-Z a-z 0-9 - _ . ~)
 * and, when asked, "/". `encodeURIComponent` is close but leaves ! ' ( ) * alone, which AWS encodes.
 */
export function uriEncode(text: string, keepSlash = false): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch (err) {
    // Only a lone UTF-16 surrogate gets here: it has no UTF-8 form, so it cannot be signed or sent.
    throw new InvalidInputError("Text to sign holds a lone UTF-16 surrogate, which has no UTF-8 encoding", {
      cause: err,
    });
  }
  encoded = encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? encoded.replace(/%2F/g, "/") : encoded;
}

/**
 * Encode a path that is already percent-encoded for the wire, without encoding it twice: valid %XX triplets
 * stay (hex upper-cased), every other character outside the unreserved set and "/" is encoded. This is S3's
 * rule, where the canonical path is the wire path itself.
 */
export function encodeWirePath(path: string): string {
  let out = "";
  for (let i = 0; i < path.length; i++) {
    const c = path.charAt(i);
    if (c === "%" && /^[0-9A-Fa-f]{2}$/.test(path.slice(i + 1, i + 3))) {
      out += `%${path.slice(i + 1, i + 3).toUpperCase()}`;
      i += 2;
    } else if (c === "/" || UNRESERVED.test(c)) {
      out += c;
    } else {
      // Take a whole surrogate pair at once so astral characters encode as one UTF-8 sequence.
      const code = path.codePointAt(i) ?? 0;
      const char = String.fromCodePoint(code);
      out += uriEncode(char);
      i += char.length - 1;
    }
  }
  return out;
}

/**
 * RFC 3986 section 5.2.4 dot-segment removal, plus the collapse of empty segments ("//") that AWS's
 * normalisation does. A trailing slash, or a trailing "." / ".." segment, leaves the path ending in "/".
 */
export function normalizePath(path: string): string {
  const segments = path.split("/");
  const out: string[] = [];
  for (const segment of segments) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  const last = segments[segments.length - 1];
  const trailing = out.length > 0 && (last === "" || last === "." || last === "..");
  return `/${out.join("/")}${trailing ? "/" : ""}`;
}

export interface CanonicalPathOptions {
  /** Remove "." and ".." segments and empty segments first. Every service but S3. Default true. */
  normalize?: boolean;
  /**
   * URI-encode the wire path again, so "%20" on the wire becomes "%2520" in the canonical request. Every
   * service but S3, which signs the wire path as it is. Default true.
   */
  doubleEncode?: boolean;
}

/** The canonical URI: `path` is the path exactly as it goes on the request line. */
export function canonicalPath(path: string, options: CanonicalPathOptions = {}): string {
  let p = path === "" ? "/" : path;
  if (options.normalize ?? true) p = normalizePath(p);
  return (options.doubleEncode ?? true) ? uriEncode(p, true) : encodeWirePath(p);
}

function decodeComponent(text: string): string {
  const spaced = text.replace(/\+/g, " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A stray "%" that starts no valid escape is a literal percent sign; keep the text as it came.
    return spaced;
  }
}

/**
 * Query pairs from a raw query string (with or without its "?"), decoded. A "+" is a space, as URL
 * serialisers (URLSearchParams among them) write it; a key without "=" has the empty value.
 */
export function parseQuery(search: string): Pair[] {
  const raw = search.startsWith("?") ? search.slice(1) : search;
  const pairs: Pair[] = [];
  for (const piece of raw.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const key = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? "" : piece.slice(eq + 1);
    pairs.push([decodeComponent(key), decodeComponent(value)]);
  }
  return pairs;
}

/** Encoded pairs sorted by name, then by value (byte order: after encoding everything is ASCII). */
export function canonicalQuery(pairs: readonly Pair[]): string {
  const encoded = pairs.map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  encoded.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return encoded.map(([k, v]) => `${k}=${v}`).join("&");
}

/**
 * Headers never signed: hop-by-hop headers and ones proxies or the HTTP client may rewrite, so a signature
 * over them could break in transit; and the Authorization header itself.
 */
const UNSIGNABLE = new Set([
  "authorization",
  "connection",
  "expect",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "x-amzn-trace-id",
]);

export function isSignableHeader(name: string): boolean {
  return !UNSIGNABLE.has(name.trim().toLowerCase());
}

/** A header value as AWS canonicalises it: trimmed, each run of whitespace (line folds too) one space. */
export function canonicalHeaderValue(value: string): string {
  return value.replace(/[ \t\r\n]+/g, " ").trim();
}

export interface CanonicalHeaders {
  /** "name:value\n" lines, sorted by name. */
  block: string;
  /** Names joined with ";", sorted. */
  signedHeaders: string;
}

/**
 * Lower-case names, canonical values, repeated names joined with "," in the order given, sorted by name.
 * Unsignable headers are left out.
 */
export function canonicalHeaders(headers: readonly Pair[]): CanonicalHeaders {
  const byName = new Map<string, string[]>();
  for (const [rawName, rawValue] of headers) {
    const name = rawName.trim().toLowerCase();
    if (!isSignableHeader(name)) continue;
    const list = byName.get(name);
    const value = canonicalHeaderValue(rawValue);
    if (list) list.push(value);
    else byName.set(name, [value]);
  }
  const names = [...byName.keys()].sort();
  return {
    block: names.map((n) => `${n}:${(byName.get(n) ?? []).join(",")}\n`).join(""),
    signedHeaders: names.join(";"),
  };
}
