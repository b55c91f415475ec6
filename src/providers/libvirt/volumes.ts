/**
 * Volumes and snapshots on libvirt storage pools.
 *
 * A volume is a pool volume. libvirt has no volume snapshot call, so a snapshot here is a full copy made by
 * virStorageVolCreateXMLFrom into the same pool, named "volume@snapshot": point-in-time (take it while the
 * volume is detached, or its node stopped, for a consistent copy), independent of its source, and usable
 * to make new volumes from.
 */

import type { SnapshotDriver, VolumeDriver } from "../../compute/driver.js";
import type { Location, Snapshot, Volume } from "../../compute/types.js";
import { InvalidInputError } from "../../core/errors.js";
import type { LibvirtContext } from "./context.js";
import { type Attachment, attachDisk, detachDisk, scanAttachments } from "./disks.js";
import type { Ptr } from "./ffi.js";
import {
  checkVolumeName,
  parseVolumeId,
  SNAPSHOT_MARK,
  snapshotVolumeName,
  splitSnapshotName,
  type VolumeRef,
  volumeId,
} from "./ids.js";
import { bytesToGiB, giBToBytes, parseVolumeXml, type VolumeFacts, volumeXml } from "./storage-xml.js";

/** What libvirt says about a volume beyond the portable fields. */
export interface LibvirtVolumeExtra {
  pool: string;
  path: string | undefined;
  format: string | undefined;
  capacityBytes: number;
  allocationBytes: number | undefined;
}

export async function volumeFacts(ctx: LibvirtContext, vol: Ptr, what: string): Promise<VolumeFacts> {
  return parseVolumeXml(await ctx.conn.text("virStorageVolGetXMLDesc", what, vol, 0));
}

function toVolume(
  ctx: LibvirtContext,
  pool: string,
  facts: VolumeFacts,
  attachment: Attachment | undefined,
): Volume<LibvirtVolumeExtra> {
  return {
    provider: "libvirt",
    id: volumeId({ pool, volume: facts.name }),
    name: facts.name,
    sizeGiB: bytesToGiB(facts.capacityBytes),
    state: attachment ? "in-use" : "available",
    attachedTo: attachment?.nodeId,
    device: attachment?.device,
    locationId: ctx.location.id,
    extra: {
      pool,
      path: facts.path,
      format: facts.format,
      capacityBytes: facts.capacityBytes,
      allocationBytes: facts.allocationBytes,
    },
  };
}

function toSnapshot(pool: string, facts: VolumeFacts): Snapshot | undefined {
  const parts = splitSnapshotName(facts.name);
  if (parts === undefined) return undefined;
  return {
    provider: "libvirt",
    id: volumeId({ pool, volume: facts.name }),
    name: parts.snapshot,
    volumeId: volumeId({ pool, volume: parts.volume }),
    sizeGiB: bytesToGiB(facts.capacityBytes),
    state: "available",
  };
}

/** Every volume of a pool with its facts; handles are freed as they are read. */
export async function poolVolumes(ctx: LibvirtContext, pool: string, what: string): Promise<VolumeFacts[]> {
  return ctx.conn.withPool(pool, what, async (p) => {
    const vols = await ctx.conn.listVolumes(p, what);
    return ctx.conn.each("volume", vols, (v) => volumeFacts(ctx, v, what));
  });
}

/** Copy a volume into `pool` under `name` (virStorageVolCreateXMLFrom), at least `minBytes` large. */
export async function cloneVolume(
  ctx: LibvirtContext,
  source: VolumeRef,
  target: { pool: string; name: string; minBytes?: number },
  what: string,
): Promise<VolumeFacts> {
  return ctx.conn.withVolume(source.pool, source.volume, what, async (src) => {
    const facts = await volumeFacts(ctx, src, what);
    const xml = volumeXml({
      name: target.name,
      capacityBytes: Math.max(facts.capacityBytes, target.minBytes ?? 0),
      format: facts.format,
    });
    return ctx.conn.withPool(target.pool, what, async (p) => {
      const vol = await ctx.conn.ptrCall("virStorageVolCreateXMLFrom", what, p, xml, src, 0);
      return ctx.conn.using("volume", vol, (v) => volumeFacts(ctx, v, what));
    });
  });
}

export async function deleteVolume(ctx: LibvirtContext, ref: VolumeRef, what: string): Promise<void> {
  await ctx.conn.withVolume(ref.pool, ref.volume, what, (vol) =>
    ctx.conn.int("virStorageVolDelete", what, vol, 0),
  );
}

function checkLocation(ctx: LibvirtContext, location: Location | undefined, what: string): void {
  if (location !== undefined && location.id !== ctx.location.id) {
    throw new InvalidInputError(`${what}: libvirt keeps volumes only on ${ctx.location.id}`, {
      provider: "libvirt",
    });
  }
}

export class LibvirtVolumes implements VolumeDriver<LibvirtVolumeExtra> {
  constructor(private readonly ctx: LibvirtContext) {}

  async *list(signal: AbortSignal | undefined): AsyncIterable<Volume<LibvirtVolumeExtra>> {
    const what = "Listing volumes";
    this.ctx.checkSignal(signal, what);
    const pool = await this.ctx.volumePool(what);
    const attachments = await scanAttachments(this.ctx, what);
    for (const facts of await poolVolumes(this.ctx, pool, what)) {
      if (facts.name.includes(SNAPSHOT_MARK)) continue;
      yield toVolume(this.ctx, pool, facts, attachments.get(volumeId({ pool, volume: facts.name })));
    }
  }

