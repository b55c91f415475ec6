/**
 * How a `swift` store is opened: Keystone v3 (the storage URL is the token catalog's "object-store"
 * endpoint), tempauth / v1.0 auth (GET the auth URL with a user and key; the answer names the storage URL
 * and the token), or a storage URL with a token issued elsewhere.
 */
import type { TransportOptions } from "../../core/transport/transport.js";
import type { MultipartLimits } from "../../storage/driver.js";
import type { KeystoneAuth, KeystoneScope } from "./auth-request.js";
import type { EndpointInterface } from "./catalog.js";

export type SwiftTransportOptions = Omit<
  TransportOptions,
  "provider" | "authorize" | "parseError" | "layers"
>;

export interface SwiftKeystoneOptions {
  authUrl: string;
  auth: KeystoneAuth;
  scope?: KeystoneScope;
  region?: string;
  interface?: EndpointInterface;
}

export interface SwiftV1AuthOptions {
  /** e.g. "http://127.0.0.1:8080/auth/v1.0". */
  authUrl: string;
  /** "account:user". */
  user: string;
  key: string;
}

export interface SwiftStorageOptions {
  keystone?: SwiftKeystoneOptions;
  /** tempauth, swauth and other v1.0 auth systems. */
  v1?: SwiftV1AuthOptions;
  /** The account URL (…/v1/AUTH_x): replaces the catalog's, or with `token` is all that is needed. */
  storageUrl?: string;
  /** A pre-issued token, used with `storageUrl`. */
  token?: string;
  /** Container that holds SLO segments of `<container>`: `<container><suffix>`. Default "_segments". */
  segmentSuffix?: string;
  /**
   * Delete a Static Large Object's segments with it (default true). It costs a HEAD before each delete
   * (and, in a batch, per name where the container's segments container holds objects); false sends bare
   * DELETEs, which leave an SLO's segments behind.
   */
  deleteSegments?: boolean;
  /** The account's TempURL key; when left out it is read from the account and, if absent, set. */
  tempUrlKey?: string;
  multipart?: Partial<MultipartLimits>;
  transport?: SwiftTransportOptions;
  /** The provider id in errors and `storage.as(…)`. Default "swift". */
  provider?: string;
}
