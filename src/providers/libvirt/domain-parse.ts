/**
 * Reading what the driver needs from a domain's XML (virDomainGetXMLDesc): identity, resources, disks,
 * interfaces, and omnicloud's metadata if the node was made by omnicloud.
 */
import { ProviderError } from "../../core/errors.js";
import {
  FORWARD_NETDEV_ID,
  METADATA_NS,
  type NodeMetadata,
  type OwnedVolume,
  type PortForwardSpec,
  QEMU_NS,
} from "./domain-xml.js";
import {
  attr,
  child,
  children,
  childText,
  parseLibvirtXml,
  scaledBytes,
  text,
  type XmlObject,
} from "./xml-read.js";

export interface DiskFact {
  /** "disk", "cdrom", "floppy", "lun". */
  device: string;
  /** Guest device name, e.g. "vda". */
  target: string | undefined;
  pool: string | undefined;
  volume: string | undefined;
  /** For file-backed disks. */
  file: string | undefined;
  format: string | undefined;
}

export interface InterfaceFact {
  type: string;
  network: string | undefined;
  mac: string | undefined;
}

export interface DomainFacts {
  name: string;
  uuid: string;
  type: string;
  memoryMiB: number | undefined;
  vcpus: number | undefined;
  title: string | undefined;
  disks: DiskFact[];
  interfaces: InterfaceFact[];
  /** Host ports forwarded to the guest by the user-mode netdev omnicloud adds (see domain-xml.ts). */
  portForwards: PortForwardSpec[];
  /** Absent for domains not made by omnicloud. */
  metadata: NodeMetadata | undefined;
}

export function parseDomainXml(xml: string): DomainFacts {
  const doc = parseLibvirtXml(xml, "virDomainGetXMLDesc");
  const domain = child(doc, "domain");
  const name = childText(domain, "name");
  const uuid = childText(domain, "uuid")?.trim();
  if (domain === undefined || name === undefined || uuid === undefined) {
    throw new ProviderError("libvirt returned domain XML without a name or uuid", {
      provider: "libvirt",
      bodyExcerpt: xml.slice(0, 200),
    });
  }
  const memory = scaledBytes(child(domain, "memory"), "KiB");
  const vcpus = Number.parseInt(childText(domain, "vcpu")?.trim() ?? "", 10);
  const devices = child(domain, "devices");
  return {
    name,
    uuid,
    type: attr(domain, "type") ?? "unknown",
    memoryMiB: memory === undefined ? undefined : Math.round(memory / 1024 ** 2),
    vcpus: Number.isSafeInteger(vcpus) ? vcpus : undefined,
    title: childText(domain, "title"),
    disks: children(devices, "disk").map(readDisk),
    interfaces: children(devices, "interface").map((i) => ({
      type: attr(i, "type") ?? "unknown",
      network: attr(child(i, "source"), "network"),
      mac: attr(child(i, "mac"), "address"),
    })),
    portForwards: readPortForwards(domain),
    metadata: readMetadata(child(domain, "metadata")),
  };
}

/** Splits a QEMU option string at single commas; ",," is a literal comma. */
function splitQemuOptions(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "," && text[i + 1] === ",") {
      current += ",";
      i++;
    } else if (c === ",") {
      parts.push(current);
      current = "";
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

const HOSTFWD = /^(tcp|udp):([^:]*):(\d+)-[^:]*:(\d+)$/;

/**
 * The hostfwd rules of our netdev, read from the <qemu:commandline> arguments. The element is found by the
 * namespace its prefix is bound to on <domain>, as libvirt may write any prefix for it.
 */
function readPortForwards(domain: XmlObject): PortForwardSpec[] {
  const prefix = Object.keys(domain)
    .filter((k) => k.startsWith("@_xmlns:") && domain[k] === QEMU_NS)
    .map((k) => k.slice("@_xmlns:".length))[0];
  if (prefix === undefined) return [];
  const args = children(domain, `${prefix}:commandline`).flatMap((c) =>
    children(c, `${prefix}:arg`).map((a) => attr(a, "value") ?? ""),
  );
  const forwards: PortForwardSpec[] = [];
  for (let i = 0; i + 1 < args.length; i++) {
    if (args[i] !== "-netdev") continue;
    const options = splitQemuOptions(args[i + 1]!);
    if (options[0] !== "user" || !options.includes(`id=${FORWARD_NETDEV_ID}`)) continue;
    for (const option of options) {
      if (!option.startsWith("hostfwd=")) continue;
      const m = HOSTFWD.exec(option.slice("hostfwd=".length));
      if (m === null) continue;
      forwards.push({
        proto: m[1] as "tcp" | "udp",
        // QEMU listens on every address when none is given.
        hostAddress: m[2] === "" ? "0.0.0.0" : m[2]!,
        hostPort: Number(m[3]),
        guestPort: Number(m[4]),
      });
    }
  }
  return forwards;
}

function readDisk(disk: XmlObject): DiskFact {
  const source = child(disk, "source");
  return {
    device: attr(disk, "device") ?? "disk",
    target: attr(child(disk, "target"), "dev"),
    pool: attr(source, "pool"),
    volume: attr(source, "volume"),
    file: attr(source, "file"),
    format: attr(child(disk, "driver"), "type"),
  };
}

/**
 * Our metadata element, found by namespace rather than by prefix: the prefix is whatever the writer chose,
 * the namespace is what identifies it.
 */
function readMetadata(metadata: XmlObject | undefined): NodeMetadata | undefined {
  if (metadata === undefined) return undefined;
  for (const key of Object.keys(metadata)) {
    const colon = key.indexOf(":");
    if (colon < 0 || key.slice(colon + 1) !== "node") continue;
    const prefix = key.slice(0, colon);
    for (const node of children(metadata, key)) {
      if (attr(node, `xmlns:${prefix}`) !== METADATA_NS) continue;
      const p = (name: string): string => `${prefix}:${name}`;
      const created = new Date(childText(node, p("created"))?.trim() ?? "");
      const tags: Record<string, string> = {};
      for (const tag of children(node, p("tag"))) {
        const k = attr(tag, "key");
        if (k !== undefined) tags[k] = text(tag) ?? "";
      }
      const ownedVolumes: OwnedVolume[] = [];
      for (const v of children(node, p("volume"))) {
        const pool = attr(v, "pool");
        const volume = attr(v, "name");
        if (pool !== undefined && volume !== undefined) ownedVolumes.push({ pool, volume });
      }
      return {
        size: childText(node, p("size")) ?? "",
        image: childText(node, p("image")) ?? "",
        clientToken: childText(node, p("client-token")) ?? "",
        createdAt: created,
        tags,
        ownedVolumes,
      };
    }
  }
  return undefined;
}
