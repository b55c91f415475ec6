import type { Readable } from "node:stream";
import type { StorageDriver } from "./driver.js";
import type { Storage } from "./storage.js";

export interface ContainerInfo {
  name: string;
  createdAt?: Date;
  /** Where the provider keeps it, when it says. */
  region?: string;
}

export interface ObjectInfo {
  container: string;
  name: string;
  size: number;
  /** The provider's entity tag, without quotes. */
  etag?: string;
  lastModified?: Date;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  /** User metadata, lower-case keys. */
  metadata: Record<string, string>;
  /** Checksums the provider stored or computed, lower-case hex. */
  checksums: Checksums;
}

export type ChecksumAlgorithm = "md5" | "sha256";

export interface Checksums {
  md5?: string;
  sha256?: string;
}

/** A common prefix ("directory") returned by a listing with a delimiter. */
export interface PrefixEntry {
  kind: "prefix";
  container: string;
  name: string;
}

export type ListEntry = (ObjectInfo & { kind: "object" }) | PrefixEntry;

/** Anything an upload can read from. A string is data, not a path: use `{ path }` for files. */
export type UploadSource = string | Uint8Array | { path: string } | Readable | AsyncIterable<Uint8Array>;

export interface Progress {
  /** Bytes moved so far. */
  done: number;
  /** Bytes in all, when known. */
  total: number | undefined;
}

/**
 * How large uploads are split. Defaults come from the provider (S3: 8 MiB parts, 4 at a time, parts from
 * 8 MiB up). A provider without multipart support ignores this and streams the object in one request.
 */
export interface MultipartOptions {
  /** Objects larger than this many bytes go multipart. Default: the part size (local: never). */
  threshold?: number;
  /** Bytes per part (the last may be shorter). Raised automatically when the size is known and the provider's part count limit would be passed. */
  partSize?: number;
  /** Parts in flight at once; also how many parts are held in memory at most. Default 4. */
  concurrency?: number;
}

export interface UploadOptions<X = never> {
  contentType?: string;
  metadata?: Record<string, string>;
  cacheControl?: string;
  contentDisposition?: string;
  /** Size of a stream source, when known ahead. */
  size?: number;
  /** Expected checksum of the data; a mismatch fails the upload and leaves nothing behind. */
  expect?: Checksums;
  onProgress?: (progress: Progress) => void;
  /** Multipart tuning, or `false` to always send one request. */
  multipart?: MultipartOptions | false;
  /** Provider-specific write options, typed by the driver (e.g. S3 encryption and storage class). */
  extras?: X;
  signal?: AbortSignal;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive; the end of the object when left out. */
  end?: number;
}

export interface DownloadOptions {
  range?: ByteRange;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export interface ListOptions {
  prefix?: string;
  /** Group names by this separator into `PrefixEntry` items, like directories. */
  delimiter?: string;
  /**
   * Entries to ask the provider for per request. The listing still runs to the end; this only changes how
   * many round trips it takes. Default: the provider's (1000 on S3).
   */
  pageSize?: number;
  signal?: AbortSignal;
}

export interface CreateContainerOptions {
  region?: string;
  acl?: "private" | "public-read";
  signal?: AbortSignal;
}

export interface DeleteContainerOptions {
  /** Delete every object (and abort unfinished multipart uploads) first. Without it a non-empty container is an error. */
  force?: boolean;
  signal?: AbortSignal;
}

/** Where an object is, for copies. */
export interface ObjectRef {
  container: string;
  name: string;
}

export interface CopyOptions<X = never> {
  /**
   * Another store to copy into (another provider, account or region). The bytes stream through this
   * process, checksummed, never held whole. Without it the copy stays in this store and runs server-side
   * where the provider can.
   */
  to?: Storage<StorageDriver<unknown>>;
  /** Replace the metadata instead of copying the source's. */
  metadata?: Record<string, string>;
  /** Replace the content type instead of copying the source's. */
  contentType?: string;
  onProgress?: (progress: Progress) => void;
  /** Multipart tuning for the upload side of a copy between stores. */
  multipart?: MultipartOptions | false;
  extras?: X;
  signal?: AbortSignal;
}

export interface SignedUrlOptions {
  /** GET to download, PUT to upload. Default GET. */
  method?: "GET" | "PUT";
  /** Seconds the URL stays valid. Default 900; the provider's limit applies (S3: 7 days). */
  expiresIn?: number;
  /** For PUT: the content type the uploader must send (it is part of the signature). */
  contentType?: string;
}

/** A multipart upload that was started and neither completed nor aborted. */
export interface MultipartUploadInfo {
  container: string;
  name: string;
  uploadId: string;
  initiated?: Date;
}

export interface DeleteManyResult {
  /** Names deleted (names that did not exist count as deleted, as on every cloud). */
  deleted: string[];
  /** Names that could not be deleted, with why. */
  failed: Array<{ name: string; error: Error }>;
}

/** What a store can do beyond the portable core, so callers can choose a path instead of catching errors. */
export interface StorageCapabilities {
  multipart: boolean;
  /** Copies inside the store run on the provider, without the bytes passing through this process. */
  serverSideCopy: boolean;
  /** Many objects are deleted per request. */
  batchDelete: boolean;
  signedUrls: boolean;
  publicUrls: boolean;
  /** Checksums the provider itself checks on upload, so data corrupted in transit is refused. */
  verifiedChecksums: readonly ChecksumAlgorithm[];
}
