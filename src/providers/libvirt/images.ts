/**
 * Images on libvirt: the built-in diskless image, and disk images, which are volumes of the image pool that
 * new nodes get a copy of as their root disk. Making an image from a node copies its root disk back into
 * the image pool.
 */

import type { ImageDriver } from "../../compute/driver.js";
import type { Image, Location } from "../../compute/types.js";
import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import { LibvirtContext } from "./context.js";
import { checkVolumeName, DISKLESS_IMAGE, parseVolumeId, SNAPSHOT_MARK, volumeId } from "./ids.js";
import { domainFacts } from "./node-read.js";
import { VIR_DOMAIN } from "./states.js";
import type { VolumeFacts } from "./storage-xml.js";
import { cloneVolume, deleteVolume, poolVolumes, volumeFacts } from "./volumes.js";

export function disklessImage(ctx: LibvirtContext): Image {
  return {
    provider: "libvirt",
    id: DISKLESS_IMAGE,
    name: DISKLESS_IMAGE,
    status: "available",
    os: "none (boots firmware only)",
    locationId: ctx.location.id,
    public: true,
  };
}

function toImage(ctx: LibvirtContext, pool: string, facts: VolumeFacts): Image {
  return {
    provider: "libvirt",
    id: volumeId({ pool, volume: facts.name }),
    name: facts.name,
    status: "available",
    sizeBytes: facts.capacityBytes,
    minDiskGiB: Math.ceil(facts.capacityBytes / 1024 ** 3),
    locationId: ctx.location.id,
    public: false,
  };
}

export async function* listLibvirtImages(
  ctx: LibvirtContext,
  signal: AbortSignal | undefined,
): AsyncIterable<Image> {
  yield disklessImage(ctx);
  const what = "Listing images";
  ctx.checkSignal(signal, what);
  const pool = await ctx.imagePool(what);
  if (pool === undefined) return;
  let volumes: VolumeFacts[];
  try {
    volumes = await poolVolumes(ctx, pool, what);
  } catch (err) {
    // Without a configured image pool, a connection with no storage at all still has the diskless image.
    if (ctx.options.imagePool === undefined && LibvirtContext.noStorage(err)) return;
    throw err;
  }
  for (const facts of volumes) if (!facts.name.includes(SNAPSHOT_MARK)) yield toImage(ctx, pool, facts);
}

export async function getLibvirtImage(
  ctx: LibvirtContext,
  id: string,
  signal: AbortSignal | undefined,
): Promise<Image> {
  if (id === DISKLESS_IMAGE) return disklessImage(ctx);
  const what = `Reading image ${id}`;
  if (!id.includes("/")) throw new NotFoundError(`${what}: no such image`, { provider: "libvirt" });
  const ref = parseVolumeId(id, "image");
  ctx.checkSignal(signal, what);
  const facts = await ctx.conn.withVolume(ref.pool, ref.volume, what, (v) => volumeFacts(ctx, v, what));
  return toImage(ctx, ref.pool, facts);
}

async function requireImagePool(ctx: LibvirtContext, what: string): Promise<string> {
  const pool = await ctx.imagePool(what);
  if (pool === undefined) {
    throw new NotFoundError(`${what}: this libvirt connection has no storage pool for images`, {
      provider: "libvirt",
      hint: "Pass the imagePool option (a pool that exists)",
    });
  }
  return pool;
}

export class LibvirtImages implements ImageDriver {
  constructor(private readonly ctx: LibvirtContext) {}

  async createFromNode(request: {
    nodeId: string;
    name: string;
    signal: AbortSignal | undefined;
  }): Promise<Image> {
    const what = `Creating image ${request.name} from node ${request.nodeId}`;
    const name = checkVolumeName(request.name, "image");
    this.ctx.checkSignal(request.signal, what);
    const root = await this.ctx.conn.withDomain(request.nodeId, what, async (dom) => {
      const { state } = await this.ctx.conn.lib.domainState(dom, what);
      // A copy of a disk the guest is writing to would be torn; clouds stop the node for this too.
      if (state !== VIR_DOMAIN.SHUTOFF) {
        throw new InvalidInputError(`${what}: the node must be stopped first`, { provider: "libvirt" });
      }
      const facts = await domainFacts(this.ctx, dom, what);
      return facts.disks.find((d) => d.device === "disk" && d.pool !== undefined && d.volume !== undefined);
    });
    if (root?.pool === undefined || root.volume === undefined) {
      throw new InvalidInputError(`${what}: the node has no pool-backed disk to make an image of`, {
        provider: "libvirt",
      });
    }
    const pool = await requireImagePool(this.ctx, what);
    const facts = await cloneVolume(this.ctx, { pool: root.pool, volume: root.volume }, { pool, name }, what);
    return toImage(this.ctx, pool, facts);
  }

  async delete(imageId: string, signal: AbortSignal | undefined): Promise<void> {
    const what = `Deleting image ${imageId}`;
    if (imageId === DISKLESS_IMAGE) {
      throw new InvalidInputError(`${what}: the diskless image is built in`, { provider: "libvirt" });
    }
    this.ctx.checkSignal(signal, what);
    await deleteVolume(this.ctx, parseVolumeId(imageId, "image"), what);
  }

  async copy(request: {
    imageId: string;
    name: string;
    location: Location | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Image> {
    const what = `Copying image ${request.imageId} to ${request.name}`;
    const name = checkVolumeName(request.name, "image");
    if (request.imageId === DISKLESS_IMAGE) {
      throw new InvalidInputError(`${what}: the diskless image is built in and has nothing to copy`, {
        provider: "libvirt",
      });
    }
    if (request.location !== undefined && request.location.id !== this.ctx.location.id) {
      throw new InvalidInputError(`${what}: libvirt keeps images only on ${this.ctx.location.id}`, {
        provider: "libvirt",
      });
    }
    const source = parseVolumeId(request.imageId, "image");
    this.ctx.checkSignal(request.signal, what);
    const facts = await cloneVolume(this.ctx, source, { pool: source.pool, name }, what);
    return toImage(this.ctx, source.pool, facts);
  }
}
