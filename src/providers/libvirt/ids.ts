/**
 * How libvirt objects appear as portable ids. Nodes are domain UUIDs. Volumes and disk images are
 * "pool/volume" (libvirt refuses "/" in pool names, so the first "/" splits). Snapshots are volumes named
 * "volume@snapshot" (libvirt has no volume snapshot API; see volumes.ts), so "@" is kept out of the names
 * of volumes made through omnicloud.
 */
import { InvalidInputError } from "../../core/errors.js";

/** The built-in image: a machine with no disk, which boots its firmware (SeaBIOS) and nothing else. */
export const DISKLESS_IMAGE = "diskless";
export const SNAPSHOT_MARK = "@";

export interface VolumeRef {
  pool: string;
  volume: string;
}

export function volumeId(ref: VolumeRef): string {
  return `${ref.pool}/${ref.volume}`;
}

export function parseVolumeId(id: string, what: "volume" | "image" | "snapshot"): VolumeRef {
  const slash = id.indexOf("/");
  const ref = { pool: id.slice(0, slash), volume: id.slice(slash + 1) };
  if (slash <= 0 || ref.volume === "" || ref.volume.includes("/")) {
    throw new InvalidInputError(`"${id}" is not a libvirt ${what} id`, {
      provider: "libvirt",
      hint: `libvirt ${what} ids are "pool/volume", as list${what === "volume" ? "Volumes" : what === "image" ? "Images" : "Snapshots"}() returns them`,
    });
  }
  return ref;
}

/** Volume, image and snapshot names made through omnicloud: file names in a pool, without our separators. */
export function checkVolumeName(name: string, what: string): string {
  if (name.includes("/") || name.includes(SNAPSHOT_MARK) || name === "." || name === "..") {
    throw new InvalidInputError(`The ${what} name "${name}" is not valid for libvirt`, {
      provider: "libvirt",
      hint: `A ${what} name may not contain "/" or "${SNAPSHOT_MARK}", nor be "." or ".."`,
    });
  }
  return name;
}

export function snapshotVolumeName(volume: string, snapshot: string): string {
  return `${volume}${SNAPSHOT_MARK}${snapshot}`;
}

/** The volume and snapshot names inside a snapshot volume's name, or undefined for plain volumes. */
export function splitSnapshotName(name: string): { volume: string; snapshot: string } | undefined {
  const at = name.lastIndexOf(SNAPSHOT_MARK);
  if (at <= 0 || at === name.length - 1) return undefined;
  return { volume: name.slice(0, at), snapshot: name.slice(at + 1) };
}
