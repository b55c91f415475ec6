/**
 * EC2's response elements (as the API model names them: `instancesSet/item`, `tagSet/item`, …) read into
 * the portable model. EC2 has no names for instances, volumes and snapshots: the "Name" tag is the name,
 * as in the AWS console, and it is kept out of `tags` so tags round-trip as the caller gave them.
 */
import type { Image, KeyPair, Location, Node, Snapshot, Volume } from "../../compute/types.js";
import type { DocReader } from "../../core/codec/read.js";
import { mapImageState, mapInstanceState, mapSnapshotState, mapVolumeState } from "./ec2-states.js";

/** The tag holding the console's name of an instance, volume, snapshot or image. */
export const NAME_TAG = "Name";

/** What EC2 says about an instance beyond the portable Node. */
export interface Ec2NodeExtra {
  instanceType: string;
  reservationId: string | undefined;
  availabilityZone: string | undefined;
  keyName: string | undefined;
  launchTime: Date | undefined;
  architecture: string | undefined;
  platform: string | undefined;
  vpcId: string | undefined;
  subnetId: string | undefined;
  privateDnsName: string | undefined;
  publicDnsName: string | undefined;
  securityGroups: { id: string; name: string | undefined }[];
  rootDeviceType: string | undefined;
  /** The token of the create that made it: repeating that create returns this instance. */
  clientToken: string | undefined;
  /** Why it is in its state ("Client.UserInitiatedShutdown: …"), when EC2 says. */
  stateReason: string | undefined;
  /** Volumes attached to it: device name to volume id. */
  blockDevices: Record<string, string>;
}

/** What EC2 says about a volume beyond the portable Volume. */
export interface Ec2VolumeExtra {
  volumeType: string | undefined;
  snapshotId: string | undefined;
  encrypted: boolean | undefined;
  iops: number | undefined;
  tags: Record<string, string>;
}

/**
 * The items of a list element (`<instancesSet><item>…</item></instancesSet>`). Tolerates the list element
 * itself repeated, as some recorded answers have it, by reading each repeat's items in order.
 */
export function itemsOf(doc: DocReader, listElement: string): DocReader[] {
  return doc.list(listElement).flatMap((set) => set.list("item"));
}

/** `tagSet/item` as a record; a repeated key keeps its last value (EC2 never sends two). */
export function tagsOf(doc: DocReader): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of itemsOf(doc, "tagSet")) tags[item.str("key")] = item.optStr("value") ?? "";
  return tags;
}

/** The tags without the Name tag, and the name (or `fallback` when untagged). */
export function splitName(
  tags: Record<string, string>,
  fallback: string,
): { name: string; tags: Record<string, string> } {
  const { [NAME_TAG]: name, ...rest } = tags;
  return { name: name === undefined || name === "" ? fallback : name, tags: rest };
}

