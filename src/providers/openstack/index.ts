// OpenStack: Keystone v3 tokens (password and application credentials), the service catalog, Keystone's
// errors, and re-authentication on 401. Imported as a provider module, not from the package root.
export {
  type ApplicationCredentialByIdAuth,
  type ApplicationCredentialByNameAuth,
  authRequestBody,
  type DomainRef,
  describeIdentity,
  describeScope,
  type KeystoneAuth,
  type KeystoneScope,
  type PasswordAuth,
  type ProjectRef,
  type UserRef,
} from "./auth-request.js";
export {
  type CatalogEndpoint,
  type CatalogService,
  describeCatalog,
  type EndpointInterface,
  type EndpointQuery,
  parseCatalog,
  selectEndpoint,
} from "./catalog.js";
export { keystoneErrorParser } from "./errors.js";
export {
  identityV3Url,
  type KeystoneOptions,
  KeystoneTokenProvider,
  type KeystoneTransportOptions,
} from "./keystone.js";
export { type ReauthOptions, reauthenticateOn401 } from "./reauth.js";
export {
  type KeystoneOwnedRef,
  type KeystoneRef,
  type KeystoneToken,
  parseTokenResponse,
} from "./token-response.js";
