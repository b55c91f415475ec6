/**
 * libvirt's C API through koffi: the prototypes we call, how failures are captured, and how memory libvirt
 * hands us is decoded and freed.
 *
 * Every call that can fail runs through `call()`, which uses koffi's async form (a worker thread), so a
 * slow call (starting or destroying a KVM guest takes seconds) never blocks the event loop; calls are made
 * one at a time per process, which is what makes error capture exact (see `ErrorSlot`). Calls that cannot
 * fail and return at once (the *Free functions, name getters) run synchronously.
 */
import koffi, { type LibraryHandle } from "koffi";
import { ProviderError } from "../../core/errors.js";
import { type LibvirtErrorInfo, libvirtError } from "./errors.js";

/** An opaque libvirt object (virConnectPtr, virDomainPtr, …): koffi 3 gives pointers as bigints. */
export type Ptr = bigint;

// The functions used, as C prototypes (from libvirt's public headers). Caller-owned `char *` results are
// declared `void *` so koffi hands back the pointer, which we decode and then free(); `const char *`
// results belong to libvirt and are declared as strings. List outputs are `_Out_ void **`.
const PROTOTYPES = {
  virConnectOpen: "void *virConnectOpen(const char *name)",
  virConnectClose: "int virConnectClose(void *conn)",
  virConnectGetType: "const char *virConnectGetType(void *conn)",
  virConnectGetHostname: "void *virConnectGetHostname(void *conn)",
  virConnectListAllDomains:
    "int virConnectListAllDomains(void *conn, _Out_ void **domains, unsigned int flags)",
  virDomainLookupByUUIDString: "void *virDomainLookupByUUIDString(void *conn, const char *uuid)",
  virDomainLookupByName: "void *virDomainLookupByName(void *conn, const char *name)",
  virDomainDefineXML: "void *virDomainDefineXML(void *conn, const char *xml)",
  virDomainCreate: "int virDomainCreate(void *dom)",
  virDomainShutdown: "int virDomainShutdown(void *dom)",
  virDomainDestroy: "int virDomainDestroy(void *dom)",
  virDomainReboot: "int virDomainReboot(void *dom, unsigned int flags)",
  virDomainReset: "int virDomainReset(void *dom, unsigned int flags)",
  virDomainUndefineFlags: "int virDomainUndefineFlags(void *dom, unsigned int flags)",
  virDomainIsPersistent: "int virDomainIsPersistent(void *dom)",
  virDomainGetState:
    "int virDomainGetState(void *dom, _Out_ int *state, _Out_ int *reason, unsigned int flags)",
  virDomainGetXMLDesc: "void *virDomainGetXMLDesc(void *dom, unsigned int flags)",
  virDomainInterfaceAddresses:
    "int virDomainInterfaceAddresses(void *dom, _Out_ void **ifaces, unsigned int source, unsigned int flags)",
  virDomainAttachDeviceFlags:
    "int virDomainAttachDeviceFlags(void *dom, const char *xml, unsigned int flags)",
  virDomainDetachDeviceFlags:
    "int virDomainDetachDeviceFlags(void *dom, const char *xml, unsigned int flags)",
  virConnectListAllStoragePools:
    "int virConnectListAllStoragePools(void *conn, _Out_ void **pools, unsigned int flags)",
  virStoragePoolLookupByName: "void *virStoragePoolLookupByName(void *conn, const char *name)",
  virStoragePoolDefineXML: "void *virStoragePoolDefineXML(void *conn, const char *xml, unsigned int flags)",
  virStoragePoolCreate: "int virStoragePoolCreate(void *pool, unsigned int flags)",
  virStoragePoolIsActive: "int virStoragePoolIsActive(void *pool)",
  virStoragePoolGetXMLDesc: "void *virStoragePoolGetXMLDesc(void *pool, unsigned int flags)",
  virStoragePoolListAllVolumes:
    "int virStoragePoolListAllVolumes(void *pool, _Out_ void **vols, unsigned int flags)",
  virStorageVolLookupByName: "void *virStorageVolLookupByName(void *pool, const char *name)",
  virStorageVolCreateXML: "void *virStorageVolCreateXML(void *pool, const char *xml, unsigned int flags)",
  virStorageVolCreateXMLFrom:
    "void *virStorageVolCreateXMLFrom(void *pool, const char *xml, void *clonevol, unsigned int flags)",
  virStorageVolGetXMLDesc: "void *virStorageVolGetXMLDesc(void *vol, unsigned int flags)",
  virStorageVolDelete: "int virStorageVolDelete(void *vol, unsigned int flags)",
  virConnectListAllNetworks:
    "int virConnectListAllNetworks(void *conn, _Out_ void **nets, unsigned int flags)",
  virNetworkGetXMLDesc: "void *virNetworkGetXMLDesc(void *net, unsigned int flags)",
  virNetworkIsActive: "int virNetworkIsActive(void *net)",
} as const;

