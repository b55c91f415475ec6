/**
 * The `s3` driver's options and its typed extras (what S3 does beyond the portable model): server-side
 * encryption, storage classes, canned ACLs and tags on writes.
 */
import type { TransportOptions } from "../../core/transport/transport.js";
import type { MultipartLimits } from "../../storage/driver.js";
import type { ExplicitCredentials } from "./credentials/chain.js";
import type { AwsCredentialProvider } from "./credentials/types.js";
import type { S3Addressing } from "./s3-addressing.js";

/** Storage classes AWS documents; S3-compatible services accept a subset (and some their own names). */
export type S3StorageClass =
  | "STANDARD"
  | "REDUCED_REDUNDANCY"
  | "STANDARD_IA"
  | "ONEZONE_IA"
  | "INTELLIGENT_TIERING"
  | "GLACIER"
  | "DEEP_ARCHIVE"
  | "GLACIER_IR"
  | "EXPRESS_ONEZONE"
  | (string & {});

/** Server-side encryption of a written object. */
export type S3Encryption =
  | { type: "AES256" }
  | {
      type: "aws:kms" | "aws:kms:dsse";
      /** Key id, ARN or alias; the account's AWS-managed key when left out. */
      keyId?: string;
      /** Encryption context, sent as base64 JSON. */
      context?: Record<string, string>;
      /** Use an S3 Bucket Key to cut KMS calls. */
      bucketKey?: boolean;
    };

export type S3CannedAcl =
  | "private"
  | "public-read"
  | "public-read-write"
  | "authenticated-read"
  | "aws-exec-read"
  | "bucket-owner-read"
  | "bucket-owner-full-control";

/** Write options S3 has beyond the portable ones: `upload(…, { extras: { encryption, storageClass } })`. */
export interface S3WriteExtras {
  encryption?: S3Encryption;
  storageClass?: S3StorageClass;
  acl?: S3CannedAcl;
  /** Object tags. */
  tags?: Record<string, string>;
}

/** Transport settings a caller may tune (tests pass a MockAgent as `dispatcher`). */
export type S3TransportOptions = Omit<
  TransportOptions,
  "provider" | "authorize" | "parseError" | "requestIdHeaders"
>;

export interface S3StorageOptions {
  /** AWS region, or the service's region name. Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's. */
  region?: string;
  /** A custom endpoint (MinIO, Ceph, LocalStack, …), e.g. "http://127.0.0.1:9000". Default: AWS's for the region. */
  endpoint?: string;
  /** "auto" (default): virtual-hosted on AWS when the bucket allows it, path style on custom endpoints. */
  addressing?: S3Addressing;
  dualstack?: boolean;
  fips?: boolean;
  /** Keys, or a credential provider. Default: AWS's credential chain (environment, profile, container, instance). */
  credentials?: ExplicitCredentials | AwsCredentialProvider;
  /** Profile for the credential chain and region. */
  profile?: string;
  /** Defaults for every write; per-upload `extras` override them. */
  encryption?: S3Encryption;
  storageClass?: S3StorageClass;
  /**
   * Where public URLs point, e.g. a CDN: "https://cdn.example.com" or "https://{container}.nyc3.cdn.digitaloceanspaces.com"
   * ("{container}" is replaced). Default: the object's S3 URL.
   */
  publicBaseUrl?: string;
  /**
   * Sign request bodies (SHA-256 of every byte) instead of sending UNSIGNED-PAYLOAD. Off by default: bodies
   * sent whole carry Content-MD5, which is signed and which S3 verifies, so integrity holds either way and
   * the SHA-256 pass is saved.
   */
  signPayload?: boolean;
  /** Multipart limits, for services that differ from AWS (part counts, sizes). */
  multipart?: Partial<MultipartLimits>;
  /** Copies of objects larger than this use UploadPartCopy. Default 5 GiB (CopyObject's limit). */
  multipartCopyThreshold?: number;
  /** Whether a plain (non-multipart, not KMS-encrypted) ETag is the object's MD5. Default true. */
  etagIsMd5?: boolean;
  transport?: S3TransportOptions;
  /** The provider id in errors and `storage.as(…)`; set by the named S3-compatible providers. */
  provider?: string;
  /** AWS's extra bucket-name rules (reserved prefixes and suffixes). Default: on for AWS endpoints. */
  awsBucketRules?: boolean;
}
