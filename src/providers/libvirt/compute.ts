/**
 * The libvirt compute provider: nodes are libvirt domains, reached through libvirt's C library (koffi FFI),
 * so it works with any hypervisor libvirt drives — KVM through qemu:///session, or the in-process test
 * driver (test:///default) that needs no daemon at all.
 */

import type { ComputeDriver, CreateNodeRequest, NodeNameRules, PowerRequest } from "../../compute/driver.js";
import type { Image, Location, Node, NodeAuthKind, Size } from "../../compute/types.js";
import { InvalidInputError, NotFoundError, ProviderError } from "../../core/errors.js";
import { LibvirtConnection } from "./connection.js";
import { LibvirtContext, type LibvirtOptions, resolveOptions } from "./context.js";
import { libvirtLibrary, type Ptr } from "./ffi.js";
import { getLibvirtImage, LibvirtImages, listLibvirtImages } from "./images.js";
import { createLibvirtNode, deleteVolumes, type LibvirtCreateExtras } from "./node-create.js";
import { domainFacts, type LibvirtNodeExtra, readNode } from "./node-read.js";
import { toSize } from "./sizes.js";
import { VIR_DOMAIN } from "./states.js";
import {
  dirPoolXml,
  type NetworkFacts,
  type PoolFacts,
  parseNetworkXml,
  parsePoolXml,
} from "./storage-xml.js";
import { LibvirtSnapshots, LibvirtVolumes } from "./volumes.js";

// virDomainUndefineFlags: drop a managed-save image and snapshot metadata with the domain, and its NVRAM
// file (UEFI guests) when it has one. The test driver refuses flags it does not know, so only those that
// apply are passed.
const UNDEFINE_MANAGED_SAVE = 1;
const UNDEFINE_SNAPSHOTS_METADATA = 2;
const UNDEFINE_NVRAM = 4;

/**
 * libvirt accepts almost any domain name, but QEMU puts it into file and socket paths: no "/", no
 * control characters, no leading or trailing space, and short enough for a unix socket path.
 */
const NODE_NAMES: NodeNameRules = {
  maxLength: 64,
  pattern: /^[^/\s](?:[^/]*[^/\s])?$/,
  description: '1 to 64 characters without "/" and without leading or trailing spaces',
};

export interface LibvirtNetwork extends NetworkFacts {
  active: boolean;
}

export interface LibvirtPool extends PoolFacts {
  active: boolean;
}

export class LibvirtCompute implements ComputeDriver<LibvirtNodeExtra, LibvirtCreateExtras> {
  readonly provider = "libvirt";
  readonly nodeNames = NODE_NAMES;
  /** libvirt does not inject credentials or user data: images must carry their own. */
  readonly authKinds: readonly NodeAuthKind[] = [];
  /** The client token is kept in the domain's metadata, and a repeated create returns the first node. */
  readonly idempotentCreate = true;
  readonly pollIntervalMs: number;
  readonly images: LibvirtImages;
  readonly volumes: LibvirtVolumes;
  readonly snapshots: LibvirtSnapshots;

  constructor(private readonly ctx: LibvirtContext) {
    this.pollIntervalMs = ctx.options.pollIntervalMs;
    this.images = new LibvirtImages(ctx);
    this.volumes = new LibvirtVolumes(ctx);
    this.snapshots = new LibvirtSnapshots(ctx);
  }

  /** The URI this driver is connected to. */
  get uri(): string {
    return this.ctx.conn.uri;
  }

  /** libvirt's name for the hypervisor driver behind the connection: "QEMU", "TEST", … */
  get hypervisor(): string {
    return this.ctx.conn.type;
  }

  // ---- nodes ----