/** Functions that return at once and cannot fail in practice: called synchronously. */
const SYNC_PROTOTYPES = {
  free: "void free(void *ptr)",
  virDomainFree: "int virDomainFree(void *dom)",
  virStoragePoolFree: "int virStoragePoolFree(void *pool)",
  virStorageVolFree: "int virStorageVolFree(void *vol)",
  virNetworkFree: "int virNetworkFree(void *net)",
  virDomainInterfaceFree: "void virDomainInterfaceFree(void *iface)",
  virStoragePoolGetName: "const char *virStoragePoolGetName(void *pool)",
} as const;

export type CallName = keyof typeof PROTOTYPES;
type SyncName = keyof typeof SYNC_PROTOTYPES;
/** What JS passes for C arguments: pointers, strings, numbers, and one-element arrays for `_Out_` slots. */
export type Arg = Ptr | string | number | null | (Ptr | number | null)[];

interface NativeFunction {
  (...args: Arg[]): unknown;
  async: (...args: [...Arg[], (err: unknown, result: unknown) => void]) => void;
}

const IP_ADDRESS = koffi.struct({
  type: "int",
  addr: "char *",
  prefix: "unsigned int",
});
const INTERFACE = koffi.struct({
  name: "char *",
  hwaddr: "char *",
  naddrs: "unsigned int",
  addrs: "void *",
});
// virError as virterror.h lays it out; the deprecated pointer members still take their space. The types
// are anonymous: koffi's named types live as long as the process, and a module evaluated twice (test
// runners, two copies of omnicloud) would otherwise redefine them.
const VIR_ERROR = koffi.struct({
  code: "int",
  domain: "int",
  message: "char *",
  level: "int",
  conn: "void *",
  dom: "void *",
  str1: "char *",
  str2: "char *",
  str3: "char *",
  int1: "int",
  int2: "int",
  net: "void *",
});
// virErrorFunc: void (*)(void *userData, virErrorPtr error).
const ERROR_FUNC = koffi.proto("void", ["void *", "void *"]);

export interface InterfaceAddresses {
  name: string;
  hwaddr: string | undefined;
  addresses: { type: number; addr: string; prefix: number }[];
}

/**
 * Where the error handler puts libvirt's error for the call in flight. libvirt keeps its "last error"
 * per thread, and async calls run on koffi's worker threads, so virGetLastError() on the main thread
 * would not see it; the handler libvirt calls on every failure does (koffi runs it on the main thread
 * while the worker waits). With one call in flight at a time, the error in the slot is that call's.
 */
interface ErrorSlot {
  error: LibvirtErrorInfo | undefined;
}

