/**
 * libvirt has no catalogue of machine sizes: a domain states its vCPUs and memory. This small table gives
 * the portable API names to create with; `sizes` in the options replaces it.
 */

import type { Size } from "../../compute/types.js";
import { InvalidInputError } from "../../core/errors.js";

export interface LibvirtSize {
  id: string;
  vcpus: number;
  ramMiB: number;
  /** Capacity of the root disk made from a disk image (it grows to at least the image's size). */
  diskGiB: number;
}

export const DEFAULT_SIZES: readonly LibvirtSize[] = [
  { id: "nano", vcpus: 1, ramMiB: 128, diskGiB: 1 },
  { id: "micro", vcpus: 1, ramMiB: 512, diskGiB: 5 },
  { id: "small", vcpus: 1, ramMiB: 1024, diskGiB: 10 },
  { id: "medium", vcpus: 2, ramMiB: 2048, diskGiB: 20 },
  { id: "large", vcpus: 2, ramMiB: 4096, diskGiB: 40 },
  { id: "xlarge", vcpus: 4, ramMiB: 8192, diskGiB: 80 },
];

/** Checks a caller's table once, at open, so a typo fails there and not at the first create. */
export function checkSizes(sizes: readonly LibvirtSize[]): readonly LibvirtSize[] {
  if (!Array.isArray(sizes) || sizes.length === 0) {
    throw new InvalidInputError("libvirt sizes must be a non-empty list of { id, vcpus, ramMiB, diskGiB }");
  }
  const seen = new Set<string>();
  for (const s of sizes) {
    const whole = (n: unknown, max: number): boolean =>
      Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= max;
    if (typeof s?.id !== "string" || s.id === "" || seen.has(s.id)) {
      throw new InvalidInputError(
        `libvirt size ids must be unique non-empty strings (got ${JSON.stringify(s?.id)})`,
      );
    }
    if (!whole(s.vcpus, 4096) || !whole(s.ramMiB, 16 * 1024 * 1024) || !whole(s.diskGiB, 65_536)) {
      throw new InvalidInputError(
        `libvirt size "${s.id}" needs whole-number vcpus, ramMiB and diskGiB of at least 1`,
      );
    }
    seen.add(s.id);
  }
  return sizes;
}

export function toSize(s: LibvirtSize): Size {
  // No price: a local hypervisor bills nobody, and 0 would claim a price that was never published.
  return { provider: "libvirt", id: s.id, name: s.id, vcpus: s.vcpus, ramMiB: s.ramMiB, diskGiB: s.diskGiB };
}
