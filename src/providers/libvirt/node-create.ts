/**
 * Making a node: clone the image's volume into a root disk (unless the image is the diskless one), define
 * the domain from generated XML, and start it. Anything made before a failure is removed again, so a failed
 * create leaves nothing behind.
 */

import type { CreateNodeRequest } from "../../compute/driver.js";
import type { Node } from "../../compute/types.js";
import { AlreadyExistsError, InvalidInputError } from "../../core/errors.js";
import type { LibvirtContext } from "./context.js";
import {
  type DiskSpec,
  domainXml,
  type FileDiskSpec,
  type KernelBootSpec,
  type NetworkSpec,
  needsOwnNetdev,
  type OwnedVolume,
  type PortForwardSpec,
} from "./domain-xml.js";
import type { Ptr } from "./ffi.js";
import { DISKLESS_IMAGE, parseVolumeId } from "./ids.js";
import { domainFacts, type LibvirtNodeExtra, readNode } from "./node-read.js";
import { bytesToGiB, giBToBytes, parseVolumeXml, volumeXml } from "./storage-xml.js";

/** A host port forwarded to a port of the guest, over user-mode networking. */
export interface LibvirtPortForward {
  /** Default "tcp". */
  proto?: "tcp" | "udp";
  /**
   * The IPv4 address on the host to listen on. Default "127.0.0.1": a forwarded port is reachable from this
   * machine only, unless a wider address is asked for.
   */
  hostAddress?: string;
  hostPort: number;
  guestPort: number;
}

/** User-mode networking: needs no privileges, no bridge and no change to the host's network. */
export interface LibvirtUserNetwork {
  type: "user";
  /** Host ports forwarded into the guest, e.g. 127.0.0.1:2222 to the guest's sshd (QEMU and KVM only). */
  portForwards?: readonly LibvirtPortForward[];
  /**
   * Cut the guest off from the host and the outside; only the forwarded ports reach it (QEMU's
   * restrict=on). Default false: the guest can open connections out, as with libvirt's user networking.
   */
  isolated?: boolean;
}

/** Direct kernel boot: the hypervisor loads these host files, so the disk needs no bootloader. */
export interface LibvirtKernelBoot {
  /** Absolute path of the kernel on the libvirt host. */
  kernel: string;
  /** Absolute path of the initramfs on the libvirt host. */
  initrd?: string;
  /** The kernel command line, e.g. "root=/dev/vda rw console=ttyS0". */
  cmdline?: string;
}

/** A file on the libvirt host attached as a disk. The node does not own it: destroying the node keeps it. */
export interface LibvirtDiskFile {
  /** Absolute path on the libvirt host. */
  path: string;
  /** Default "raw". */
  format?: "raw" | "qcow2";
  readOnly?: boolean;
}

/** Per-create options of the libvirt provider (`CreateNodeOptions.extras`). */
export interface LibvirtCreateExtras {
  /** Overrides the `domainType` option for this node. */
  domainType?: string;
  arch?: string;
  machine?: string;
  emulator?: string;
  /** Attach one interface: to this libvirt network, or user-mode networking (works without privileges). */
  network?: string | LibvirtUserNetwork;
  /** Boot a kernel directly instead of from the disk (e.g. a disk image that is one bare filesystem). */
  kernelBoot?: LibvirtKernelBoot;
  /** Host files attached as disks after the image's root disk: vda, vdb, … in order. */
  diskFiles?: readonly LibvirtDiskFile[];
  /** A host file the guest's first serial port (ttyS0) is written to: its boot log, for diagnosis. */
  serialLogFile?: string;
  /** Start the node after defining it (default true, as clouds do). */
  start?: boolean;
  /** A short single-line title and a free description, shown by virsh and virt-manager. */
  title?: string;
  description?: string;
}

/** Up to 16 file disks: vda to vdp leaves room for attached volumes, whose names stay in vd[a-z]. */
const MAX_DISK_FILES = 16;

function invalid(message: string): InvalidInputError {
  return new InvalidInputError(message, { provider: "libvirt" });
}

/** C0 controls and DEL: never part of a path or a command line, and a newline would end one early. */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A path on the libvirt host: absolute, and without control characters (which no sane path has). */
function checkHostPath(name: string, value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || hasControlCharacters(value)) {
    throw invalid(`libvirt extras.${name} must be an absolute path without control characters`);
  }
  return value;
}

