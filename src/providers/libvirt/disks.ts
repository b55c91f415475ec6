/**
 * Volumes as disks of domains: which domain uses which volume, and attaching and detaching them.
 *
 * Attach and detach use virDomainAttachDeviceFlags / virDomainDetachDeviceFlags, changing the running guest
 * and its saved definition together. Drivers without those calls (libvirt's test driver) can still change a
 * stopped domain: its definition is redefined with the disk added or removed, which is what the calls do for
 * the persistent config.
 */

import { UnsupportedOperationError } from "../../compute/errors.js";
import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import type { LibvirtContext } from "./context.js";
import { parseDomainXml } from "./domain-parse.js";
import { type DiskSpec, diskXml } from "./domain-xml.js";
import type { Ptr } from "./ffi.js";
import { type VolumeRef, volumeId } from "./ids.js";
import { VIR_DOMAIN } from "./states.js";
import { attr, child, parseLibvirtXml } from "./xml-read.js";

const AFFECT_LIVE = 1;
const AFFECT_CONFIG = 2;
const XML_SECURE = 1;
const XML_INACTIVE = 2;

export interface Attachment {
  nodeId: string;
  device: string | undefined;
}

/** Every pool volume in use as a domain disk, by volume id ("pool/volume"). */
export async function scanAttachments(ctx: LibvirtContext, what: string): Promise<Map<string, Attachment>> {
  const out = new Map<string, Attachment>();
  const doms = await ctx.conn.listDomains(what);
  await ctx.conn.each("domain", doms, async (dom) => {
    const facts = parseDomainXml(await ctx.conn.text("virDomainGetXMLDesc", what, dom, 0));
    for (const d of facts.disks) {
      if (d.pool !== undefined && d.volume !== undefined) {
        out.set(volumeId({ pool: d.pool, volume: d.volume }), { nodeId: facts.uuid, device: d.target });
      }
    }
  });
  return out;
}

async function isActive(ctx: LibvirtContext, dom: Ptr, what: string): Promise<boolean> {
  const { state } = await ctx.conn.lib.domainState(dom, what);
  return state !== VIR_DOMAIN.SHUTOFF;
}

/** The first free virtio device name after vda (vdb, vdc, …). */
function freeTarget(used: ReadonlySet<string>): string {
  for (let i = 1; i < 26; i++) {
    const name = `vd${String.fromCharCode(97 + i)}`;
    if (!used.has(name)) return name;
  }
  throw new InvalidInputError("The node has no free virtio disk name left (vdb to vdz are taken)", {
    provider: "libvirt",
  });
}

/** Flags that change the running guest (if it runs) and its saved definition (if it has one). */
async function affectFlags(ctx: LibvirtContext, dom: Ptr, what: string): Promise<number> {
  const active = await isActive(ctx, dom, what);
  const persistent = (await ctx.conn.int("virDomainIsPersistent", what, dom)) === 1;
  return (active ? AFFECT_LIVE : 0) | (persistent ? AFFECT_CONFIG : 0);
}

/**
 * Change a stopped domain's definition with `edit` (given and returning the whole domain XML) and define
 * it again; for hypervisor drivers that cannot attach or detach devices.
 */
async function redefine(
  ctx: LibvirtContext,
  dom: Ptr,
  what: string,
  edit: (xml: string) => string,
): Promise<void> {
  const xml = await ctx.conn.text("virDomainGetXMLDesc", what, dom, XML_SECURE | XML_INACTIVE);
  const redefined = await ctx.conn.defineDomain(edit(xml), what);
  ctx.conn.lib.release("domain", redefined);
}

async function withFallback(
  ctx: LibvirtContext,
  dom: Ptr,
  what: string,
  call: (flags: number) => Promise<unknown>,
  edit: (xml: string) => string,
): Promise<void> {
  const flags = await affectFlags(ctx, dom, what);
  try {
    await call(flags);
  } catch (err) {
    if (!(err instanceof UnsupportedOperationError)) throw err;
    if ((flags & AFFECT_LIVE) !== 0) {
      throw new UnsupportedOperationError(
        "libvirt",
        "changing the disks of a running node on this hypervisor driver",
        {
          cause: err,
          hint: "Stop the node first",
        },
      );
    }
    await redefine(ctx, dom, what, edit);
  }
}

export async function attachDisk(
  ctx: LibvirtContext,
  dom: Ptr,
  volume: VolumeRef & { format: string },
  device: string | undefined,
  what: string,
): Promise<string> {
  const facts = parseDomainXml(await ctx.conn.text("virDomainGetXMLDesc", what, dom, 0));
  const used = new Set(facts.disks.map((d) => d.target).filter((t): t is string => t !== undefined));
  if (device !== undefined && used.has(device)) {
    throw new InvalidInputError(`${what}: the node already has a disk ${device}`, { provider: "libvirt" });
  }
  if (device !== undefined && !/^[a-z]{2,3}[a-z]{1,2}$/.test(device)) {
    throw new InvalidInputError(`${what}: "${device}" is not a disk device name like "vdb"`, {
      provider: "libvirt",
    });
  }
  const spec: DiskSpec = {
    pool: volume.pool,
    volume: volume.volume,
    format: volume.format,
    target: device ?? freeTarget(used),
  };
  const xml = diskXml(spec);
  await withFallback(
    ctx,
    dom,
    what,
    (flags) => ctx.conn.int("virDomainAttachDeviceFlags", what, dom, xml, flags),
    (domain) => insertDevice(domain, xml),
  );
  return spec.target;
}

export async function detachDisk(
  ctx: LibvirtContext,
  dom: Ptr,
  volume: VolumeRef,
  what: string,
): Promise<void> {
  const facts = parseDomainXml(await ctx.conn.text("virDomainGetXMLDesc", what, dom, 0));
  const disk = facts.disks.find((d) => d.pool === volume.pool && d.volume === volume.volume);
  if (disk === undefined || disk.target === undefined) {
    throw new NotFoundError(`${what}: the volume is not attached to node ${facts.name}`, {
      provider: "libvirt",
    });
  }
  const xml = diskXml({
    pool: volume.pool,
    volume: volume.volume,
    format: disk.format ?? "raw",
    target: disk.target,
  });
  await withFallback(
    ctx,
    dom,
    what,
    (flags) => ctx.conn.int("virDomainDetachDeviceFlags", what, dom, xml, flags),
    (domain) => removeDisk(domain, volume),
  );
}

/** Insert a device element into a domain document (libvirt's own output: one <devices> element, or none). */
export function insertDevice(domain: string, device: string): string {
  const close = domain.lastIndexOf("</devices>");
  if (close >= 0) return `${domain.slice(0, close)}${device}${domain.slice(close)}`;
  const empty = domain.search(/<devices\s*\/>/);
  if (empty >= 0) return domain.replace(/<devices\s*\/>/, `<devices>${device}</devices>`);
  const end = domain.lastIndexOf("</domain>");
  return `${domain.slice(0, end)}<devices>${device}</devices>${domain.slice(end)}`;
}

/**
 * Remove the <disk> of a pool volume from a domain document. Disk elements never nest, so each one runs to
 * the first "</disk>" after it; each is parsed to compare its source exactly (names may need escaping).
 */
export function removeDisk(domain: string, volume: VolumeRef): string {
  return domain.replace(/<disk\b[^>]*?(?:\/>|>[\s\S]*?<\/disk>)/g, (element) => {
    const disk = child(parseLibvirtXml(element, "virDomainGetXMLDesc"), "disk");
    const source = child(disk, "source");
    return attr(source, "pool") === volume.pool && attr(source, "volume") === volume.volume ? "" : element;
  });
}
