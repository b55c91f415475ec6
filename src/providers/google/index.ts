// Google Cloud: Cloud DNS, service-account keys, OAuth tokens, GCS V4 signed URLs and POST policies.
// Imported as a provider module, not from the package root, so users who never touch Google pay nothing.
export {
  CLOUD_DNS_SCOPE,
  createGoogleDns,
  GoogleDnsDriver,
  type GoogleDnsOptions,
} from "./dns.js";
export { parseGoogleDnsError } from "./dns-errors.js";
export {
  formatGoogleRdata,
  GOOGLE_TYPES,
  type GoogleRrset,
  parseGoogleRdata,
} from "./dns-records.js";
export { managedZoneNameFor, type ResolvedGoogleAuth, resolveGoogleAuth } from "./dns-setup.js";
export { base64url, type JwtClaims, type JwtHeader, signJwtRs256 } from "./jwt.js";
export { oauthErrorParser } from "./oauth-error.js";
export {
  type GcsPolicyCondition,
  type GcsPostPolicy,
  type GcsPostPolicyOptions,
  generateGcsPostPolicyV4,
} from "./post-policy.js";
export {
  GOOGLE_TOKEN_URI,
  loadServiceAccountKey,
  parseServiceAccountKey,
  type ServiceAccountKey,
} from "./service-account.js";
export {
  type GcsSignedUrl,
  type GcsSignedUrlOptions,
  type GcsSigningCredentials,
  GOOG4_RSA,
  MAX_V4_EXPIRY_SECONDS,
  signGcsUrlV4,
} from "./signed-url.js";
export {
  type GoogleAccessToken,
  JWT_BEARER_GRANT,
  parseTokenResponse,
  type ServiceAccountTokenOptions,
  ServiceAccountTokenProvider,
} from "./token.js";
export type { GcsEndpointOptions, GcsUrlStyle } from "./v4-encoding.js";
