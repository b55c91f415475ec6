/** Compact JWS with RS256 (RFC 7515/7519), all that the OAuth 2.0 JWT-bearer grant needs. */
import { createSign, type KeyObject } from "node:crypto";

export interface JwtHeader {
  alg: "RS256";
  typ: "JWT";
  /** The key id, so the verifier picks the right public key without trying each one. */
  kid?: string;
}

export type JwtClaims = Record<string, string | number | boolean>;

export function base64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString("base64url");
}

/** `header.claims.signature`, each base64url-encoded, signed RSASSA-PKCS1-v1_5 with SHA-256. */
export function signJwtRs256(header: JwtHeader, claims: JwtClaims, key: KeyObject): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign("RSA-SHA256").update(signingInput).sign(key);
  return `${signingInput}.${base64url(signature)}`;
}
