// Azure: Storage Shared Key and SAS signing, storage error parsing, Entra ID client credentials, and the
// azure-blob storage driver.
// Imported as a provider module, not from the package root, so users who never touch Azure pay nothing.
export { accountKeyBytes, DEV_STORE_ACCOUNT, type StorageAccountCredentials } from "./account-key.js";
export {
  AZURE_MANAGEMENT_SCOPE,
  AZURE_PUBLIC_AUTHORITY,
  type AzureAccessToken,
  AzureClientCredentials,
  type AzureClientCredentialsOptions,
  azureAdErrorParser,
} from "./ad-token.js";
export {
  type AzureAccessTier,
  AzureBlobDriver,
  type AzureBlobStorageOptions,
  type AzureBlobTransportOptions,
  type AzureBlobWriteExtras,
  createAzureBlobStorage,
} from "./blob.js";
export { AZURE_BLOCK_LIMITS } from "./blob-blocks.js";
export { blobErrorParser } from "./blob-errors.js";
export { parseConnectionString } from "./blob-options.js";
export { azureStorageErrorParser } from "./errors.js";
export {
  type AccountSasOptions,
  accountSas,
  type BlobServiceSasOptions,
  blobServiceSas,
  blobServiceSasUrl,
  type SasResult,
  withSas,
} from "./sas.js";
export {
  AZURE_STORAGE_VERSION,
  canonicalizedHeaders,
  canonicalizedResource,
  type SharedKeyAuthorizerOptions,
  type SharedKeyRequest,
  sharedKeyAuthorizer,
  sharedKeyStringToSign,
  signWithAccountKey,
} from "./shared-key.js";
