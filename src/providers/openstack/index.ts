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
export { CinderSnapshots, type CinderVolumeExtra, CinderVolumes } from "./cinder-volumes.js";
export {
  createOpenStackCompute,
  OpenStackCompute,
  type OpenStackComputeOptions,
  type OpenStackTransportOptions,
} from "./compute.js";
export { OpenStackContext, type OpenStackService } from "./compute-context.js";
export { parseOpenStackServiceError } from "./compute-errors.js";
export { keystoneErrorParser } from "./errors.js";
export { type GlanceImage, GlanceImages, type GlanceUploadOptions } from "./glance-images.js";
export {
  identityV3Url,
  type KeystoneOptions,
  KeystoneTokenProvider,
  type KeystoneTransportOptions,
} from "./keystone.js";
export { NovaKeyPairs } from "./nova-keypairs.js";
export { isPrivateAddress, mapServerState, type OpenStackNodeExtra } from "./nova-parse.js";
export type { OpenStackCreateExtras } from "./nova-servers.js";
export { type ReauthOptions, reauthenticateOn401 } from "./reauth.js";
export {
  createSwiftStorage,
  SwiftDriver,
  type SwiftKeystoneOptions,
  type SwiftStorageOptions,
  type SwiftTransportOptions,
  type SwiftV1AuthOptions,
} from "./swift.js";
export {
  type KeystoneOwnedRef,
  type KeystoneRef,
  type KeystoneToken,
  parseTokenResponse,
} from "./token-response.js";
