/**
 * DigitalOcean's JSON objects (droplet, size, image, region, ssh_key, volume, snapshot) read into the
 * portable compute model through DocReader, so a missing or mistyped field fails naming the field.
 *
 * Tags: DigitalOcean tags are plain names of letters, digits, ":", "-" and "_". A portable tag
 * `{ env: "prod" }` is the DigitalOcean tag "env:prod", and `{ blue: "" }` the tag "blue".
 */
import type { NodeState } from "../../compute/states.js";
import type {
  Image,
  ImageStatus,
  KeyPair,
  Location,
  Node,
  Size,
  Snapshot,
  Volume,
} from "../../compute/types.js";
import type { DocReader } from "../../core/codec/read.js";

/** Tags the driver adds to carry a create's client token; never shown as the node's tags. */
export const TOKEN_TAG_PREFIX = "omnicloud-token:";

const STATES: Readonly<Record<string, NodeState>> = {
  new: "pending",
  active: "running",
  off: "stopped",
  // An archived droplet is gone for good; its record stays for billing.
  archive: "terminated",
};

export function mapDropletStatus(status: string): NodeState {
  return STATES[status] ?? "unknown";
}

/** What DigitalOcean says about a droplet beyond the portable Node. */
export interface DigitalOceanNodeExtra {
  /** True while an action runs on it; other actions are refused meanwhile. */
  locked: boolean;
  vcpus: number | undefined;
  memoryMiB: number | undefined;
  diskGiB: number | undefined;
  features: string[];
  volumeIds: string[];
  backupIds: string[];
  snapshotIds: string[];
  imageSlug: string | undefined;
  vpcUuid: string | undefined;
  /** The tags exactly as DigitalOcean keeps them. */
  rawTags: string[];
}

/** A size with both of DigitalOcean's prices (the portable `price` is the hourly one). */
export interface DigitalOceanSize extends Size {
  priceMonthly: number | undefined;
  priceHourly: number | undefined;
  regions: string[];
  available: boolean;
  description: string | undefined;
}

/** A volume's DigitalOcean facts. */
export interface DigitalOceanVolumeExtra {
  dropletIds: string[];
  description: string | undefined;
  filesystemType: string | undefined;
  tags: string[];
}

export function tagsToRecord(tags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags) {
    if (tag.startsWith(TOKEN_TAG_PREFIX)) continue;
    const at = tag.indexOf(":");
    if (at < 0) out[tag] = "";
    else out[tag.slice(0, at)] = tag.slice(at + 1);
  }
  return out;
}

export function recordToTags(tags: Readonly<Record<string, string>>): string[] {
  return Object.entries(tags).map(([k, v]) => (v === "" ? k : `${k}:${v}`));
}

function ids(doc: DocReader, path: string): string[] {
  return doc.list(path).map((item) => item.id([]));
}

function text(doc: DocReader, path: string): string | undefined {
  const value = doc.optStr(path);
  return value === undefined || value === "" ? undefined : value;
}

/** A region is an object in most answers and a bare slug in some (actions, older recordings). */
function regionSlug(doc: DocReader, path: string): string | undefined {
  const region = doc.optAt(path);
  if (region === undefined) return undefined;
  return typeof region.value === "string" ? region.value : text(region, "slug");
}

export function parseDroplet(doc: DocReader, provider: string): Node<DigitalOceanNodeExtra> {
  const status = doc.str("status");
  const rawTags = doc.strings("tags");
  const publicIps: string[] = [];
  const privateIps: string[] = [];
  for (const family of ["v4", "v6"]) {
    for (const net of doc.list(`networks.${family}`)) {
      const ip = net.str("ip_address");
      (net.optStr("type") === "private" ? privateIps : publicIps).push(ip);
    }
  }
  return {
    provider,
    id: doc.id("id"),
    name: doc.str("name"),
    state: mapDropletStatus(status),
    providerState: status,
    publicIps,
    privateIps,
    sizeId: text(doc, "size_slug") ?? text(doc, "size.slug"),
    imageId: doc.optId("image.id"),
    locationId: regionSlug(doc, "region"),
    createdAt: doc.optDate("created_at"),
    tags: tagsToRecord(rawTags),
    extra: {
      locked: doc.optBool("locked") ?? false,
      vcpus: doc.optInt("vcpus"),
      memoryMiB: doc.optInt("memory"),
      diskGiB: doc.optInt("disk"),
      features: doc.strings("features"),
      volumeIds: ids(doc, "volume_ids"),
      backupIds: ids(doc, "backup_ids"),
      snapshotIds: ids(doc, "snapshot_ids"),
      imageSlug: text(doc, "image.slug"),
      vpcUuid: text(doc, "vpc_uuid"),
      rawTags,
    },
  };
}

