import type { Readable } from "node:stream";
import type {
  ByteRange,
  Checksums,
  ContainerInfo,
  CreateContainerOptions,
  ListEntry,
  ObjectInfo,
} from "./types.js";

/** What a driver gets for an upload: a stream, already checksummed and counted by the portable layer. */
export interface PutRequest {
  container: string;
  name: string;
  body: Readable;
  /** Known length, or undefined for a stream of unknown length. */
  size: number | undefined;
  contentType: string | undefined;
  cacheControl: string | undefined;
  contentDisposition: string | undefined;
  metadata: Record<string, string>;
  /**
   * Called by the driver once the whole body was read, before the object becomes visible; it throws an
   * IntegrityError when the data does not match what the caller expected, and the driver must then
   * discard what it wrote.
   */
  verify: () => void;
  /** Digests of the body, lower-case hex; valid once the body has been read to its end. */
  checksums: () => Checksums;
  signal: AbortSignal | undefined;
}

/**
 * The small interface a storage provider implements: only what differs between clouds. Validation,
 * checksums, progress, atomic file downloads and cross-provider copy live in the portable `Storage`.
 */
export interface StorageDriver {
  readonly provider: string;
  listContainers(signal?: AbortSignal): AsyncIterable<ContainerInfo>;
  createContainer(name: string, options: CreateContainerOptions): Promise<ContainerInfo>;
  getContainer(name: string, signal?: AbortSignal): Promise<ContainerInfo>;
  /** Deletes an empty container; a non-empty one raises an error naming the problem. */
  deleteContainer(name: string, signal?: AbortSignal): Promise<void>;
  listObjects(
    container: string,
    options: { prefix?: string; delimiter?: string; signal?: AbortSignal },
  ): AsyncIterable<ListEntry>;
  putObject(request: PutRequest): Promise<ObjectInfo>;
  getObject(
    container: string,
    name: string,
    options: { range?: ByteRange; signal?: AbortSignal },
  ): Promise<{ info: ObjectInfo; body: Readable }>;
  headObject(container: string, name: string, signal?: AbortSignal): Promise<ObjectInfo>;
  deleteObject(container: string, name: string, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}
