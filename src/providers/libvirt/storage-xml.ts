/**
 * Storage volume, pool and network XML: the volume documents the driver sends, and the facts it reads back.
 */
import { buildXml } from "../../core/codec/xml-build.js";
import { ProviderError } from "../../core/errors.js";
import { attr, child, childText, parseLibvirtXml, scaledBytes } from "./xml-read.js";

const GiB = 1024 ** 3;

export function volumeXml(spec: {
  name: string;
  capacityBytes: number;
  format?: string | undefined;
}): string {
  return buildXml(
    {
      volume: {
        name: spec.name,
        capacity: { "@_unit": "bytes", "#text": spec.capacityBytes },
        target: spec.format === undefined ? undefined : { format: { "@_type": spec.format } },
      },
    },
    { declaration: false },
  );
}

export interface VolumeFacts {
  name: string;
  /** libvirt's unique key (the path, for file-backed pools). */
  key: string | undefined;
  path: string | undefined;
  capacityBytes: number;
  allocationBytes: number | undefined;
  format: string | undefined;
}

export function parseVolumeXml(xml: string): VolumeFacts {
  const doc = parseLibvirtXml(xml, "virStorageVolGetXMLDesc");
  const volume = child(doc, "volume");
  const name = childText(volume, "name");
  const capacity = scaledBytes(child(volume, "capacity"), "bytes");
  if (volume === undefined || name === undefined || capacity === undefined) {
    throw new ProviderError("libvirt returned volume XML without a name or capacity", {
      provider: "libvirt",
      bodyExcerpt: xml.slice(0, 200),
    });
  }
  const target = child(volume, "target");
  return {
    name,
    key: childText(volume, "key")?.trim(),
    path: childText(target, "path")?.trim(),
    capacityBytes: capacity,
    allocationBytes: scaledBytes(child(volume, "allocation"), "bytes"),
    format: attr(child(target, "format"), "type"),
  };
}

/** Whole GiB, rounded up: a 1.5 GiB volume does not fit in 1. */
export function bytesToGiB(bytes: number): number {
  return Math.ceil(bytes / GiB);
}

export function giBToBytes(giB: number): number {
  return giB * GiB;
}

export interface PoolFacts {
  name: string;
  type: string;
  path: string | undefined;
  capacityBytes: number | undefined;
  availableBytes: number | undefined;
}

export function parsePoolXml(xml: string): PoolFacts {
  const pool = child(parseLibvirtXml(xml, "virStoragePoolGetXMLDesc"), "pool");
  return {
    name: childText(pool, "name") ?? "",
    type: attr(pool, "type") ?? "unknown",
    path: childText(child(pool, "target"), "path")?.trim(),
    capacityBytes: scaledBytes(child(pool, "capacity"), "bytes"),
    availableBytes: scaledBytes(child(pool, "available"), "bytes"),
  };
}

/** A directory pool, for `definePool`. */
export function dirPoolXml(name: string, path: string): string {
  return buildXml({ pool: { "@_type": "dir", name, target: { path } } }, { declaration: false });
}

export interface NetworkFacts {
  name: string;
  bridge: string | undefined;
  /** "nat", "route", "open", "bridge", … ; undefined for an isolated network. */
  forward: string | undefined;
  /** The host's address on the network with its prefix, e.g. "192.168.122.1/24". */
  cidr: string | undefined;
}

export function parseNetworkXml(xml: string): NetworkFacts {
  const net = child(parseLibvirtXml(xml, "virNetworkGetXMLDesc"), "network");
  const ip = child(net, "ip");
  const address = attr(ip, "address");
  const prefix = attr(ip, "prefix") ?? netmaskPrefix(attr(ip, "netmask"));
  return {
    name: childText(net, "name") ?? "",
    bridge: attr(child(net, "bridge"), "name"),
    forward: attr(child(net, "forward"), "mode") ?? (child(net, "forward") ? "nat" : undefined),
    cidr: address === undefined ? undefined : prefix === undefined ? address : `${address}/${prefix}`,
  };
}

function netmaskPrefix(mask: string | undefined): string | undefined {
  if (mask === undefined) return undefined;
  const bits = mask
    .split(".")
    .map((o) => Number(o).toString(2))
    .join("")
    .replace(/0/g, "");
  return String(bits.length);
}
