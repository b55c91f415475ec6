/**
 * Making a node: clone the image's volume into a root disk (unless the image is the diskless one), define
 * the domain from generated XML, and start it. Anything made before a failure is removed again, so a failed
 * create leaves nothing behind.
 */

import type { CreateNodeRequest } from "../../compute/driver.js";
import type { Node } from "../../compute/types.js";
import { AlreadyExistsError, InvalidInputError } from "../../core/errors.js";
import type { LibvirtContext } from "./context.js";
import { type DiskSpec, domainXml, type NetworkSpec, type OwnedVolume } from "./domain-xml.js";
import type { Ptr } from "./ffi.js";
import { DISKLESS_IMAGE, parseVolumeId } from "./ids.js";
import { domainFacts, type LibvirtNodeExtra, readNode } from "./node-read.js";
import { bytesToGiB, giBToBytes, parseVolumeXml, volumeXml } from "./storage-xml.js";

/** Per-create options of the libvirt provider (`CreateNodeOptions.extras`). */
export interface LibvirtCreateExtras {
  /** Overrides the `domainType` option for this node. */
  domainType?: string;
  arch?: string;
  machine?: string;
  emulator?: string;
  /** Attach one interface: to this libvirt network, or user-mode networking (works without privileges). */
  network?: string | { type: "user" };
  /** Start the node after defining it (default true, as clouds do). */
  start?: boolean;
  /** A short single-line title and a free description, shown by virsh and virt-manager. */
  title?: string;
  description?: string;
}

function checkExtras(extras: LibvirtCreateExtras | undefined): LibvirtCreateExtras {
  if (extras === undefined) return {};
  if (typeof extras !== "object" || extras === null) {
    throw new InvalidInputError("libvirt create extras must be an object", { provider: "libvirt" });
  }
  for (const key of ["domainType", "arch", "machine", "emulator", "title"] as const) {
    const v = extras[key];
    if (v !== undefined && (typeof v !== "string" || v === "" || /[\r\n]/.test(v))) {
      throw new InvalidInputError(`libvirt extras.${key} must be a non-empty single-line string`, {
        provider: "libvirt",
      });
    }
  }
  const n = extras.network;
  if (
    n !== undefined &&
    !(typeof n === "string" && n !== "") &&
    !(typeof n === "object" && n?.type === "user")
  ) {
    throw new InvalidInputError('libvirt extras.network must be a network name or { type: "user" }', {
      provider: "libvirt",
    });
  }
  return extras;
}

function networkSpec(network: LibvirtCreateExtras["network"]): NetworkSpec | undefined {
  if (network === undefined) return undefined;
  return typeof network === "string" ? { type: "network", network } : { type: "user" };
}

/**
 * A retried create with the same client token finds the node the first attempt made and returns it; a
 * different token on a taken name is a conflict.
 */
async function existingForToken(
  ctx: LibvirtContext,
  request: CreateNodeRequest<LibvirtCreateExtras>,
  what: string,
): Promise<Node<LibvirtNodeExtra> | undefined> {
  const existing = await ctx.conn.findDomainByName(request.name, what);
  if (existing === undefined) return undefined;
  return ctx.conn.using("domain", existing, async (dom) => {
    const facts = await domainFacts(ctx, dom, what);
    const meta = facts.metadata;
    if (meta?.clientToken === request.clientToken) {
      // As EC2 does: a token names one request; reusing it for a different one is a conflict, not a repeat.
      if (meta.size !== request.size.id || meta.image !== request.image.id) {
        throw new AlreadyExistsError(
          `${what}: client token "${request.clientToken}" was used for a node with size "${meta.size}" and image "${meta.image}"`,
          {
            provider: "libvirt",
            code: "IdempotentParameterMismatch",
            hint: "Use a new client token for a different node",
          },
        );
      }
      return readNode(ctx, dom, what);
    }
    throw new AlreadyExistsError(`A libvirt domain named "${request.name}" already exists`, {
      provider: "libvirt",
      code: "VIR_ERR_DOM_EXIST",
      hint: "Pick another name, or destroy the existing node first",
    });
  });
}

