// The AWS building blocks: SigV4 signing (header, presigned and aws-chunked forms), S3 addressing,
// endpoint rules and the default credential chain. Imported as "omnicloud/providers/aws" by drivers and
// by users who sign their own requests; the root entry does not load it.

export type { ChunkedEncoderOptions, ChunkSigningContext } from "./chunked.js";
export {
  AwsChunkedEncoder,
  chunkSignature,
  DEFAULT_CHUNK_SIZE,
  encodedContentLength,
  MIN_CHUNK_SIZE,
} from "./chunked.js";
export {
  type AwsCredentialChainOptions,
  awsCredentialChain,
  type ExplicitCredentials,
  staticCredentials,
} from "./credentials/chain.js";
export { type RegionOptions, type ResolvedRegion, resolveAwsRegion } from "./credentials/region.js";
export type { AwsCredentialProvider, AwsCredentials } from "./credentials/types.js";
export {
  createEc2Compute,
  Ec2Compute,
  type Ec2ComputeOptions,
  type Ec2CreateExtras,
  type Ec2ImageListOptions,
  type Ec2InstanceListOptions,
  type Ec2NodeExtra,
  type Ec2Region,
  type Ec2VolumeExtra,
} from "./ec2.js";
export { ec2ErrorKind, parseEc2Error } from "./ec2-errors.js";
export { EC2_API_VERSION, type Ec2TransportOptions } from "./ec2-http.js";
export { type Ec2Filter, type Ec2Filters, Ec2Params } from "./ec2-query.js";
export { mapImageState, mapInstanceState, mapSnapshotState, mapVolumeState } from "./ec2-states.js";
export {
  type AwsEndpoint,
  type AwsPartition,
  awsEndpoint,
  type EndpointOptions,
  partitionOf,
} from "./endpoints.js";
export { createRoute53, Route53Driver, type Route53Options } from "./route53.js";
export { parseRoute53Error } from "./route53-errors.js";
export {
  createS3Storage,
  type S3CannedAcl,
  S3Driver,
  type S3Encryption,
  type S3ObjectDetails,
  type S3StorageClass,
  type S3StorageOptions,
  type S3WriteExtras,
} from "./s3.js";
export {
  canUseVirtualHost,
  encodeS3Key,
  type S3Address,
  type S3Addressing,
  type S3AddressOptions,
  s3Address,
  virtualHostProblem,
} from "./s3-addressing.js";
export {
  compatibleOptions,
  S3_COMPATIBLE,
  type S3CompatibleOptions,
  s3CompatibleFactory,
} from "./s3-compatible.js";
export { bucketNameProblem } from "./s3-names.js";
export {
  type ChunkedUpload,
  type ChunkedUploadInput,
  type PresignInput,
  SigV4Signer,
  type SigV4SignerOptions,
} from "./signer.js";
export {
  type HeaderSignature,
  MAX_PRESIGN_SECONDS,
  type PresignContext,
  type QuerySignature,
  type SignableRequest,
  type SignatureParts,
  type SigV4Context,
  STREAMING_PAYLOAD,
  signHeaders,
  signQuery,
  UNSIGNED_PAYLOAD,
} from "./sigv4.js";
export { type CanonicalPathOptions, type Pair, uriEncode } from "./sigv4-canonical.js";
