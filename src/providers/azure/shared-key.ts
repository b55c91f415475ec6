/**
 * Azure Storage Shared Key authorization (Blob, version 2015-02-21 and later): an HMAC-SHA256, keyed with
 * the account key, over the request's verb, standard headers, x-ms-* headers and resource.
 */
import { createHmac } from "node:crypto";
import type { Attempt } from "../../core/transport/types.js";
import { accountKeyBytes, type StorageAccountCredentials } from "./account-key.js";

/** The REST version omnicloud speaks by default: the one the Blob swagger in use describes. */
export const AZURE_STORAGE_VERSION = "2021-10-04";

/** What the string to sign is built from. Header names may be in any case. */
export interface SharedKeyRequest {
  method: string;
  url: URL;
  headers: Readonly<Record<string, string>>;
  /** Body length when known; 0 and unknown both sign as "". */
  contentLength?: number;
}

/** The standard headers, in the order the string to sign lists them after the verb. */
const STANDARD = [
  "content-encoding",
  "content-language",
  "content-length",
  "content-md5",
  "content-type",
  "date",
  "if-modified-since",
  "if-match",
  "if-none-match",
  "if-unmodified-since",
  "range",
] as const;

function lowerCased(headers: Readonly<Record<string, string>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) out.set(k.toLowerCase(), v);
  return out;
}

/**
 * `x-ms-*` headers, lower-case and sorted, each as "name:value\n" with the value's ends trimmed. Runs of
 * spaces inside a value are kept as sent: the documented "replace linear whitespace" is about folded
 * lines, and the service signs inner spaces verbatim (checked against Azurite with a "two  spaces" value).
 */
export function canonicalizedHeaders(headers: Readonly<Record<string, string>>): string {
  const h = lowerCased(headers);
  return [...h.keys()]
    .filter((name) => name.startsWith("x-ms-"))
    .sort()
    .map((name) => `${name}:${h.get(name)!.trim()}\n`)
    .join("");
}

/**
 * "/account/path" then, for each query parameter by lower-case name, "\nname:v1,v2" with the values
 * decoded and sorted. The path is the URL's encoded path, so for the emulator's path-style URLs
 * (/devstoreaccount1/container) the account name appears twice, as the service expects.
 */
export function canonicalizedResource(accountName: string, url: URL): string {
  const params = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase();
    const list = params.get(key) ?? [];
    list.push(value);
    params.set(key, list);
  }
  let out = `/${accountName}${url.pathname || "/"}`;
  for (const name of [...params.keys()].sort()) {
    out += `\n${name}:${params.get(name)!.sort().join(",")}`;
  }
  return out;
}

export function sharedKeyStringToSign(accountName: string, req: SharedKeyRequest): string {
  const h = lowerCased(req.headers);
  const standard = STANDARD.map((name) => {
    if (name === "content-length") {
      const length =
        h.get("content-length") ?? (req.contentLength === undefined ? "" : String(req.contentLength));
      // Since 2015-02-21 a zero length signs as the empty string.
      return length === "0" ? "" : length;
    }
    // With x-ms-date present, Date signs as empty (the service reads x-ms-date instead).
    if (name === "date" && h.has("x-ms-date")) return "";
    return h.get(name) ?? "";
  });
  return [
    req.method.toUpperCase(),
    ...standard,
    canonicalizedHeaders(req.headers) + canonicalizedResource(accountName, req.url),
  ].join("\n");
}

/** base64 HMAC-SHA256 of `text` with the account key. */
export function signWithAccountKey(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text, "utf8").digest("base64");
}

export interface SharedKeyAuthorizerOptions {
  /** x-ms-version to send when the request has none. Default AZURE_STORAGE_VERSION. */
  version?: string;
  /** Clock, for tests. */
  now?: () => Date;
}

/**
 * A Transport `authorize` hook. It runs per attempt, so each retry carries a fresh x-ms-date (the service
 * refuses dates more than 15 minutes off).
 */
export function sharedKeyAuthorizer(
  creds: StorageAccountCredentials,
  options: SharedKeyAuthorizerOptions = {},
): (attempt: Attempt) => void {
  const key = accountKeyBytes(creds);
  const now = options.now ?? (() => new Date());
  const version = options.version ?? AZURE_STORAGE_VERSION;
  return (attempt) => {
    const headers = attempt.headers;
    headers["x-ms-date"] = now().toUTCString();
    headers["x-ms-version"] ??= version;
    const stringToSign = sharedKeyStringToSign(creds.accountName, {
      method: attempt.method,
      url: attempt.url,
      headers,
      // The dispatcher sends the body's length as Content-Length when the caller did not: sign the same.
      contentLength: attempt.body?.length,
    });
    headers.authorization = `SharedKey ${creds.accountName}:${signWithAccountKey(key, stringToSign)}`;
  };
}
