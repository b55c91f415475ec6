/**
 * Domain XML for new nodes. Built through core's XML writer, which escapes every name, tag and path (and
 * refuses characters XML cannot carry), so a node called `a<b & "c"` is a name, not markup.
 *
 * omnicloud's own facts about a node (the size and image it was made from, its tags, the client token of
 * its create, the volumes made for it) live in the domain's <metadata> under our namespace, so they survive
 * daemon restarts and are read back by any omnicloud process.
 *
 * Port forwards on user-mode networking: libvirt can only express them with the passt backend, which not
 * every libvirt build accepts (Debian 12's 9.0.0 refuses `<backend type="passt"/>`). So the forwarding is
 * done by QEMU's own user-mode stack: libvirt keeps its <interface> (so it still places the NIC on the PCI
 * bus, gives it a MAC and can hot-plug around it), and a <qemu:override> points that NIC at a netdev of ours
 * added with <qemu:commandline> that carries the `hostfwd` rules. libvirt marks such a domain "tainted"
 * (custom-argv) in its log; it runs as any other.
 */
import { buildXml } from "../../core/codec/xml-build.js";
import type { XmlInputObject } from "../../core/codec/xml-shape.js";

export const METADATA_NS = "https://omnicloud.dev/xmlns/libvirt-node/1";
export const METADATA_PREFIX = "omnicloud";

/** A volume the driver made for this node (its root disk), deleted with it. */
export interface OwnedVolume {
  pool: string;
  volume: string;
}

export interface NodeMetadata {
  size: string;
  image: string;
  clientToken: string;
  createdAt: Date;
  tags: Record<string, string>;
  ownedVolumes: OwnedVolume[];
}

export interface DiskSpec {
  pool: string;
  volume: string;
  /** The volume's format ("raw", "qcow2"), for the hypervisor's driver element. */
  format: string;
  /** Guest device name, e.g. "vda". */
  target: string;
}

/** A host port forwarded to a guest port over user-mode networking. */
export interface PortForwardSpec {
  proto: "tcp" | "udp";
  /** The host address QEMU listens on (IPv4). */
  hostAddress: string;
  hostPort: number;
  guestPort: number;
}

export type NetworkSpec =
  | { type: "network"; network: string }
  | {
      type: "user";
      portForwards?: readonly PortForwardSpec[] | undefined;
      /** QEMU's restrict=on: the guest reaches neither the host nor the outside, only forwards reach it. */
      isolated?: boolean | undefined;
    };

/** A host file attached as a disk. Not owned: destroying the node leaves the file where it is. */
export interface FileDiskSpec {
  file: string;
  format: "raw" | "qcow2";
  /** Guest device name, e.g. "vda". */
  target: string;
  readOnly: boolean;
}

/** Direct kernel boot: the hypervisor loads kernel and initrd from host files, so the disk needs no bootloader. */
export interface KernelBootSpec {
  kernel: string;
  initrd?: string | undefined;
  cmdline?: string | undefined;
}

/** The namespace libvirt reads <qemu:commandline> and <qemu:override> from. */
export const QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";
/** Our netdev's id, and the user alias ("ua-" is libvirt's prefix for caller-chosen aliases) of its NIC. */
export const FORWARD_NETDEV_ID = "omnicloud-net0";
const FORWARD_NIC_ALIAS = `ua-${FORWARD_NETDEV_ID}`;

export interface DomainSpec {
  name: string;
  /** libvirt's domain type: "kvm", "qemu", "test", … */
  type: string;
  vcpus: number;
  memoryMiB: number;
  arch: string;
  machine?: string | undefined;
  emulator?: string | undefined;
  title?: string | undefined;
  description?: string | undefined;
  disks: DiskSpec[];
  /** Host files attached after `disks`. */
  fileDisks?: FileDiskSpec[] | undefined;
  kernelBoot?: KernelBootSpec | undefined;
  /** A host file the guest's first serial port (ttyS0) is written to. */
  serialLogFile?: string | undefined;
  network?: NetworkSpec | undefined;
  metadata: NodeMetadata;
}

const M = (name: string): string => `${METADATA_PREFIX}:${name}`;

export function metadataElement(meta: NodeMetadata): XmlInputObject {
  return {
    [`@_xmlns:${METADATA_PREFIX}`]: METADATA_NS,
    [M("size")]: meta.size,
    [M("image")]: meta.image,
    [M("client-token")]: meta.clientToken,
    [M("created")]: meta.createdAt.toISOString(),
    [M("tag")]: Object.entries(meta.tags).map(([key, value]) => ({ "@_key": key, "#text": value })),
    [M("volume")]: meta.ownedVolumes.map((v) => ({ "@_pool": v.pool, "@_name": v.volume })),
  };
}

