import { randomUUID } from "node:crypto";
import { InvalidInputError } from "../core/errors.js";
import { abortedBy } from "../core/sleep.js";
import type { ComputeDriver, CreateExtrasOf, NodeExtraOf } from "./driver.js";
import { UnsupportedOperationError } from "./errors.js";
import { resolveNamed } from "./resolve.js";
import type { NodeState } from "./states.js";
import type {
  ComputeCapabilities,
  CreatedKeyPair,
  CreateNodeOptions,
  CreateVolumeOptions,
  Image,
  KeyPair,
  Location,
  Node,
  NodeRef,
  PowerOptions,
  SignalOption,
  Size,
  Snapshot,
  Volume,
} from "./types.js";
import {
  checkAuth,
  checkClientToken,
  checkId,
  checkNodeName,
  checkPublicKey,
  checkResourceName,
  checkSizeGiB,
  checkTags,
  checkUserData,
  nodeIdOf,
} from "./validate.js";
import { type WaitOptions, waitForNodeState } from "./waiters.js";

type Ref<T> = string | T;

function idOf<T extends { id: string }>(what: string, ref: Ref<T>): string {
  return checkId(what, typeof ref === "string" ? ref : ref?.id);
}

function checkSignal(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortedBy(signal, what);
}

/**
 * The portable compute API. It works the same on every provider: names and inputs are checked before any
 * request, size/image/location names are resolved with "did you mean" errors, creates carry a client token
 * (idempotent where the provider allows), waiters poll the one node with backoff, a deadline and an
 * AbortSignal, and operations a provider lacks fail with `UnsupportedOperationError` before any call.
 */
export class Compute<D extends ComputeDriver = ComputeDriver> {
  constructor(readonly driver: D) {}

  get provider(): string {
    return this.driver.provider;
  }

  get capabilities(): ComputeCapabilities {
    const d = this.driver;
    return {
      startStop: d.startNode !== undefined && d.stopNode !== undefined,
      createImage: d.images?.createFromNode !== undefined,
      deleteImage: d.images?.delete !== undefined,
      copyImage: d.images?.copy !== undefined,
      keyPairs: d.keyPairs !== undefined,
      importKeyPair: d.keyPairs !== undefined,
      volumes: d.volumes !== undefined,
      snapshots: d.snapshots !== undefined,
      userDataMaxBytes: d.userDataMaxBytes ?? 0,
      authKinds: d.authKinds,
      idempotentCreate: d.idempotentCreate,
    };
  }

  /**
   * The driver itself, for the provider's extra operations. Naming the provider makes the cast checked:
   * asking a libvirt compute for "ec2" is an error, not a silent undefined later.
   */
  as<T extends ComputeDriver = D>(provider: string): T {
    if (provider !== this.driver.provider) {
      throw new InvalidInputError(`This compute is provider "${this.driver.provider}", not "${provider}"`);
    }
    return this.driver as unknown as T;
  }

  private unsupported(operation: string): UnsupportedOperationError {
    return new UnsupportedOperationError(this.provider, operation);
  }

  // ---- nodes ---------------------------------------------------------------------------------------

  listNodes(options: SignalOption = {}): AsyncIterable<Node<NodeExtraOf<D>>> {
    return this.driver.listNodes(options.signal) as AsyncIterable<Node<NodeExtraOf<D>>>;
  }

  /** The node as the provider sees it now; NotFoundError when it does not exist. */
  async getNode(node: NodeRef, options: SignalOption = {}): Promise<Node<NodeExtraOf<D>>> {
    const id = nodeIdOf(node);
    return (await this.driver.getNode(id, options.signal)) as Node<NodeExtraOf<D>>;
  }

  /**
   * Create (and start) a node. Everything is checked first: the name against the provider's rules, tags,
   * user data against its size limit, auth against what the provider can apply, and the size, image and
   * location are resolved, so a mistake fails before anything is made.
   */
  async createNode(options: CreateNodeOptions<CreateExtrasOf<D>>): Promise<Node<NodeExtraOf<D>>> {
    if (typeof options !== "object" || options === null) {
      throw new InvalidInputError("createNode needs an options object with name, size and image");
    }
    const d = this.driver;
    const name = checkNodeName(d.provider, options.name, d.nodeNames);
    const tags = checkTags(options.tags);
    const userData = checkUserData(d.provider, options.userData, d.userDataMaxBytes);
    const auth = checkAuth(d.provider, options.auth, d.authKinds);
    const clientToken = checkClientToken(options.clientToken) ?? randomUUID();
    const signal = options.signal;
    checkSignal(signal, `Creating node ${name}`);
    const size = await resolveNamed<Size>(d.provider, "size", options.size, () => d.listSizes(signal));
    const image = await resolveNamed<Image>(
      d.provider,
      "image",
      options.image,
      () => d.listImages(signal),
      d.getImage ? (id) => d.getImage!(id, signal) : undefined,
    );
    const location =
      options.location === undefined
        ? undefined
        : await resolveNamed<Location>(d.provider, "location", options.location, () =>
            d.listLocations(signal),
          );
    checkSignal(signal, `Creating node ${name}`);
    const node = await d.createNode({
      name,
      size,
      image,
      location,
      auth,
      userData,
      tags,
      clientToken,
      extras: options.extras,
      signal,
    });
    return node as Node<NodeExtraOf<D>>;
  }