  async *listNodes(signal: AbortSignal | undefined): AsyncIterable<Node<LibvirtNodeExtra>> {
    const what = "Listing nodes";
    this.ctx.checkSignal(signal, what);
    const doms = await this.ctx.conn.listDomains(what);
    try {
      for (const dom of doms) {
        this.ctx.checkSignal(signal, what);
        try {
          yield await readNode(this.ctx, dom, what);
        } catch (err) {
          // Undefined between the list and the read: it is simply no longer there to list.
          if (!(err instanceof NotFoundError)) throw err;
        }
      }
    } finally {
      for (const dom of doms) this.ctx.conn.lib.release("domain", dom);
    }
  }

  async getNode(nodeId: string, signal: AbortSignal | undefined): Promise<Node<LibvirtNodeExtra>> {
    const what = `Reading node ${nodeId}`;
    this.ctx.checkSignal(signal, what);
    return this.ctx.conn.withDomain(nodeId, what, (dom) => readNode(this.ctx, dom, what));
  }

  createNode(request: CreateNodeRequest<LibvirtCreateExtras>): Promise<Node<LibvirtNodeExtra>> {
    return createLibvirtNode(this.ctx, request);
  }

  /** Power off if running, undefine, and delete the root disk omnicloud made for it. */
  async destroyNode(nodeId: string, signal: AbortSignal | undefined): Promise<void> {
    const what = `Destroying node ${nodeId}`;
    this.ctx.checkSignal(signal, what);
    const owned = await this.ctx.conn.withDomain(nodeId, what, async (dom) => {
      const facts = await domainFacts(this.ctx, dom, what);
      const { state } = await this.ctx.conn.lib.domainState(dom, what);
      if (state !== VIR_DOMAIN.SHUTOFF) await this.ctx.conn.int("virDomainDestroy", what, dom);
      // A transient domain (started without a definition) is gone once destroyed.
      if ((await this.ctx.conn.int("virDomainIsPersistent", what, dom)) === 1) {
        const hasNvram = await this.hasNvram(dom, what);
        const flags = UNDEFINE_MANAGED_SAVE | UNDEFINE_SNAPSHOTS_METADATA | (hasNvram ? UNDEFINE_NVRAM : 0);
        await this.ctx.conn.int("virDomainUndefineFlags", what, dom, flags);
      }
      return facts.metadata?.ownedVolumes ?? [];
    });
    const left = await deleteVolumes(this.ctx, owned, what);
    if (left.length > 0) {
      throw new ProviderError(
        `${what}: the node is gone, but its disk volumes could not be deleted: ${left.join(", ")}`,
        {
          provider: "libvirt",
          hint: "Delete them with destroyVolume",
        },
      );
    }
  }

  private async hasNvram(dom: Ptr, what: string): Promise<boolean> {
    const xml = await this.ctx.conn.text("virDomainGetXMLDesc", what, dom, 2);
    return /<nvram\b/.test(xml);
  }

  private async domainState(dom: Ptr, what: string): Promise<number> {
    return (await this.ctx.conn.lib.domainState(dom, what)).state;
  }

  async rebootNode(nodeId: string, request: PowerRequest): Promise<void> {
    const what = `Rebooting node ${nodeId}`;
    this.ctx.checkSignal(request.signal, what);
    await this.ctx.conn.withDomain(nodeId, what, (dom) =>
      request.force
        ? this.ctx.conn.int("virDomainReset", what, dom, 0)
        : this.ctx.conn.int("virDomainReboot", what, dom, 0),
    );
  }

  /** Starting a running node succeeds without doing anything, so scripts can converge. */
  async startNode(nodeId: string, signal: AbortSignal | undefined): Promise<void> {
    const what = `Starting node ${nodeId}`;
    this.ctx.checkSignal(signal, what);
    await this.ctx.conn.withDomain(nodeId, what, async (dom) => {
      if ((await this.domainState(dom, what)) !== VIR_DOMAIN.SHUTOFF) return;
      await this.ctx.conn.int("virDomainCreate", what, dom);
    });
  }