function checkPort(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    throw invalid(`libvirt extras.${name} must be a port number from 1 to 65535, not ${String(value)}`);
  }
  return value as number;
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function checkForwards(forwards: readonly LibvirtPortForward[] | undefined): PortForwardSpec[] {
  if (forwards === undefined) return [];
  if (!Array.isArray(forwards)) throw invalid("libvirt extras.network.portForwards must be a list");
  const seen = new Set<string>();
  return forwards.map((f, i) => {
    const at = `network.portForwards[${i}]`;
    if (typeof f !== "object" || f === null) throw invalid(`libvirt extras.${at} must be an object`);
    const proto = f.proto ?? "tcp";
    if (proto !== "tcp" && proto !== "udp") {
      throw invalid(`libvirt extras.${at}.proto must be "tcp" or "udp"`);
    }
    const hostAddress = f.hostAddress ?? "127.0.0.1";
    if (typeof hostAddress !== "string" || !IPV4.test(hostAddress)) {
      throw invalid(`libvirt extras.${at}.hostAddress must be an IPv4 address such as "127.0.0.1"`);
    }
    const spec: PortForwardSpec = {
      proto,
      hostAddress,
      hostPort: checkPort(`${at}.hostPort`, f.hostPort),
      guestPort: checkPort(`${at}.guestPort`, f.guestPort),
    };
    const key = `${proto}/${spec.hostPort}`;
    if (seen.has(key)) {
      throw invalid(`libvirt extras.network.portForwards: host port ${key} is forwarded twice`);
    }
    seen.add(key);
    return spec;
  });
}

function checkExtras(extras: LibvirtCreateExtras | undefined): LibvirtCreateExtras {
  if (extras === undefined) return {};
  if (typeof extras !== "object" || extras === null) throw invalid("libvirt create extras must be an object");
  for (const key of ["domainType", "arch", "machine", "emulator", "title"] as const) {
    const v = extras[key];
    if (v !== undefined && (typeof v !== "string" || v === "" || /[\r\n]/.test(v))) {
      throw invalid(`libvirt extras.${key} must be a non-empty single-line string`);
    }
  }
  const n = extras.network;
  if (
    n !== undefined &&
    !(typeof n === "string" && n !== "") &&
    !(typeof n === "object" && n?.type === "user")
  ) {
    throw invalid('libvirt extras.network must be a network name or { type: "user" }');
  }
  if (typeof n === "object") checkForwards(n.portForwards);
  const k = extras.kernelBoot;
  if (k !== undefined) {
    if (typeof k !== "object" || k === null) throw invalid("libvirt extras.kernelBoot must be an object");
    checkHostPath("kernelBoot.kernel", k.kernel);
    if (k.initrd !== undefined) checkHostPath("kernelBoot.initrd", k.initrd);
    if (k.cmdline !== undefined && (typeof k.cmdline !== "string" || hasControlCharacters(k.cmdline))) {
      throw invalid("libvirt extras.kernelBoot.cmdline must be one line without control characters");
    }
  }
  const files = extras.diskFiles;
  if (files !== undefined) {
    if (!Array.isArray(files) || files.length > MAX_DISK_FILES) {
      throw invalid(`libvirt extras.diskFiles must be a list of at most ${MAX_DISK_FILES} files`);
    }
    files.forEach((f, i) => {
      if (typeof f !== "object" || f === null) {
        throw invalid(`libvirt extras.diskFiles[${i}] must be an object`);
      }
      checkHostPath(`diskFiles[${i}].path`, f.path);
      if (f.format !== undefined && f.format !== "raw" && f.format !== "qcow2") {
        throw invalid(`libvirt extras.diskFiles[${i}].format must be "raw" or "qcow2"`);
      }
    });
  }
  if (extras.serialLogFile !== undefined) checkHostPath("serialLogFile", extras.serialLogFile);
  return extras;
}

function networkSpec(network: LibvirtCreateExtras["network"]): NetworkSpec | undefined {
  if (network === undefined) return undefined;
  if (typeof network === "string") return { type: "network", network };
  return {
    type: "user",
    portForwards: checkForwards(network.portForwards),
    isolated: network.isolated === true,
  };
}

/** "vda", "vdb", … for the disks in order (the root disk from an image, if any, is first). */
function fileDiskSpecs(files: readonly LibvirtDiskFile[] | undefined, first: number): FileDiskSpec[] {
  return (files ?? []).map((f, i) => ({
    file: f.path,
    format: f.format ?? "raw",
    target: `vd${String.fromCharCode("a".charCodeAt(0) + first + i)}`,
    readOnly: f.readOnly === true,
  }));
}

function kernelBootSpec(k: LibvirtKernelBoot | undefined): KernelBootSpec | undefined {
  return k === undefined ? undefined : { kernel: k.kernel, initrd: k.initrd, cmdline: k.cmdline };
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
  const network = networkSpec(extras.network);
  const type = extras.domainType ?? o.domainType ?? (ctx.conn.isTestDriver ? "test" : "kvm");
  // Forwards and isolation are QEMU options (see domain-xml.ts): another hypervisor would drop them silently.
  if (needsOwnNetdev(network) && type !== "kvm" && type !== "qemu") {
    throw invalid(
      `${what}: port forwards and isolated user networking need a "kvm" or "qemu" domain, not "${type}"`,
    );
  }
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
      type,
      vcpus: request.size.vcpus,
      memoryMiB: request.size.ramMiB,
      arch: extras.arch ?? o.arch,
      machine: extras.machine ?? o.machine,
      emulator: extras.emulator ?? o.emulator,
      title: extras.title,
      description: extras.description,
      disks,
      fileDisks: fileDiskSpecs(extras.diskFiles, disks.length),
      kernelBoot: kernelBootSpec(extras.kernelBoot),
      serialLogFile: extras.serialLogFile,
      network,
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
