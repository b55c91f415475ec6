/**
 * The small interface a compute provider implements: only what differs between clouds. Name and input
 * checks, resolving size/image/location names (with "did you mean"), client tokens, waiters and the
 * unsupported-operation errors live in the portable `Compute`, so every driver gets them for free.
 *
 * Optional members are capabilities: a driver without `volumes` has no block storage, and the portable
 * layer answers calls to it with an `UnsupportedOperationError` before anything is sent.
 *
 * `N` types `Node.extra` (the provider's facts about a node); `C` types `CreateNodeOptions.extras`.
 */
import type {
  CreatedKeyPair,
  Image,
  KeyPair,
  Location,
  Node,
  NodeAuth,
  NodeAuthKind,
  Size,
  Snapshot,
  Volume,
} from "./types.js";

/** A provider's rules for node names, checked before any request. */
export interface NodeNameRules {
  maxLength: number;
  pattern: RegExp;
  /** Says the rule in words, for the error message ("letters, digits, '.' and '-'"). */
  description: string;
}

/** A create as the driver receives it: everything resolved and checked. */
export interface CreateNodeRequest<C = unknown> {
  name: string;
  size: Size;
  image: Image;
  /** Undefined: the provider's default location. */
  location: Location | undefined;
  auth: NodeAuth | undefined;
  /** Already within `userDataMaxBytes`. */
  userData: Uint8Array | undefined;
  tags: Record<string, string>;
  /** Always set (generated when the caller gave none); drivers with `idempotentCreate` must honour it. */
  clientToken: string;
  extras: C | undefined;
  signal: AbortSignal | undefined;
}

export interface PowerRequest {
  force: boolean;
  signal: AbortSignal | undefined;
}

/** Images beyond listing: drivers include the operations their provider has. */
export interface ImageDriver {
  /** A new image from the node's root disk (EC2 CreateImage, libvirt volume clone). */
  createFromNode?(request: { nodeId: string; name: string; signal: AbortSignal | undefined }): Promise<Image>;
  delete?(imageId: string, signal: AbortSignal | undefined): Promise<void>;
  /** A copy under a new name, optionally into another location (EC2 CopyImage, DO image transfer). */
  copy?(request: {
    imageId: string;
    name: string;
    location: Location | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Image>;
}

export interface KeyPairDriver {
  list(signal: AbortSignal | undefined): AsyncIterable<KeyPair>;
  /** NotFoundError when absent. */
  get(name: string, signal: AbortSignal | undefined): Promise<KeyPair>;
  /** The provider generates the key and returns its private half once. */
  create?(name: string, signal: AbortSignal | undefined): Promise<CreatedKeyPair>;
  import(name: string, publicKey: string, signal: AbortSignal | undefined): Promise<KeyPair>;
  delete(name: string, signal: AbortSignal | undefined): Promise<void>;
}

export interface VolumeDriver<V = unknown> {
  list(signal: AbortSignal | undefined): AsyncIterable<Volume<V>>;
  /** NotFoundError when absent. */
  get(volumeId: string, signal: AbortSignal | undefined): Promise<Volume<V>>;
  create(request: {
    name: string;
    sizeGiB: number;
    location: Location | undefined;
    snapshotId: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<V>>;
  destroy(volumeId: string, signal: AbortSignal | undefined): Promise<void>;
  attach(request: {
    volumeId: string;
    nodeId: string;
    device: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<V>>;
  detach(request: { volumeId: string; signal: AbortSignal | undefined }): Promise<Volume<V>>;
}

export interface SnapshotDriver {
  /** Every snapshot, or those of one volume. */
  list(volumeId: string | undefined, signal: AbortSignal | undefined): AsyncIterable<Snapshot>;
  create(request: { volumeId: string; name: string; signal: AbortSignal | undefined }): Promise<Snapshot>;
  destroy(snapshotId: string, signal: AbortSignal | undefined): Promise<void>;
}

export interface ComputeDriver<N = unknown, C = unknown> {
  readonly provider: string;
  readonly nodeNames: NodeNameRules;
  /** Largest user data in bytes; absent when the provider takes none. */
  readonly userDataMaxBytes?: number;
  /** The `auth` kinds `createNode` can apply; empty when images must carry their own credentials. */
  readonly authKinds: readonly NodeAuthKind[];
  /** True when `createNode` honours `clientToken`. */
  readonly idempotentCreate: boolean;
  /** First waiter poll interval suited to the provider (default 2000 ms; local providers answer faster). */
  readonly pollIntervalMs?: number;

  /** Every node, following the provider's pagination to the end. */
  listNodes(signal: AbortSignal | undefined): AsyncIterable<Node<N>>;
  /** One node by id; NotFoundError when it does not exist (or no longer does). */
  getNode(nodeId: string, signal: AbortSignal | undefined): Promise<Node<N>>;
  createNode(request: CreateNodeRequest<C>): Promise<Node<N>>;
  /** Removes the node for good (with the disks the provider made for it). NotFoundError when absent. */
  destroyNode(nodeId: string, signal: AbortSignal | undefined): Promise<void>;
  rebootNode(nodeId: string, request: PowerRequest): Promise<void>;
  /** Power on a stopped node; absent where nodes cannot be stopped and kept. */
  startNode?(nodeId: string, signal: AbortSignal | undefined): Promise<void>;
  stopNode?(nodeId: string, request: PowerRequest): Promise<void>;

  listSizes(signal: AbortSignal | undefined): AsyncIterable<Size>;
  listImages(signal: AbortSignal | undefined): AsyncIterable<Image>;
  /** One image by id, where the provider can look one up without listing them all (EC2). */
  getImage?(imageId: string, signal: AbortSignal | undefined): Promise<Image>;
  listLocations(signal: AbortSignal | undefined): AsyncIterable<Location>;

  readonly images?: ImageDriver;
  readonly keyPairs?: KeyPairDriver;
  readonly volumes?: VolumeDriver;
  readonly snapshots?: SnapshotDriver;

  close?(): Promise<void>;
}

/** The type of `Node.extra` a driver produces. */
export type NodeExtraOf<D> = D extends { getNode(...args: never[]): Promise<Node<infer N>> } ? N : unknown;

/** The type of `CreateNodeOptions.extras` a driver accepts. */
export type CreateExtrasOf<D> = D extends { createNode(request: CreateNodeRequest<infer C>): unknown }
  ? C
  : unknown;