  /** Stopping a stopped node succeeds without doing anything. */
  async stopNode(nodeId: string, request: PowerRequest): Promise<void> {
    const what = `Stopping node ${nodeId}`;
    this.ctx.checkSignal(request.signal, what);
    await this.ctx.conn.withDomain(nodeId, what, async (dom) => {
      if ((await this.domainState(dom, what)) === VIR_DOMAIN.SHUTOFF) return;
      await this.ctx.conn.int(request.force ? "virDomainDestroy" : "virDomainShutdown", what, dom);
    });
  }

  // ---- sizes, images, locations ----

  async *listSizes(signal: AbortSignal | undefined): AsyncIterable<Size> {
    this.ctx.checkSignal(signal, "Listing sizes");
    for (const s of this.ctx.options.sizes) yield toSize(s);
  }

  listImages(signal: AbortSignal | undefined): AsyncIterable<Image> {
    return listLibvirtImages(this.ctx, signal);
  }

  getImage(imageId: string, signal: AbortSignal | undefined): Promise<Image> {
    return getLibvirtImage(this.ctx, imageId, signal);
  }

  async *listLocations(signal: AbortSignal | undefined): AsyncIterable<Location> {
    this.ctx.checkSignal(signal, "Listing locations");
    yield this.ctx.location;
  }

  // ---- libvirt extras, through compute.as("libvirt") ----

  /** The virtual networks of the connection. */
  async listNetworks(): Promise<LibvirtNetwork[]> {
    const what = "Listing networks";
    const nets = await this.ctx.conn.listNetworks(what);
    return this.ctx.conn.each("network", nets, async (net) => ({
      ...parseNetworkXml(await this.ctx.conn.text("virNetworkGetXMLDesc", what, net, 0)),
      active: (await this.ctx.conn.int("virNetworkIsActive", what, net)) === 1,
    }));
  }

  /** The storage pools of the connection. */
  async listPools(): Promise<LibvirtPool[]> {
    const what = "Listing storage pools";
    const pools = await this.ctx.conn.listPools(what);
    return this.ctx.conn.each("pool", pools, async (pool) => ({
      ...parsePoolXml(await this.ctx.conn.text("virStoragePoolGetXMLDesc", what, pool, 0)),
      active: (await this.ctx.conn.int("virStoragePoolIsActive", what, pool)) === 1,
    }));
  }

  /** Define and start a directory pool (the directory must exist for real hypervisors). */
  async definePool(options: { name: string; path: string }): Promise<LibvirtPool> {
    const what = `Defining storage pool ${options.name}`;
    if (typeof options?.name !== "string" || options.name === "" || options.name.includes("/")) {
      throw new InvalidInputError(`${what}: a pool name must be non-empty and without "/"`, {
        provider: "libvirt",
      });
    }
    if (typeof options.path !== "string" || !options.path.startsWith("/")) {
      throw new InvalidInputError(`${what}: the path must be absolute`, { provider: "libvirt" });
    }
    const pool = await this.ctx.conn.definePool(dirPoolXml(options.name, options.path), what);
    return this.ctx.conn.using("pool", pool, async (p) => {
      await this.ctx.conn.int("virStoragePoolCreate", what, p, 0);
      return {
        ...parsePoolXml(await this.ctx.conn.text("virStoragePoolGetXMLDesc", what, p, 0)),
        active: true,
      };
    });
  }

  /** The domain's full XML, as libvirt keeps it. */
  async domainXml(nodeId: string): Promise<string> {
    const what = `Reading the XML of node ${nodeId}`;
    return this.ctx.conn.withDomain(nodeId, what, (dom) =>
      this.ctx.conn.text("virDomainGetXMLDesc", what, dom, 0),
    );
  }

  async close(): Promise<void> {
    await this.ctx.conn.close();
  }
}

/** The registry's factory: connects now, so a wrong URI fails at open. */
export async function createLibvirtCompute(options: LibvirtOptions = {}): Promise<LibvirtCompute> {
  const resolved = resolveOptions(options);
  const conn = await LibvirtConnection.open(libvirtLibrary(resolved.library), resolved.uri);
  return new LibvirtCompute(new LibvirtContext(conn, resolved));
}