  /** Ask the OS to restart (or, with `force`, reset the machine). */
  async rebootNode(node: NodeRef, options: PowerOptions = {}): Promise<void> {
    const id = nodeIdOf(node);
    await this.driver.rebootNode(id, { force: options.force === true, signal: options.signal });
  }

  async startNode(node: NodeRef, options: SignalOption = {}): Promise<void> {
    const id = nodeIdOf(node);
    if (!this.driver.startNode) throw this.unsupported("starting nodes");
    await this.driver.startNode(id, options.signal);
  }

  /** Ask the OS to shut down (or, with `force`, power the machine off). Wait for "stopped" to see it done. */
  async stopNode(node: NodeRef, options: PowerOptions = {}): Promise<void> {
    const id = nodeIdOf(node);
    if (!this.driver.stopNode) throw this.unsupported("stopping nodes");
    await this.driver.stopNode(id, { force: options.force === true, signal: options.signal });
  }

  /** Remove the node for good, with the disks the provider made for it. */
  async destroyNode(node: NodeRef, options: SignalOption = {}): Promise<void> {
    const id = nodeIdOf(node);
    await this.driver.destroyNode(id, options.signal);
  }

  /** Poll the node until it runs; fails at once if it is terminated or in error. Resolves with the node. */
  waitUntilRunning(node: NodeRef, options: WaitOptions = {}): Promise<Node<NodeExtraOf<D>>> {
    return this.waitFor(node, "running", options);
  }

  /**
   * Poll the one node (never the list) until it is in `state` (or one of several), with exponential backoff,
   * `timeoutMs` (TimeoutError) and `signal` (AbortedError). Waiting for "terminated" also ends when the node
   * no longer exists.
   */
  waitFor(
    node: NodeRef,
    state: NodeState | readonly NodeState[],
    options: WaitOptions = {},
  ): Promise<Node<NodeExtraOf<D>>> {
    const id = nodeIdOf(node);
    const targets: readonly NodeState[] = typeof state === "string" ? [state] : state;
    const start = typeof node === "string" ? { id } : (node as Node<NodeExtraOf<D>>);
    return waitForNodeState<NodeExtraOf<D>>(
      this.provider,
      start,
      targets,
      async (signal) => (await this.driver.getNode(id, signal)) as Node<NodeExtraOf<D>>,
      { ...options, defaultIntervalMs: this.driver.pollIntervalMs ?? 2000 },
    );
  }

  // ---- sizes, images, locations --------------------------------------------------------------------

  listSizes(options: SignalOption = {}): AsyncIterable<Size> {
    return this.driver.listSizes(options.signal);
  }

  /** A size by id or name; unknown names fail with the closest matches. */
  getSize(ref: string, options: SignalOption = {}): Promise<Size> {
    return resolveNamed<Size>(this.provider, "size", ref, () => this.driver.listSizes(options.signal));
  }

  listImages(options: SignalOption = {}): AsyncIterable<Image> {
    return this.driver.listImages(options.signal);
  }

  /** An image by id or name; unknown names fail with the closest matches. */
  getImage(ref: string, options: SignalOption = {}): Promise<Image> {
    const d = this.driver;
    return resolveNamed<Image>(
      d.provider,
      "image",
      ref,
      () => d.listImages(options.signal),
      d.getImage ? (id) => d.getImage!(id, options.signal) : undefined,
    );
  }

  /** A new image from the node's root disk. */
  async createImage(
    node: NodeRef,
    options: { name: string; signal?: AbortSignal | undefined },
  ): Promise<Image> {
    const nodeId = nodeIdOf(node);
    const name = checkResourceName("image", options?.name);
    const create = this.driver.images?.createFromNode;
    if (!create) throw this.unsupported("creating images from nodes");
    return create.call(this.driver.images, { nodeId, name, signal: options.signal });
  }

  async deleteImage(image: Ref<Image>, options: SignalOption = {}): Promise<void> {
    const id = idOf("image", image);
    const remove = this.driver.images?.delete;
    if (!remove) throw this.unsupported("deleting images");
    await remove.call(this.driver.images, id, options.signal);
  }

  /** A copy of the image under a new name, optionally into another location. */
  async copyImage(
    image: Ref<Image>,
    options: { name: string; location?: string | Location | undefined; signal?: AbortSignal | undefined },
  ): Promise<Image> {
    const imageId = idOf("image", image);
    const name = checkResourceName("image", options?.name);
    const copy = this.driver.images?.copy;
    if (!copy) throw this.unsupported("copying images");
    const location =
      options.location === undefined
        ? undefined
        : await resolveNamed<Location>(this.provider, "location", options.location, () =>
            this.driver.listLocations(options.signal),
          );
    return copy.call(this.driver.images, { imageId, name, location, signal: options.signal });
  }