/** Empty elements (`<dnsName/>`) parse as "": treat them as absent. */
function text(doc: DocReader, path: string): string | undefined {
  const value = doc.optStr(path)?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** A time, or undefined for an absent or empty element (recorded answers have `<creationDate/>`). */
function time(doc: DocReader, path: string): Date | undefined {
  return text(doc, path) === undefined ? undefined : doc.optDate(path);
}

export function parseInstance(
  item: DocReader,
  provider: string,
  reservation: { reservationId?: string | undefined } = {},
): Node<Ec2NodeExtra> {
  const id = item.str("instanceId");
  const { name, tags } = splitName(tagsOf(item), id);
  const providerState = item.str("instanceState.name");
  const publicIps = [text(item, "ipAddress")].filter((v): v is string => v !== undefined);
  const privateIps = [text(item, "privateIpAddress")].filter((v): v is string => v !== undefined);
  // IPv6 addresses live on the network interfaces; they are public addresses (EC2 has no IPv6 NAT).
  for (const nic of itemsOf(item, "networkInterfaceSet")) {
    for (const v6 of itemsOf(nic, "ipv6AddressesSet")) {
      const address = text(v6, "ipv6Address");
      if (address !== undefined && !publicIps.includes(address)) publicIps.push(address);
    }
    for (const addr of itemsOf(nic, "privateIpAddressesSet")) {
      const address = text(addr, "privateIpAddress");
      if (address !== undefined && !privateIps.includes(address)) privateIps.push(address);
    }
  }
  const blockDevices: Record<string, string> = {};
  for (const mapping of itemsOf(item, "blockDeviceMapping")) {
    const device = text(mapping, "deviceName");
    const volume = text(mapping, "ebs.volumeId");
    if (device !== undefined && volume !== undefined) blockDevices[device] = volume;
  }
  const zone = text(item, "placement.availabilityZone");
  const launchTime = time(item, "launchTime");
  return {
    provider,
    id,
    name,
    state: mapInstanceState(providerState),
    providerState,
    publicIps,
    privateIps,
    sizeId: text(item, "instanceType"),
    imageId: text(item, "imageId"),
    locationId: zone,
    createdAt: launchTime,
    tags,
    extra: {
      instanceType: item.str("instanceType"),
      reservationId: reservation.reservationId,
      availabilityZone: zone,
      keyName: text(item, "keyName"),
      launchTime,
      architecture: text(item, "architecture"),
      platform: text(item, "platform"),
      vpcId: text(item, "vpcId"),
      subnetId: text(item, "subnetId"),
      privateDnsName: text(item, "privateDnsName"),
      publicDnsName: text(item, "dnsName"),
      securityGroups: itemsOf(item, "groupSet").map((g) => ({
        id: g.str("groupId"),
        name: text(g, "groupName"),
      })),
      rootDeviceType: text(item, "rootDeviceType"),
      clientToken: text(item, "clientToken"),
      stateReason: text(item, "stateReason.message"),
      blockDevices,
    },
  };
}

/** Every instance of a `reservationSet` (DescribeInstances) in order. */
export function instancesOfReservations(doc: DocReader, provider: string): Node<Ec2NodeExtra>[] {
  return itemsOf(doc, "reservationSet").flatMap((reservation) => {
    const reservationId = text(reservation, "reservationId");
    return itemsOf(reservation, "instancesSet").map((i) => parseInstance(i, provider, { reservationId }));
  });
}

export function parseImage(item: DocReader, provider: string): Image {
  const id = item.str("imageId");
  const tags = tagsOf(item);
  const rootDevice = text(item, "rootDeviceName");
  // The root volume's size is the smallest disk a node from this image can have.
  const root = itemsOf(item, "blockDeviceMapping").find((m) => text(m, "deviceName") === rootDevice);
  return {
    provider,
    id,
    name: text(item, "name") ?? tags[NAME_TAG] ?? id,
    status: mapImageState(item.optStr("imageState") ?? ""),
    os: text(item, "platformDetails") ?? text(item, "platform") ?? undefined,
    minDiskGiB: root?.optInt("ebs.volumeSize"),
    createdAt: time(item, "creationDate"),
    public: item.optBool("isPublic"),
  };
}

export function parseVolume(item: DocReader, provider: string): Volume<Ec2VolumeExtra> {
  const id = item.str("volumeId");
  const { name, tags } = splitName(tagsOf(item), id);
  // An attachment on its way out ("detaching", "detached") no longer ties the volume to the node.
  const attachment = itemsOf(item, "attachmentSet").find((a) => {
    const status = text(a, "status");
    return status === "attached" || status === "attaching";
  });
  return {
    provider,
    id,
    name,
    sizeGiB: item.int("size"),
    state: mapVolumeState(item.optStr("status") ?? ""),
    attachedTo: attachment ? text(attachment, "instanceId") : undefined,
    device: attachment ? text(attachment, "device") : undefined,
    locationId: text(item, "availabilityZone"),
    createdAt: time(item, "createTime"),
    extra: {
      volumeType: text(item, "volumeType"),
      snapshotId: text(item, "snapshotId"),
      encrypted: item.optBool("encrypted"),
      iops: item.optInt("iops"),
      tags,
    },
  };
}

export function parseSnapshot(item: DocReader, provider: string): Snapshot {
  const id = item.str("snapshotId");
  const tags = tagsOf(item);
  return {
    provider,
    id,
    name: tags[NAME_TAG] || text(item, "description") || id,
    volumeId: text(item, "volumeId"),
    sizeGiB: item.optInt("volumeSize"),
    state: mapSnapshotState(item.optStr("status") ?? ""),
    createdAt: time(item, "startTime"),
  };
}

export function parseKeyPair(item: DocReader, provider: string): KeyPair {
  const name = item.str("keyName");
  return {
    provider,
    name,
    id: text(item, "keyPairId") ?? name,
    // Fingerprints come pretty-printed across lines in some answers.
    fingerprint: text(item, "keyFingerprint")?.replace(/\s+/g, ""),
    publicKey: text(item, "publicKey"),
  };
}

export function parseZone(item: DocReader, provider: string): Location {
  const name = item.str("zoneName");
  return { provider, id: name, name };
}
