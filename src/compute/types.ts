/**
 * The portable compute model: what every provider's servers, sizes, images, locations, key pairs, volumes
 * and snapshots look like to users. Provider facts that have no portable meaning live in a typed `extra`
 * (its type comes from the driver), never in an untyped bag.
 */
import type { NodeState } from "./states.js";

/** Anything naming a node: its id, or an object carrying it (a `Node`, or a caller's own record). */
export type NodeRef = string | { readonly id: string };

/** A server: a virtual machine on a cloud, a libvirt domain. */
export interface Node<X = unknown> {
  /** The provider id, e.g. "libvirt". */
  readonly provider: string;
  /** Stable for the node's life (libvirt: the domain UUID; EC2: the instance id). */
  id: string;
  name: string;
  state: NodeState;
  /** The provider's own word for the state ("shutoff", "pending", "active"), for logs and support. */
  providerState: string;
  publicIps: string[];
  privateIps: string[];
  sizeId?: string | undefined;
  imageId?: string | undefined;
  locationId?: string | undefined;
  createdAt?: Date | undefined;
  tags: Record<string, string>;
  /** Host keys ("ssh-ed25519 AAAA…") where the provider publishes them, for verified SSH. */
  hostKeys?: string[] | undefined;
  /** Provider facts, typed by the driver. */
  extra: X;
}

/** A price as the provider lists it. */
export interface Price {
  amount: number;
  /** ISO 4217, e.g. "USD". */
  currency: string;
  per: "hour" | "month";
}

/** A hardware profile a node is created with (EC2 instance type, DigitalOcean size slug, libvirt table row). */
export interface Size {
  readonly provider: string;
  id: string;
  name: string;
  vcpus: number;
  ramMiB: number;
  /** Root disk, when the size fixes it. */
  diskGiB?: number | undefined;
  /** Included transfer per month, when the provider states it. */
  transferGiB?: number | undefined;
  /** Undefined when the provider does not publish one (local providers, custom flavors). */
  price?: Price | undefined;
}

export type ImageStatus = "available" | "pending" | "error" | "unknown";

/** What a node boots from. */
export interface Image {
  readonly provider: string;
  id: string;
  name: string;
  status: ImageStatus;
  /** Free text such as "debian-12", when known. */
  os?: string | undefined;
  sizeBytes?: number | undefined;
  minDiskGiB?: number | undefined;
  createdAt?: Date | undefined;
  locationId?: string | undefined;
  /** True for images the provider publishes to everyone; false for the account's own. */
  public?: boolean | undefined;
}

/** A region, zone or host where nodes run. */
export interface Location {
  readonly provider: string;
  id: string;
  name: string;
  /** ISO 3166 alpha-2, when known. */
  country?: string | undefined;
}

/** An SSH key the provider stores and installs into new nodes. */
export interface KeyPair {
  readonly provider: string;
  /** The name users refer to it by. */
  name: string;
  /** The provider's id where it differs from the name (DigitalOcean's numeric ids). */
  id: string;
  fingerprint?: string | undefined;
  publicKey?: string | undefined;
}

/** A key pair the provider generated: the private key is returned once, at creation. */
export interface CreatedKeyPair extends KeyPair {
  privateKey: string;
}

export type VolumeState = "available" | "in-use" | "creating" | "deleting" | "error" | "unknown";

/** A block device that outlives nodes and can move between them. */
export interface Volume<X = unknown> {
  readonly provider: string;
  id: string;
  name: string;
  sizeGiB: number;
  state: VolumeState;
  /** The node it is attached to, when it is. */
  attachedTo?: string | undefined;
  /** The device name inside that node, when known ("vdb", "/dev/sdf"). */
  device?: string | undefined;
  locationId?: string | undefined;
  createdAt?: Date | undefined;
  extra: X;
}

export type SnapshotState = "available" | "creating" | "error" | "unknown";

/** A point-in-time copy of a volume, from which new volumes can be made. */
export interface Snapshot {
  readonly provider: string;
  id: string;
  name: string;
  volumeId?: string | undefined;
  sizeGiB?: number | undefined;
  state: SnapshotState;
  createdAt?: Date | undefined;
}

/**
 * How the first login into a new node is authorised: an OpenSSH public key to install, the name of a key
 * pair the provider stores, or a password (where the provider supports one).
 */
export type NodeAuth = { sshKey: string } | { keyPair: string } | { password: string };
export type NodeAuthKind = "sshKey" | "keyPair" | "password";

export interface CreateNodeOptions<C = unknown> {
  /** Checked against the provider's naming rules before any request. */
  name: string;
  /** A size id or name (unknown ones fail with the closest matches), or a `Size` from `listSizes`. */
  size: string | Size;
  /** An image id or name, or an `Image` from `listImages`. */
  image: string | Image;
  /** A location id or name; the provider's default when absent. */
  location?: string | Location | undefined;
  auth?: NodeAuth | undefined;
  /** Given to the node at first boot (cloud-init). Checked against the provider's size limit. */
  userData?: string | Uint8Array | undefined;
  tags?: Record<string, string> | undefined;
  /**
   * Makes the create idempotent where the provider supports it (EC2 ClientToken; libvirt: kept in the
   * domain's metadata): repeating a create with the same token returns the first node instead of making a
   * second. Generated when absent, so the driver's own retries are safe.
   */
  clientToken?: string | undefined;
  /** Provider-specific create options, typed by the driver. */
  extras?: C | undefined;
  signal?: AbortSignal | undefined;
}

export interface CreateVolumeOptions {
  name: string;
  sizeGiB: number;
  location?: string | Location | undefined;
  /** Make the volume from this snapshot (its size is the larger of the two). */
  snapshot?: string | Snapshot | undefined;
  signal?: AbortSignal | undefined;
}

/** Options shared by calls that only need cancelling. */
export interface SignalOption {
  signal?: AbortSignal | undefined;
}

export interface PowerOptions extends SignalOption {
  /**
   * Hard power operation: stop pulls the plug instead of asking the OS to shut down; reboot resets instead
   * of asking the OS to restart. Needed for guests that ignore ACPI requests (no OS, hung OS).
   */
  force?: boolean | undefined;
}

/** What a provider supports beyond nodes, sizes, images and locations, for callers to check first. */
export interface ComputeCapabilities {
  startStop: boolean;
  createImage: boolean;
  deleteImage: boolean;
  copyImage: boolean;
  keyPairs: boolean;
  importKeyPair: boolean;
  volumes: boolean;
  snapshots: boolean;
  /** Largest user data in bytes; 0 when the provider takes none. */
  userDataMaxBytes: number;
  authKinds: readonly NodeAuthKind[];
  /** True when `clientToken` makes creates idempotent. */
  idempotentCreate: boolean;
}
