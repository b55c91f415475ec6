/**
 * GCS V4 signed URLs (GOOG4-RSA-SHA256): a URL anyone can use until it expires, signed offline with a
 * service account's key. Byte-exact with Google's conformance vectors (test/replay/gcs-v4-conformance).
 */
import { createHash, createSign, type KeyObject } from "node:crypto";
import { InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import {
  encodePath,
  encodeRfc3986,
  type GcsEndpointOptions,
  goog4DateTime,
  resolveEndpoint,
} from "./v4-encoding.js";

export const GOOG4_RSA = "GOOG4-RSA-SHA256";
/** GCS refuses V4 signatures that live longer than seven days. */
export const MAX_V4_EXPIRY_SECONDS = 604_800;
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** The signing half of a service account; `ServiceAccountKey` fits. */
export interface GcsSigningCredentials {
  readonly clientEmail: string;
  readonly privateKey: KeyObject | string;
}

export interface GcsSignedUrlOptions extends GcsEndpointOptions {
  credentials: GcsSigningCredentials;
  bucket: string;
  /** Omit to sign a bucket-level URL (e.g. listing). */
  object?: string;
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  /** Lifetime in seconds, 1 to 604800. */
  expiresInSeconds: number;
  /** The signing time. Default now. */
  now?: Date;
  /**
   * Headers the user of the URL must send exactly (names any case). `x-goog-content-sha256` replaces
   * UNSIGNED-PAYLOAD with the given payload hash.
   */
  headers?: Record<string, string>;
  /** Extra query parameters, signed with the rest (e.g. `response-content-disposition`). */
  queryParameters?: Record<string, string>;
}

export interface GcsSignedUrl {
  url: string;
  expiresAt: Date;
  /** The intermediate texts, for debugging a signature the server refuses. */
  canonicalRequest: string;
  stringToSign: string;
  /** Hex RSA signature (also in the URL). */
  signature: string;
}

/** Header value as V4 canonicalises it: trimmed, runs of spaces and tabs folded to one space. */
function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/[ \t]+/g, " ");
}

export function signGcsUrlV4(o: GcsSignedUrlOptions): GcsSignedUrl {
  if (!Number.isInteger(o.expiresInSeconds) || o.expiresInSeconds < 1) {
    throw new InvalidInputError(
      `expiresInSeconds must be a positive whole number, not ${o.expiresInSeconds}`,
      {
        provider: "gcs",
      },
    );
  }
  if (o.expiresInSeconds > MAX_V4_EXPIRY_SECONDS) {
    throw new InvalidInputError(
      `A V4 signed URL may live at most ${MAX_V4_EXPIRY_SECONDS} s (7 days), not ${o.expiresInSeconds} s`,
      { provider: "gcs" },
    );
  }
  if (!o.bucket) throw new InvalidInputError("A signed URL needs a bucket name", { provider: "gcs" });

  const now = o.now ?? new Date();
  const stamp = goog4DateTime(now);
  const scope = `${stamp.slice(0, 8)}/auto/storage/goog4_request`;
  const ep = resolveEndpoint(o.bucket, o);
  const objectPath = o.object === undefined || o.object === "" ? "" : `/${encodePath(o.object)}`;
  const path = `${ep.bucketPath}${objectPath}` || "/";

  // Headers: lower-case names, duplicates joined, the host always signed.
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(o.headers ?? {})) {
    const key = name.toLowerCase().trim();
    if (key === "host") continue;
    const v = canonicalHeaderValue(value);
    headers.set(key, headers.has(key) ? `${headers.get(key)},${v}` : v);
  }
  headers.set("host", ep.host);
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(";");
  const canonicalHeaders = names.map((n) => `${n}:${headers.get(n)}\n`).join("");

  const query: Array<[string, string]> = [
    ["X-Goog-Algorithm", GOOG4_RSA],
    ["X-Goog-Credential", `${o.credentials.clientEmail}/${scope}`],
    ["X-Goog-Date", stamp],
    ["X-Goog-Expires", String(o.expiresInSeconds)],
    ["X-Goog-SignedHeaders", signedHeaders],
    ...Object.entries(o.queryParameters ?? {}),
  ];
  const canonicalQuery = query
    .map(([k, v]) => [encodeRfc3986(k), encodeRfc3986(v)] as const)
    .sort(([a, av], [b, bv]) => compareBytes(a, b) || compareBytes(av, bv))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");

  const payload = headers.get("x-goog-content-sha256") ?? UNSIGNED_PAYLOAD;
  const canonicalRequest = [o.method, path, canonicalQuery, canonicalHeaders, signedHeaders, payload].join(
    "\n",
  );
  const stringToSign = [
    GOOG4_RSA,
    stamp,
    scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  const signature = createSign("RSA-SHA256").update(stringToSign).sign(o.credentials.privateKey, "hex");
  // The URL is a bearer credential until it expires.
  registerSecret(signature);
  return {
    url: `${ep.scheme}://${ep.authority}${path}?${canonicalQuery}&X-Goog-Signature=${signature}`,
    expiresAt: new Date(now.getTime() + o.expiresInSeconds * 1000),
    canonicalRequest,
    stringToSign,
    signature,
  };
}

/** Code-unit order, which equals byte order for the ASCII that percent-encoding leaves. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