  async get(id: string, signal: AbortSignal | undefined): Promise<Volume<LibvirtVolumeExtra>> {
    const ref = parseVolumeId(id, "volume");
    const what = `Reading volume ${id}`;
    this.ctx.checkSignal(signal, what);
    const facts = await this.ctx.conn.withVolume(ref.pool, ref.volume, what, (v) =>
      volumeFacts(this.ctx, v, what),
    );
    const attachments = await scanAttachments(this.ctx, what);
    return toVolume(this.ctx, ref.pool, facts, attachments.get(id));
  }

  async create(request: {
    name: string;
    sizeGiB: number;
    location: Location | undefined;
    snapshotId: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<LibvirtVolumeExtra>> {
    const what = `Creating volume ${request.name}`;
    const name = checkVolumeName(request.name, "volume");
    checkLocation(this.ctx, request.location, what);
    this.ctx.checkSignal(request.signal, what);
    const pool = await this.ctx.volumePool(what);
    const capacityBytes = giBToBytes(request.sizeGiB);
    if (request.snapshotId !== undefined) {
      const source = parseVolumeId(request.snapshotId, "snapshot");
      if (splitSnapshotName(source.volume) === undefined) {
        throw new InvalidInputError(`${what}: "${request.snapshotId}" is not a snapshot`, {
          provider: "libvirt",
        });
      }
      const facts = await cloneVolume(this.ctx, source, { pool, name, minBytes: capacityBytes }, what);
      return toVolume(this.ctx, pool, facts, undefined);
    }
    const xml = volumeXml({ name, capacityBytes, format: this.ctx.options.volumeFormat });
    const facts = await this.ctx.conn.withPool(pool, what, async (p) => {
      const vol = await this.ctx.conn.ptrCall("virStorageVolCreateXML", what, p, xml, 0);
      return this.ctx.conn.using("volume", vol, (v) => volumeFacts(this.ctx, v, what));
    });
    return toVolume(this.ctx, pool, facts, undefined);
  }

  async destroy(id: string, signal: AbortSignal | undefined): Promise<void> {
    const ref = parseVolumeId(id, "volume");
    const what = `Destroying volume ${id}`;
    this.ctx.checkSignal(signal, what);
    const attached = (await scanAttachments(this.ctx, what)).get(id);
    if (attached) {
      throw new InvalidInputError(`${what}: it is attached to node ${attached.nodeId}`, {
        provider: "libvirt",
        hint: "Detach it first",
      });
    }
    await deleteVolume(this.ctx, ref, what);
  }

  async attach(request: {
    volumeId: string;
    nodeId: string;
    device: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<LibvirtVolumeExtra>> {
    const ref = parseVolumeId(request.volumeId, "volume");
    const what = `Attaching volume ${request.volumeId} to node ${request.nodeId}`;
    this.ctx.checkSignal(request.signal, what);
    const facts = await this.ctx.conn.withVolume(ref.pool, ref.volume, what, (v) =>
      volumeFacts(this.ctx, v, what),
    );
    const attached = (await scanAttachments(this.ctx, what)).get(request.volumeId);
    if (attached) {
      throw new InvalidInputError(`${what}: it is already attached to node ${attached.nodeId}`, {
        provider: "libvirt",
        hint: "Detach it first",
      });
    }
    await this.ctx.conn.withDomain(request.nodeId, what, (dom) =>
      attachDisk(this.ctx, dom, { ...ref, format: facts.format ?? "raw" }, request.device, what),
    );
    return this.get(request.volumeId, request.signal);
  }

  async detach(request: {
    volumeId: string;
    signal: AbortSignal | undefined;
  }): Promise<Volume<LibvirtVolumeExtra>> {
    const ref = parseVolumeId(request.volumeId, "volume");
    const what = `Detaching volume ${request.volumeId}`;
    this.ctx.checkSignal(request.signal, what);
    const attached = (await scanAttachments(this.ctx, what)).get(request.volumeId);
    if (!attached) {
      throw new InvalidInputError(`${what}: it is not attached to any node`, { provider: "libvirt" });
    }
    await this.ctx.conn.withDomain(attached.nodeId, what, (dom) => detachDisk(this.ctx, dom, ref, what));
    return this.get(request.volumeId, request.signal);
  }
}

export class LibvirtSnapshots implements SnapshotDriver {
  constructor(private readonly ctx: LibvirtContext) {}

  async *list(volume: string | undefined, signal: AbortSignal | undefined): AsyncIterable<Snapshot> {
    const what = "Listing snapshots";
    this.ctx.checkSignal(signal, what);
    const pool =
      volume === undefined ? await this.ctx.volumePool(what) : parseVolumeId(volume, "volume").pool;
    for (const facts of await poolVolumes(this.ctx, pool, what)) {
      const snapshot = toSnapshot(pool, facts);
      if (snapshot && (volume === undefined || snapshot.volumeId === volume)) yield snapshot;
    }
  }

  async create(request: {
    volumeId: string;
    name: string;
    signal: AbortSignal | undefined;
  }): Promise<Snapshot> {
    const ref = parseVolumeId(request.volumeId, "volume");
    const what = `Snapshotting volume ${request.volumeId}`;
    const name = checkVolumeName(request.name, "snapshot");
    this.ctx.checkSignal(request.signal, what);
    const facts = await cloneVolume(
      this.ctx,
      ref,
      { pool: ref.pool, name: snapshotVolumeName(ref.volume, name) },
      what,
    );
    return toSnapshot(ref.pool, facts)!;
  }

  async destroy(id: string, signal: AbortSignal | undefined): Promise<void> {
    const ref = parseVolumeId(id, "snapshot");
    const what = `Destroying snapshot ${id}`;
    if (splitSnapshotName(ref.volume) === undefined) {
      throw new InvalidInputError(`${what}: "${id}" is a volume, not a snapshot`, { provider: "libvirt" });
    }
    this.ctx.checkSignal(signal, what);
    await deleteVolume(this.ctx, ref, what);
  }
}
