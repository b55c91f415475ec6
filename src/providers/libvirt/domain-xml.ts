/**
 * Domain XML for new nodes. Built through core's XML writer, which escapes every name, tag and path (and
 * refuses characters XML cannot carry), so a node called `a<b & "c"` is a name, not markup.
 *
 * omnicloud's own facts about a node (the size and image it was made from, its tags, the client token of
 * its create, the volumes made for it) live in the domain's <metadata> under our namespace, so they survive
 * daemon restarts and are read back by any omnicloud process.
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

export type NetworkSpec = { type: "network"; network: string } | { type: "user" };

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

function interfaceElement(network: NetworkSpec): XmlInputObject {
  return network.type === "user"
    ? { "@_type": "user", model: { "@_type": "virtio" } }
    : { "@_type": "network", source: { "@_network": network.network }, model: { "@_type": "virtio" } };
}

export function domainXml(spec: DomainSpec): string {
  const devices: Record<string, XmlInputObject | XmlInputObject[] | string> = {};
  if (spec.emulator !== undefined) devices.emulator = spec.emulator;
  devices.disk = spec.disks.map(diskElement);
  if (spec.network) devices.interface = interfaceElement(spec.network);
  return buildXml(
    {
      domain: {
        "@_type": spec.type,
        name: spec.name,
        title: spec.title,
        description: spec.description,
        metadata: { [M("node")]: metadataElement(spec.metadata) },
        memory: { "@_unit": "MiB", "#text": spec.memoryMiB },
        vcpu: spec.vcpus,
        os: {
          type: { "@_arch": spec.arch, "@_machine": spec.machine, "#text": "hvm" },
          boot: { "@_dev": "hd" },
        },
        // ACPI lets a graceful shutdown or reboot request reach the guest OS.
        features: { acpi: "", apic: "" },
        devices,
      },
    },
    { declaration: false },
  );
}
