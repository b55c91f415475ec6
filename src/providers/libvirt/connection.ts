/**
 * One libvirt connection (virConnectPtr) and the object handles it hands out. Every handle is freed in a
 * `finally`, and nothing is called on a closed connection (libvirt would read freed memory).
 */
import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import type { Arg, CallName, LibvirtLibrary, Ptr } from "./ffi.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Kind = "domain" | "pool" | "volume" | "network";

export class LibvirtConnection {
  private closed = false;

  private constructor(
    readonly lib: LibvirtLibrary,
    private readonly ptr: Ptr,
    readonly uri: string,
    /** The hypervisor driver's name as libvirt reports it: "TEST", "QEMU", … */
    readonly type: string,
    readonly hostname: string,
  ) {}

  static async open(lib: LibvirtLibrary, uri: string): Promise<LibvirtConnection> {
    const what = `Connecting to ${uri}`;
    const ptr = await lib.ptr("virConnectOpen", what, uri);
    try {
      const type = await lib.constText("virConnectGetType", what, ptr);
      const hostname = await lib.text("virConnectGetHostname", what, ptr);
      return new LibvirtConnection(lib, ptr, uri, type, hostname);
    } catch (err) {
      await lib.int("virConnectClose", what, ptr).catch(() => undefined);
      throw err;
    }
  }

  get isTestDriver(): boolean {
    return this.type.toUpperCase() === "TEST";
  }

  private live(): Ptr {
    if (this.closed) throw new InvalidInputError(`The libvirt connection to ${this.uri} is closed`);
    return this.ptr;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lib.int("virConnectClose", `Closing ${this.uri}`, this.ptr);
  }

  // Thin typed calls on this connection's objects. `what` describes the operation for error messages.
  int(name: CallName, what: string, ...args: Arg[]): Promise<number> {
    this.live();
    return this.lib.int(name, what, ...args);
  }

  text(name: CallName, what: string, ...args: Arg[]): Promise<string> {
    this.live();
    return this.lib.text(name, what, ...args);
  }

  ptrCall(name: CallName, what: string, ...args: Arg[]): Promise<Ptr> {
    this.live();
    return this.lib.ptr(name, what, ...args);
  }

  /** Run `fn` with a handle, freeing it afterwards whatever happens. */
  async using<T>(kind: Kind, handle: Ptr, fn: (p: Ptr) => Promise<T>): Promise<T> {
    try {
      return await fn(handle);
    } finally {
      this.lib.release(kind, handle);
    }
  }

  /** Run `fn` over each handle of a list, freeing all of them (even those `fn` never reached). */
  async each<T>(kind: Kind, handles: Ptr[], fn: (p: Ptr) => Promise<T>): Promise<T[]> {
    const out: T[] = [];
    try {
      for (const h of handles) out.push(await fn(h));
      return out;
    } finally {
      for (const h of handles) this.lib.release(kind, h);
    }
  }

  // ---- domains ----

  listDomains(what: string): Promise<Ptr[]> {
    return this.lib.list("virConnectListAllDomains", what, [this.live()], [0]);
  }

  /** A domain by UUID (the node id) or, failing that shape, by name. */
  lookupDomain(id: string, what: string): Promise<Ptr> {
    const conn = this.live();
    return UUID.test(id)
      ? this.lib.ptr("virDomainLookupByUUIDString", what, conn, id)
      : this.lib.ptr("virDomainLookupByName", what, conn, id);
  }

  async withDomain<T>(id: string, what: string, fn: (dom: Ptr) => Promise<T>): Promise<T> {
    return this.using("domain", await this.lookupDomain(id, what), fn);
  }

  /** The domain with this name, or undefined (any other failure is thrown). */
  async findDomainByName(name: string, what: string): Promise<Ptr | undefined> {
    try {
      return await this.lib.ptr("virDomainLookupByName", what, this.live(), name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Define (or redefine) a persistent domain from XML; the handle is the caller's to free. */
  defineDomain(xml: string, what: string): Promise<Ptr> {
    return this.lib.ptr("virDomainDefineXML", what, this.live(), xml);
  }

  // ---- storage ----

  definePool(xml: string, what: string): Promise<Ptr> {
    return this.lib.ptr("virStoragePoolDefineXML", what, this.live(), xml, 0);
  }

  listPools(what: string): Promise<Ptr[]> {
    return this.lib.list("virConnectListAllStoragePools", what, [this.live()], [0]);
  }

  async withPool<T>(name: string, what: string, fn: (pool: Ptr) => Promise<T>): Promise<T> {
    const pool = await this.lib.ptr("virStoragePoolLookupByName", what, this.live(), name);
    return this.using("pool", pool, fn);
  }

  listVolumes(pool: Ptr, what: string): Promise<Ptr[]> {
    this.live();
    return this.lib.list("virStoragePoolListAllVolumes", what, [pool], [0]);
  }

  async withVolume<T>(
    pool: string,
    volume: string,
    what: string,
    fn: (vol: Ptr, pool: Ptr) => Promise<T>,
  ): Promise<T> {
    return this.withPool(pool, what, async (p) => {
      const vol = await this.lib.ptr("virStorageVolLookupByName", what, p, volume);
      return this.using("volume", vol, (v) => fn(v, p));
    });
  }

  // ---- networks ----

  listNetworks(what: string): Promise<Ptr[]> {
    return this.lib.list("virConnectListAllNetworks", what, [this.live()], [0]);
  }
}