  listLocations(options: SignalOption = {}): AsyncIterable<Location> {
    return this.driver.listLocations(options.signal);
  }

  getLocation(ref: string, options: SignalOption = {}): Promise<Location> {
    return resolveNamed<Location>(this.provider, "location", ref, () =>
      this.driver.listLocations(options.signal),
    );
  }

  // ---- key pairs -----------------------------------------------------------------------------------

  private keys(): NonNullable<D["keyPairs"]> {
    if (!this.driver.keyPairs) throw this.unsupported("key pairs");
    return this.driver.keyPairs as NonNullable<D["keyPairs"]>;
  }

  listKeyPairs(options: SignalOption = {}): AsyncIterable<KeyPair> {
    return this.keys().list(options.signal);
  }

  async getKeyPair(name: string, options: SignalOption = {}): Promise<KeyPair> {
    const checked = checkResourceName("key pair", name);
    return this.keys().get(checked, options.signal);
  }

  /** The provider makes the key; its private half is in the result, and only there. */
  async createKeyPair(name: string, options: SignalOption = {}): Promise<CreatedKeyPair> {
    const checked = checkResourceName("key pair", name);
    const keys = this.keys();
    if (!keys.create) throw this.unsupported("generating key pairs (import one instead)");
    return keys.create(checked, options.signal);
  }

  async importKeyPair(name: string, publicKey: string, options: SignalOption = {}): Promise<KeyPair> {
    const checked = checkResourceName("key pair", name);
    const key = checkPublicKey(publicKey);
    return this.keys().import(checked, key, options.signal);
  }

  async deleteKeyPair(keyPair: string | KeyPair, options: SignalOption = {}): Promise<void> {
    const name = checkResourceName("key pair", typeof keyPair === "string" ? keyPair : keyPair?.name);
    await this.keys().delete(name, options.signal);
  }

  // ---- volumes -------------------------------------------------------------------------------------

  private vols(): NonNullable<D["volumes"]> {
    if (!this.driver.volumes) throw this.unsupported("volumes");
    return this.driver.volumes as NonNullable<D["volumes"]>;
  }

  listVolumes(options: SignalOption = {}): AsyncIterable<Volume> {
    return this.vols().list(options.signal);
  }

  async getVolume(volume: Ref<Volume>, options: SignalOption = {}): Promise<Volume> {
    return this.vols().get(idOf("volume", volume), options.signal);
  }

  async createVolume(options: CreateVolumeOptions): Promise<Volume> {
    const volumes = this.vols();
    const name = checkResourceName("volume", options?.name);
    const sizeGiB = checkSizeGiB(options.sizeGiB);
    const snapshotId = options.snapshot === undefined ? undefined : idOf("snapshot", options.snapshot);
    const location =
      options.location === undefined
        ? undefined
        : await resolveNamed<Location>(this.provider, "location", options.location, () =>
            this.driver.listLocations(options.signal),
          );
    return volumes.create({ name, sizeGiB, location, snapshotId, signal: options.signal });
  }

  async attachVolume(
    volume: Ref<Volume>,
    node: NodeRef,
    options: { device?: string | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<Volume> {
    const volumes = this.vols();
    const volumeId = idOf("volume", volume);
    const nodeId = nodeIdOf(node);
    const device = options.device === undefined ? undefined : checkId("device", options.device);
    return volumes.attach({ volumeId, nodeId, device, signal: options.signal });
  }

  async detachVolume(volume: Ref<Volume>, options: SignalOption = {}): Promise<Volume> {
    return this.vols().detach({ volumeId: idOf("volume", volume), signal: options.signal });
  }

  async destroyVolume(volume: Ref<Volume>, options: SignalOption = {}): Promise<void> {
    await this.vols().destroy(idOf("volume", volume), options.signal);
  }

  // ---- snapshots -----------------------------------------------------------------------------------

  private snaps(): NonNullable<D["snapshots"]> {
    if (!this.driver.snapshots) throw this.unsupported("snapshots");
    return this.driver.snapshots as NonNullable<D["snapshots"]>;
  }

  /** Every snapshot, or those of one volume. */
  listSnapshots(
    options: { volume?: Ref<Volume> | undefined; signal?: AbortSignal | undefined } = {},
  ): AsyncIterable<Snapshot> {
    const snapshots = this.snaps();
    const volumeId = options.volume === undefined ? undefined : idOf("volume", options.volume);
    return snapshots.list(volumeId, options.signal);
  }

  async createSnapshot(
    volume: Ref<Volume>,
    options: { name: string; signal?: AbortSignal | undefined },
  ): Promise<Snapshot> {
    const snapshots = this.snaps();
    const volumeId = idOf("volume", volume);
    const name = checkResourceName("snapshot", options?.name);
    return snapshots.create({ volumeId, name, signal: options.signal });
  }

  async destroySnapshot(snapshot: Ref<Snapshot>, options: SignalOption = {}): Promise<void> {
    await this.snaps().destroy(idOf("snapshot", snapshot), options.signal);
  }

  async close(): Promise<void> {
    await this.driver.close?.();
  }
}
