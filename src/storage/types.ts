import type { Readable } from "node:stream";

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

export interface UploadOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  cacheControl?: string;
  contentDisposition?: string;
  /** Size of a stream source, when known ahead. */
  size?: number;
  /** Expected checksum of the data; a mismatch fails the upload and leaves nothing behind. */
  expect?: Checksums;
  onProgress?: (progress: Progress) => void;
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
  signal?: AbortSignal;
}

export interface CreateContainerOptions {
  region?: string;
  acl?: "private" | "public-read";
  signal?: AbortSignal;
}

export interface DeleteContainerOptions {
  /** Delete every object first. Without it a non-empty container is an error. */
  force?: boolean;
  signal?: AbortSignal;
}