export function diskElement(disk: DiskSpec): XmlInputObject {
  // The driver element tells QEMU the format; other hypervisors (test) ignore what they do not use.
  return {
    "@_type": "volume",
    "@_device": "disk",
    driver: { "@_name": "qemu", "@_type": disk.format },
    source: { "@_pool": disk.pool, "@_volume": disk.volume },
    target: { "@_dev": disk.target, "@_bus": "virtio" },
  };
}

/** The <disk> element alone, as attach and detach calls take it. */
export function diskXml(disk: DiskSpec): string {
  return buildXml({ disk: diskElement(disk) }, { declaration: false });
}

export function fileDiskElement(disk: FileDiskSpec): XmlInputObject {
  return {
    "@_type": "file",
    "@_device": "disk",
    driver: { "@_name": "qemu", "@_type": disk.format },
    source: { "@_file": disk.file },
    target: { "@_dev": disk.target, "@_bus": "virtio" },
    readonly: disk.readOnly ? "" : undefined,
  };
}

/** True when the user network needs our own QEMU netdev (libvirt's own has no forwards and no restrict). */
export function needsOwnNetdev(network: NetworkSpec | undefined): boolean {
  return network?.type === "user" && ((network.portForwards?.length ?? 0) > 0 || network.isolated === true);
}

function interfaceElement(network: NetworkSpec): XmlInputObject {
  if (network.type === "network") {
    return { "@_type": "network", source: { "@_network": network.network }, model: { "@_type": "virtio" } };
  }
  return {
    "@_type": "user",
    model: { "@_type": "virtio" },
    alias: needsOwnNetdev(network) ? { "@_name": FORWARD_NIC_ALIAS } : undefined,
  };
}

/**
 * QEMU's -netdev option text for the forwarding netdev. QEMU splits options at "," and reads ",," as a
 * literal comma; the parts are checked numbers and IPv4 addresses, so the doubling is a second safeguard.
 */
export function forwardNetdevOption(forwards: readonly PortForwardSpec[], isolated: boolean): string {
  const q = (v: string | number): string => String(v).replaceAll(",", ",,");
  const parts = [`user`, `id=${FORWARD_NETDEV_ID}`];
  if (isolated) parts.push("restrict=on");
  for (const f of forwards) {
    parts.push(`hostfwd=${q(f.proto)}:${q(f.hostAddress)}:${q(f.hostPort)}-:${q(f.guestPort)}`);
  }
  return parts.join(",");
}

function osElement(spec: DomainSpec): XmlInputObject {
  const type = { "@_arch": spec.arch, "@_machine": spec.machine, "#text": "hvm" };
  const k = spec.kernelBoot;
  // With a kernel given, the firmware boots it directly and the boot order has nothing to pick from.
  if (k === undefined) return { type, boot: { "@_dev": "hd" } };
  return { type, kernel: k.kernel, initrd: k.initrd, cmdline: k.cmdline };
}

/** <qemu:commandline> and <qemu:override> for our forwarding netdev; none when libvirt's own netdev will do. */
function qemuElements(network: NetworkSpec | undefined): Record<string, XmlInputObject> {
  if (network?.type !== "user" || !needsOwnNetdev(network)) return {};
  return {
    "qemu:commandline": {
      "qemu:arg": [
        { "@_value": "-netdev" },
        { "@_value": forwardNetdevOption(network.portForwards ?? [], network.isolated === true) },
      ],
    },
    "qemu:override": {
      "qemu:device": {
        "@_alias": FORWARD_NIC_ALIAS,
        "qemu:frontend": {
          "qemu:property": { "@_name": "netdev", "@_type": "string", "@_value": FORWARD_NETDEV_ID },
        },
      },
    },
  };
}

export function domainXml(spec: DomainSpec): string {
  const devices: Record<string, XmlInputObject | XmlInputObject[] | string> = {};
  if (spec.emulator !== undefined) devices.emulator = spec.emulator;
  devices.disk = [...spec.disks.map(diskElement), ...(spec.fileDisks ?? []).map(fileDiskElement)];
  if (spec.network) devices.interface = interfaceElement(spec.network);
  if (spec.serialLogFile !== undefined) {
    devices.serial = { "@_type": "file", source: { "@_path": spec.serialLogFile }, target: { "@_port": 0 } };
  }
  const qemu = qemuElements(spec.network);
  return buildXml(
    {
      domain: {
        "@_type": spec.type,
        "@_xmlns:qemu": Object.keys(qemu).length > 0 ? QEMU_NS : undefined,
        name: spec.name,
        title: spec.title,
        description: spec.description,
        metadata: { [M("node")]: metadataElement(spec.metadata) },
        memory: { "@_unit": "MiB", "#text": spec.memoryMiB },
        vcpu: spec.vcpus,
        os: osElement(spec),
        // ACPI lets a graceful shutdown or reboot request reach the guest OS.
        features: { acpi: "", apic: "" },
        devices,
        ...qemu,
      },
    },
    { declaration: false },
  );
}