export class LibvirtLibrary {
  private readonly fns: Record<CallName, NativeFunction>;
  private readonly sync: Record<SyncName, NativeFunction>;
  private readonly slot: ErrorSlot = { error: undefined };
  /** The tail of the one-at-a-time queue. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    let lib: LibraryHandle;
    let libc: LibraryHandle;
    try {
      lib = koffi.load(path);
      libc = koffi.load("libc.so.6");
    } catch (err) {
      throw new ProviderError(`Cannot load ${path}: ${err instanceof Error ? err.message : String(err)}`, {
        provider: "libvirt",
        cause: err,
        hint: "Install the libvirt client library (Debian: apt-get install libvirt0)",
      });
    }
    const fns: Partial<Record<CallName, NativeFunction>> = {};
    for (const [name, proto] of Object.entries(PROTOTYPES))
      fns[name as CallName] = lib.func(proto) as NativeFunction;
    this.fns = fns as Record<CallName, NativeFunction>;
    const sync: Partial<Record<SyncName, NativeFunction>> = {};
    for (const [name, proto] of Object.entries(SYNC_PROTOTYPES)) {
      sync[name as SyncName] = (name === "free" ? libc : lib).func(proto) as NativeFunction;
    }
    this.sync = sync as Record<SyncName, NativeFunction>;

    // Replacing libvirt's default handler also stops it printing every error on stderr.
    const slot = this.slot;
    const handler = koffi.register((_userData: unknown, error: unknown) => {
      if (error === null) return;
      const e = koffi.decode(error, VIR_ERROR) as { code: number; domain: number; message: string | null };
      slot.error = { code: e.code, domain: e.domain, message: e.message ?? "" };
    }, koffi.pointer(ERROR_FUNC));
    (lib.func("int virInitialize(void)") as NativeFunction)();
    (lib.func("virSetErrorFunc", "void", ["void *", koffi.pointer(ERROR_FUNC)]) as NativeFunction)(
      null,
      handler as unknown as Ptr,
    );
  }

  /**
   * Call `name` on a worker thread, after any call already in flight. A negative int or NULL result
   * becomes the typed error for libvirt's report, described as `what` ("starting node web-1").
   */
  call(name: CallName, what: string, ...args: Arg[]): Promise<unknown> {
    const run = (): Promise<unknown> =>
      new Promise((resolve, reject) => {
        this.slot.error = undefined;
        this.fns[name].async(...args, (err: unknown, result: unknown) => {
          const reported = this.slot.error;
          this.slot.error = undefined;
          if (err) {
            reject(
              new ProviderError(`${what}: ${name} could not be called`, { provider: "libvirt", cause: err }),
            );
          } else if (result === null || (typeof result === "number" && result < 0)) {
            reject(libvirtError(what, name, reported));
          } else {
            resolve(result);
          }
        });
      });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** As `call`, for functions returning an int (0 or more on success). */
  async int(name: CallName, what: string, ...args: Arg[]): Promise<number> {
    return (await this.call(name, what, ...args)) as number;
  }

  /** As `call`, for functions returning a new object pointer, which the caller must free. */
  async ptr(name: CallName, what: string, ...args: Arg[]): Promise<Ptr> {
    return (await this.call(name, what, ...args)) as Ptr;
  }

  /** As `call`, for functions returning a `char *` the caller owns: decoded, then freed. */
  async text(name: CallName, what: string, ...args: Arg[]): Promise<string> {
    const p = await this.ptr(name, what, ...args);
    try {
      return koffi.decode(p, "char", -1) as string;
    } finally {
      this.sync.free(p);
    }
  }

  /** As `call`, for functions returning a `const char *` that libvirt keeps. */
  async constText(name: CallName, what: string, ...args: Arg[]): Promise<string> {
    return (await this.call(name, what, ...args)) as string;
  }

  /**
   * For list functions (`int f(head..., _Out_ void ***list, tail...)`): the pointers of the returned
   * array, whose array itself is freed here; each element is the caller's to free.
   */
  async list(name: CallName, what: string, head: Arg[], tail: Arg[]): Promise<Ptr[]> {
    const out: (Ptr | null)[] = [null];
    const n = await this.int(name, what, ...head, out, ...tail);
    const array = out[0];
    if (array === null || array === undefined) return [];
    try {
      return n === 0 ? [] : (koffi.decode(array, "void *", n) as Ptr[]);
    } finally {
      this.sync.free(array);
    }
  }

  /** virDomainGetState's two outputs. */
  async domainState(dom: Ptr, what: string): Promise<{ state: number; reason: number }> {
    const state: number[] = [0];
    const reason: number[] = [0];
    await this.int("virDomainGetState", what, dom, state, reason, 0);
    return { state: state[0] ?? 0, reason: reason[0] ?? 0 };
  }

  /** virDomainInterfaceAddresses, decoded into plain objects, with libvirt's structs freed. */
  async interfaceAddresses(dom: Ptr, source: number, what: string): Promise<InterfaceAddresses[]> {
    const ifaces = await this.list("virDomainInterfaceAddresses", what, [dom], [source, 0]);
    const out: InterfaceAddresses[] = [];
    let failure: unknown;
    // Every element is freed, even after one failed to decode.
    for (const p of ifaces) {
      try {
        out.push(decodeInterface(p));
      } catch (err) {
        failure ??= err;
      } finally {
        this.sync.virDomainInterfaceFree(p);
      }
    }
    if (failure !== undefined) throw failure;
    return out;
  }

  /** Release a libvirt object reference (never fails in a way we could act on). */
  release(kind: "domain" | "pool" | "volume" | "network", p: Ptr): void {
    const fn = {
      domain: this.sync.virDomainFree,
      pool: this.sync.virStoragePoolFree,
      volume: this.sync.virStorageVolFree,
      network: this.sync.virNetworkFree,
    }[kind];
    fn(p);
  }

  poolName(pool: Ptr): string {
    return this.sync.virStoragePoolGetName(pool) as string;
  }
}

/**
 * One library per process, kept on globalThis: error capture relies on one queue of calls, which must hold
 * even when this module is evaluated twice (test runners, two copies of omnicloud in one program).
 */
const LOADED = Symbol.for("omnicloud.libvirt.library");
type Holder = { [LOADED]?: { path: string; library: LibvirtLibrary } };

/** The library, loaded on first use. */
export function libvirtLibrary(path = "libvirt.so.0"): LibvirtLibrary {
  const holder = globalThis as Holder;
  const loaded = holder[LOADED];
  if (loaded === undefined) {
    const library = new LibvirtLibrary(path);
    holder[LOADED] = { path, library };
    return library;
  }
  if (loaded.path !== path) {
    throw new ProviderError(
      `libvirt is already loaded from ${loaded.path}; it cannot also be loaded from ${path}`,
      {
        provider: "libvirt",
      },
    );
  }
  return loaded.library;
}

function decodeInterface(p: Ptr): InterfaceAddresses {
  const i = koffi.decode(p, INTERFACE) as {
    name: string | null;
    hwaddr: string | null;
    naddrs: number;
    addrs: Ptr | null;
  };
  const addrs =
    i.naddrs > 0 && i.addrs !== null
      ? (koffi.decode(i.addrs, IP_ADDRESS, i.naddrs) as {
          type: number;
          addr: string | null;
          prefix: number;
        }[])
      : [];
  return {
    name: i.name ?? "",
    hwaddr: i.hwaddr ?? undefined,
    addresses: addrs
      .filter((a) => a.addr !== null)
      .map((a) => ({ type: a.type, addr: a.addr!, prefix: a.prefix })),
  };
}
