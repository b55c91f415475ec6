/**
 * Hashes, the SigV4 signing-key derivation and its cache, and the date formats SigV4 uses.
 */
import { createHmac } from "node:crypto";
import { hexDigest } from "../../core/digest.js";
import type { AwsCredentials } from "./credentials/types.js";

export const ALGORITHM = "AWS4-HMAC-SHA256";
/** Hex SHA-256 of the empty string: the payload hash of every request without a body. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export function sha256Hex(data: string | Uint8Array): string {
  return hexDigest("sha256", data);
}

export function hmac(key: string | Uint8Array, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** "20150830T123600Z": ISO 8601 basic format, UTC, whole seconds. */
export function amzDate(date: Date): string {
  // Perf: every signature needs it and the clock moves by whole seconds here: format each second once.
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastStamp = date
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "");
  }
  return lastStamp;
}
let lastSecond = Number.NaN;
let lastStamp = "";

/** The scope a signature is valid for: "20150830/us-east-1/service/aws4_request". */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/aws4_request`;
}

/**
 * Derived keys per credentials object, then per scope. A WeakMap keyed by the credentials object keeps the
 * secret out of any cache key and frees the keys with the credentials once they are refreshed away.
 */
const keyCache = new WeakMap<AwsCredentials, Map<string, Buffer>>();
/** Scopes kept per credentials object; the date rolls daily, so a few cover any clock-skew straddling. */
const SCOPES_PER_CREDENTIAL = 8;

/**
 * The signing key: HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request". Four HMACs per
 * request add up under load, so the result is cached per credentials object and date/region/service.
 */
export function signingKey(
  credentials: AwsCredentials,
  date: string,
  region: string,
  service: string,
): Buffer {
  const scope = `${date}/${region}/${service}`;
  let perCredential = keyCache.get(credentials);
  const hit = perCredential?.get(scope);
  if (hit) return hit;
  const kDate = hmac(`AWS4${credentials.secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const key = hmac(kService, "aws4_request");
  if (!perCredential) {
    perCredential = new Map();
    keyCache.set(credentials, perCredential);
  }
  if (perCredential.size >= SCOPES_PER_CREDENTIAL) {
    const oldest = perCredential.keys().next().value;
    if (oldest !== undefined) perCredential.delete(oldest);
  }
  perCredential.set(scope, key);
  return key;
}