/** Clone the image volume into a new root disk in the volume pool; returns what to put in the domain. */
async function makeRootDisk(
  ctx: LibvirtContext,
  request: CreateNodeRequest<LibvirtCreateExtras>,
  what: string,
): Promise<{ disk: DiskSpec; owned: OwnedVolume }> {
  const image = parseVolumeId(request.image.id, "image");
  const pool = await ctx.volumePool(what);
  const rootName = `${request.name}-root`;
  return ctx.conn.withVolume(image.pool, image.volume, what, async (source) => {
    const facts = parseVolumeXml(await ctx.conn.text("virStorageVolGetXMLDesc", what, source, 0));
    const format = facts.format ?? "raw";
    const capacityBytes = Math.max(
      facts.capacityBytes,
      giBToBytes(request.size.diskGiB ?? bytesToGiB(facts.capacityBytes)),
    );
    const xml = volumeXml({ name: rootName, capacityBytes, format });
    await ctx.conn.withPool(pool, what, async (target) => {
      const vol = await ctx.conn.ptrCall("virStorageVolCreateXMLFrom", what, target, xml, source, 0);
      ctx.conn.lib.release("volume", vol);
    });
    return { disk: { pool, volume: rootName, format, target: "vda" }, owned: { pool, volume: rootName } };
  });
}

/** Delete volumes, best effort; returns the ids of those that could not be deleted. */
export async function deleteVolumes(
  ctx: LibvirtContext,
  volumes: OwnedVolume[],
  what: string,
): Promise<string[]> {
  const failed: string[] = [];
  for (const v of volumes) {
    try {
      await ctx.conn.withVolume(v.pool, v.volume, what, (vol) =>
        ctx.conn.int("virStorageVolDelete", what, vol, 0),
      );
    } catch {
      failed.push(`${v.pool}/${v.volume}`);
    }
  }
  return failed;
}

export async function createLibvirtNode(
  ctx: LibvirtContext,
  request: CreateNodeRequest<LibvirtCreateExtras>,
): Promise<Node<LibvirtNodeExtra>> {
  const what = `Creating node ${request.name}`;
  const extras = checkExtras(request.extras);
  if (request.location !== undefined && request.location.id !== ctx.location.id) {
    throw new InvalidInputError(`${what}: libvirt runs nodes only on ${ctx.location.id}`, {
      provider: "libvirt",
    });
  }
  const o = ctx.options;
  ctx.checkSignal(request.signal, what);
  const found = await existingForToken(ctx, request, what);
  if (found) return found;

  const disks: DiskSpec[] = [];
  const owned: OwnedVolume[] = [];
  if (request.image.id !== DISKLESS_IMAGE) {
    ctx.checkSignal(request.signal, what);
    const root = await makeRootDisk(ctx, request, what);
    disks.push(root.disk);
    owned.push(root.owned);
  }
  let dom: Ptr | undefined;
  let started = false;
  try {
    const xml = domainXml({
      name: request.name,
      type: extras.domainType ?? o.domainType ?? (ctx.conn.isTestDriver ? "test" : "kvm"),
      vcpus: request.size.vcpus,
      memoryMiB: request.size.ramMiB,
      arch: extras.arch ?? o.arch,
      machine: extras.machine ?? o.machine,
      emulator: extras.emulator ?? o.emulator,
      title: extras.title,
      description: extras.description,
      disks,
      network: networkSpec(extras.network),
      metadata: {
        size: request.size.id,
        image: request.image.id,
        clientToken: request.clientToken,
        createdAt: new Date(),
        tags: request.tags,
        ownedVolumes: owned,
      },
    });
    ctx.checkSignal(request.signal, what);
    dom = await ctx.conn.defineDomain(xml, what);
    if (extras.start !== false) await ctx.conn.int("virDomainCreate", what, dom);
    started = true;
    return await readNode(ctx, dom, what);
  } catch (err) {
    // Once made (and started), the node is the caller's, even if reading it back failed.
    if (started) throw err;
    // Roll back: nothing of a failed create may linger (a defined domain would block the name).
    if (dom !== undefined) await ctx.conn.int("virDomainUndefineFlags", what, dom, 0).catch(() => undefined);
    await deleteVolumes(ctx, owned, what);
    throw err;
  } finally {
    if (dom !== undefined) ctx.conn.lib.release("domain", dom);
  }
}