export function parseSize(doc: DocReader, provider: string): DigitalOceanSize {
  const slug = doc.str("slug");
  const hourly = doc.optNum("price_hourly");
  const transferTiB = doc.optNum("transfer");
  return {
    provider,
    id: slug,
    name: slug,
    vcpus: doc.int("vcpus"),
    ramMiB: doc.int("memory"),
    diskGiB: doc.optInt("disk"),
    // DigitalOcean states the included transfer in TB (binary, as its pricing pages count it).
    transferGiB: transferTiB === undefined ? undefined : Math.round(transferTiB * 1024),
    price: hourly === undefined ? undefined : { amount: hourly, currency: "USD", per: "hour" },
    priceMonthly: doc.optNum("price_monthly"),
    priceHourly: hourly,
    regions: doc.strings("regions"),
    // Older answers have no "available": sizes were all available then.
    available: doc.optBool("available") ?? true,
    description: text(doc, "description"),
  };
}

const IMAGE_STATUS: Readonly<Record<string, ImageStatus>> = {
  NEW: "pending",
  pending: "pending",
  available: "available",
  deleted: "error",
  retired: "error",
};

export function parseImage(doc: DocReader, provider: string): Image {
  const name = doc.str("name");
  const slug = text(doc, "slug");
  const distribution = text(doc, "distribution");
  const status = text(doc, "status");
  const sizeGiB = doc.optNum("size_gigabytes");
  return {
    provider,
    id: doc.id("id"),
    // Public images are known by their slug ("ubuntu-24-04-x64"); private ones by their name.
    name: slug ?? name,
    // Answers before custom images had no status: every listed image was usable.
    status: status === undefined ? "available" : (IMAGE_STATUS[status] ?? "unknown"),
    os: distribution === undefined ? undefined : `${distribution} ${name}`,
    sizeBytes: sizeGiB === undefined ? undefined : Math.round(sizeGiB * 1024 ** 3),
    minDiskGiB: doc.optInt("min_disk_size"),
    createdAt: doc.optDate("created_at"),
    locationId: doc.strings("regions")[0],
    public: doc.optBool("public"),
  };
}

/** The country of each datacenter, by the city part of the slug. */
const COUNTRIES: Readonly<Record<string, string>> = {
  nyc: "US",
  sfo: "US",
  atl: "US",
  ric: "US",
  ams: "NL",
  sgp: "SG",
  lon: "GB",
  fra: "DE",
  tor: "CA",
  blr: "IN",
  syd: "AU",
};

export function parseRegion(doc: DocReader, provider: string): Location {
  const slug = doc.str("slug");
  return { provider, id: slug, name: doc.str("name"), country: COUNTRIES[slug.replace(/\d+$/, "")] };
}

export function parseSshKey(doc: DocReader, provider: string): KeyPair {
  return {
    provider,
    name: doc.str("name"),
    id: doc.id("id"),
    fingerprint: text(doc, "fingerprint"),
    publicKey: text(doc, "public_key"),
  };
}

export function parseVolume(doc: DocReader, provider: string): Volume<DigitalOceanVolumeExtra> {
  const dropletIds = ids(doc, "droplet_ids");
  const [attachedTo] = dropletIds;
  return {
    provider,
    id: doc.str("id"),
    name: doc.str("name"),
    sizeGiB: doc.int("size_gigabytes"),
    // DigitalOcean has no volume status: a volume exists once created, and is in use while attached.
    state: attachedTo === undefined ? "available" : "in-use",
    attachedTo,
    locationId: regionSlug(doc, "region"),
    createdAt: doc.optDate("created_at"),
    extra: {
      dropletIds,
      description: text(doc, "description"),
      filesystemType: text(doc, "filesystem_type"),
      tags: doc.strings("tags"),
    },
  };
}

export function parseSnapshot(doc: DocReader, provider: string): Snapshot {
  return {
    provider,
    id: doc.id("id"),
    name: doc.str("name"),
    volumeId: doc.optId("resource_id"),
    sizeGiB: doc.optInt("min_disk_size"),
    state: "available",
    createdAt: doc.optDate("created_at"),
  };
}
