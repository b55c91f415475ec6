import type { Readable } from "node:stream";
import type {
  ByteRange,
  ChecksumAlgorithm,
  Checksums,
  ContainerInfo,
  CreateContainerOptions,
  ListEntry,
  MultipartUploadInfo,
  ObjectInfo,
  ObjectRef,
} from "./types.js";

/**
 * The bytes of an upload as the portable layer hands them over. Small objects arrive whole in memory
 * (`bytes`), already checksummed and checked against what the caller expected, so a driver can send them
 * as a replayable body (retried safely) with a checksum header the provider verifies. Larger ones arrive
 * as a `stream`, counted and hashed as the driver reads it.
 */
export type PutBody =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "stream"; stream: Readable; size: number | undefined };

/** Everything a driver needs to write one object in one request. */
export interface PutRequest<X = never> {
  container: string;
  name: string;
  body: PutBody;
  contentType: string | undefined;
  cacheControl: string | undefined;
  contentDisposition: string | undefined;
  /** User metadata, lower-case keys. */
  metadata: Record<string, string>;
  /**
   * For a stream body: called by the driver once the whole body was read and before the object becomes
   * visible (or right after, where the provider offers no other point); it throws an IntegrityError when
   * the data does not match what the caller expected, and the driver must then discard what it wrote.
   * For a bytes body it never throws: the check was made before the driver was called.
   */
  verify: () => void;
  /** Digests of the body, lower-case hex (MD5 always, SHA-256 when expected). Streams: valid at the end. */
  checksums: () => Checksums;
  /** Checksums the caller promised, for drivers that can have the provider check them (Content-MD5). */
  expected: Checksums | undefined;
  /** Provider-specific write options from `UploadOptions.extras`. */
  extras: X | undefined;
  signal: AbortSignal | undefined;
}

export interface ListObjectsRequest {
  prefix?: string;
  delimiter?: string;
  pageSize?: number;
  signal?: AbortSignal;
}

/** The start of a multipart upload: where it goes and the object's headers. */
export interface MultipartInit<X = never> {
  container: string;
  name: string;
  contentType: string | undefined;
  cacheControl: string | undefined;
  contentDisposition: string | undefined;
  metadata: Record<string, string>;
  extras: X | undefined;
  signal: AbortSignal | undefined;
}

/** A started multipart upload. */
export interface MultipartUpload {
  readonly container: string;
  readonly name: string;
  readonly uploadId: string;
}

export interface PartRequest {
  /** 1-based, in object order. */
  partNumber: number;
  /**
   * The part's bytes, held in memory so a failed attempt can be sent again. The buffer is lent: the
   * portable layer refills it with a later part once this call has settled, so a driver must not keep it.
   */
  body: Uint8Array;
  /** The part's length in bytes. */
  size: number;
  /** MD5 of `body`, lower-case hex, for the provider to verify (S3 Content-MD5). */
  md5: string;
  signal: AbortSignal | undefined;
}

export interface UploadedPart {
  partNumber: number;
  /** The provider's tag for the part, as it must be quoted back on completion. */
  etag: string;
  size: number;
  /** MD5 of the part, lower-case hex. */
  md5: string;
}

export interface CompleteRequest {
  /** In part-number order, with no gaps. */
  parts: UploadedPart[];
  /** Digests of the whole object the portable layer computed on the way (only those it was asked to). */
  checksums: Checksums;
  signal: AbortSignal | undefined;
}

/** Part sizes and counts a provider accepts. */
export interface MultipartLimits {
  minPartSize: number;
  maxPartSize: number;
  maxParts: number;
  defaultPartSize: number;
  /** Objects above this go multipart by default; `Infinity` means only when the caller asks. Default: the part size. */
  defaultThreshold?: number;
}

/**
 * Multipart upload, for drivers whose provider has it (or, like `local`, can emulate it). The portable
 * layer drives it: it reads the source a part at a time, uploads parts in parallel, verifies, completes,
 * and aborts on any failure.
 */
