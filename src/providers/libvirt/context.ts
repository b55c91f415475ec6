/**
 * What every part of the libvirt driver shares: the connection, the checked options, and the storage pools
 * in use (found on first need, since a connection without a storage driver has none and needs none for
 * diskless nodes).
 */

import { UnsupportedOperationError } from "../../compute/errors.js";
import type { Location } from "../../compute/types.js";
import { InvalidInputError, isOmnicloudError, NotFoundError } from "../../core/errors.js";
import { abortedBy } from "../../core/sleep.js";
import type { LibvirtConnection } from "./connection.js";
import { checkSizes, DEFAULT_SIZES, type LibvirtSize } from "./sizes.js";

export interface LibvirtOptions {
  /**
   * The connection URI, e.g. "qemu:///session", "qemu:///session?socket=/run/…/libvirt-sock",
   * "test:///default" (in-process, no daemon). Default "qemu:///session": never the system daemon
   * unless asked for by name.
   */
  uri?: string;
  /** The libvirt client library to load (default "libvirt.so.0"). */
  library?: string;
  /** Replaces the built-in size table. */
  sizes?: readonly LibvirtSize[];
  /**
   * The storage pool for volumes, snapshots and the root disks of nodes made from disk images. Default:
   * a pool named "default", else "default-pool" (the test driver's), else the first pool.
   */
  pool?: string;
  /** The pool holding disk images (boot volumes to clone). Default: the same as `pool`. */
  imagePool?: string;
  /** Format of new volumes (default "raw"; "qcow2" needs qemu-img on the host for real pools). */
  volumeFormat?: "raw" | "qcow2";
  /** Domain type for new nodes (default "test" on the test driver, else "kvm"). */
  domainType?: string;
  /** Guest architecture (default "x86_64"). */
  arch?: string;
  /** Machine type, e.g. "pc" or "q35" (default: the hypervisor's). */
  machine?: string;
  /** Path of the emulator binary (default: the one libvirt's capabilities name). */
  emulator?: string;
  /** First waiter poll interval (default 250 ms: libvirt answers locally). */
  pollIntervalMs?: number;
}

export interface ResolvedOptions {
  uri: string;
  library: string;
  sizes: readonly LibvirtSize[];
  pool: string | undefined;
  imagePool: string | undefined;
  volumeFormat: "raw" | "qcow2";
  domainType: string | undefined;
  arch: string;
  machine: string | undefined;
  emulator: string | undefined;
  pollIntervalMs: number;
}

function optionalText(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "" || /[\r\n\0]/.test(value)) {
    throw new InvalidInputError(`libvirt option ${name} must be a non-empty single-line string`, {
      provider: "libvirt",
    });
  }
  return value;
}

export function resolveOptions(options: LibvirtOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("libvirt options must be an object", { provider: "libvirt" });
  }
  const format = options.volumeFormat ?? "raw";
  if (format !== "raw" && format !== "qcow2") {
    throw new InvalidInputError(
      `libvirt volumeFormat must be "raw" or "qcow2", not ${JSON.stringify(format)}`,
      {
        provider: "libvirt",
      },
    );
  }
  const poll = options.pollIntervalMs ?? 250;
  if (!(Number.isFinite(poll) && poll >= 0)) {
    throw new InvalidInputError(`libvirt pollIntervalMs must be 0 or more, not ${poll}`, {
      provider: "libvirt",
    });
  }
  return {
    uri: optionalText("uri", options.uri) ?? "qemu:///session",
    library: optionalText("library", options.library) ?? "libvirt.so.0",
    sizes: options.sizes === undefined ? DEFAULT_SIZES : checkSizes(options.sizes),
    pool: optionalText("pool", options.pool),
    imagePool: optionalText("imagePool", options.imagePool),
    volumeFormat: format,
    domainType: optionalText("domainType", options.domainType),
    arch: optionalText("arch", options.arch) ?? "x86_64",
    machine: optionalText("machine", options.machine),
    emulator: optionalText("emulator", options.emulator),
    pollIntervalMs: poll,
  };
}

export class LibvirtContext {
  private volumePoolName: string | undefined;

  constructor(
    readonly conn: LibvirtConnection,
    readonly options: ResolvedOptions,
  ) {}

  /** The one location: the host this connection runs guests on. */
  get location(): Location {
    return { provider: "libvirt", id: this.conn.hostname, name: this.conn.hostname };
  }

  checkSignal(signal: AbortSignal | undefined, what: string): void {
    if (signal?.aborted) throw abortedBy(signal, what);
  }

  /** The pool for volumes and root disks: as configured, else found as `LibvirtOptions.pool` describes. */
  async volumePool(what: string): Promise<string> {
    if (this.options.pool !== undefined) return this.options.pool;
    if (this.volumePoolName !== undefined) return this.volumePoolName;
    const names = await this.poolNames(what);
    const found = ["default", "default-pool"].find((n) => names.includes(n)) ?? names[0];
    if (found === undefined) {
      throw new NotFoundError(`${what}: the libvirt connection ${this.conn.uri} has no storage pool`, {
        provider: "libvirt",
        hint: 'Define one (virsh pool-define-as, or definePool through compute.as("libvirt")) or pass the pool option',
      });
    }
    this.volumePoolName = found;
    return found;
  }

  /**
   * The pool for disk images, or undefined when none is configured and none can be found (a connection
   * without storage still lists the built-in diskless image).
   */
  async imagePool(what: string): Promise<string | undefined> {
    if (this.options.imagePool !== undefined) return this.options.imagePool;
    try {
      return await this.volumePool(what);
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof UnsupportedOperationError) return undefined;
      throw err;
    }
  }

  async poolNames(what: string): Promise<string[]> {
    const pools = await this.conn.listPools(what);
    return this.conn.each("pool", pools, async (p) => this.conn.lib.poolName(p));
  }

  /** True when `err` says the connection has no storage driver at all. */
  static noStorage(err: unknown): boolean {
    return (
      err instanceof UnsupportedOperationError || (isOmnicloudError(err) && err.code === "VIR_ERR_NO_SUPPORT")
    );
  }
}