export interface MultipartDriver<X = never> {
  readonly limits: MultipartLimits;
  initiate(init: MultipartInit<X>): Promise<MultipartUpload>;
  uploadPart(upload: MultipartUpload, part: PartRequest): Promise<UploadedPart>;
  complete(upload: MultipartUpload, request: CompleteRequest): Promise<ObjectInfo>;
  /** Discards the parts. Aborting an upload that is already gone succeeds. */
  abort(upload: MultipartUpload, signal?: AbortSignal): Promise<void>;
  /** Uploads started and not finished, oldest information the provider keeps. */
  list(
    container: string,
    options: { prefix?: string; signal?: AbortSignal },
  ): AsyncIterable<MultipartUploadInfo>;
}

export interface CopyRequest {
  from: ObjectRef;
  to: ObjectRef;
  /** Replace the metadata (and content type) instead of copying them, when set. */
  metadata: Record<string, string> | undefined;
  contentType: string | undefined;
  signal: AbortSignal | undefined;
}

export interface SignedUrlRequest {
  container: string;
  name: string;
  method: "GET" | "PUT";
  expiresIn: number;
  contentType: string | undefined;
  signal: AbortSignal | undefined;
}

/** The result of one name in a batch delete. */
export interface DeleteOutcome {
  name: string;
  /** Undefined when deleted (or already absent). */
  error?: Error;
}

/**
 * The small interface a storage provider implements: only what differs between clouds. Validation,
 * checksums, progress, multipart orchestration, atomic file downloads and cross-provider copy live in the
 * portable `Storage`. Optional members are capabilities: a driver without `multipart` gets single-request
 * uploads, one without `deleteObjects` gets deletes one by one, and so on.
 *
 * `X` is the driver's own write options (`UploadOptions.extras`), e.g. S3's encryption and storage class.
 */
export interface StorageDriver<X = never> {
  readonly provider: string;
  /** Checksums the provider verifies on upload when the driver sends them. */
  readonly verifiedChecksums?: readonly ChecksumAlgorithm[];
  /** The provider's own container-name rules, checked before any request; throws InvalidInputError. */
  checkContainerName?(name: string): void;
  listContainers(signal?: AbortSignal): AsyncIterable<ContainerInfo>;
  createContainer(name: string, options: CreateContainerOptions): Promise<ContainerInfo>;
  getContainer(name: string, signal?: AbortSignal): Promise<ContainerInfo>;
  /** Deletes an empty container; a non-empty one raises an error naming the problem. */
  deleteContainer(name: string, signal?: AbortSignal): Promise<void>;
  listObjects(container: string, options: ListObjectsRequest): AsyncIterable<ListEntry>;
  putObject(request: PutRequest<X>): Promise<ObjectInfo>;
  getObject(
    container: string,
    name: string,
    options: { range?: ByteRange; signal?: AbortSignal },
  ): Promise<{ info: ObjectInfo; body: Readable }>;
  headObject(container: string, name: string, signal?: AbortSignal): Promise<ObjectInfo>;
  /** Deleting an object that is not there succeeds. */
  deleteObject(container: string, name: string, signal?: AbortSignal): Promise<void>;
  readonly multipart?: MultipartDriver<X>;
  /** Copy inside the provider, without the bytes passing through this process. */
  copyObject?(request: CopyRequest): Promise<ObjectInfo>;
  /** Delete up to `maxBatchDelete` names in one request; per-name failures are reported, not thrown. */
  deleteObjects?(container: string, names: string[], signal?: AbortSignal): Promise<DeleteOutcome[]>;
  readonly maxBatchDelete?: number;
  signedUrl?(request: SignedUrlRequest): Promise<URL>;
  /** The object's plain (unsigned) URL: readable by anyone when the object or container is public, or via a CDN. */
  publicUrl?(container: string, name: string): URL;
  close?(): Promise<void>;
}

/** The write options type a driver declares, for typing `UploadOptions.extras`. */
export type ExtrasOf<D> = D extends StorageDriver<infer X> ? X : never;
