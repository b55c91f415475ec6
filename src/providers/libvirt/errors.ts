/**
 * libvirt's error report (virError: code, domain, message) mapped to omnicloud's typed errors. The codes
 * are virErrorNumber from libvirt's virterror.h; the error's `code` keeps libvirt's name ("VIR_ERR_NO_DOMAIN")
 * so callers and logs can still see exactly what libvirt said.
 */

import { UnsupportedOperationError } from "../../compute/errors.js";
import {
  AlreadyExistsError,
  AuthError,
  InvalidInputError,
  NetworkError,
  NotFoundError,
  type OmnicloudError,
  PermissionError,
  ProviderError,
  TimeoutError,
} from "../../core/errors.js";

export interface LibvirtErrorInfo {
  /** virErrorNumber. */
  code: number;
  /** virErrorDomain: which part of libvirt raised it. */
  domain: number;
  message: string;
}

/** The virErrorNumber values this driver treats specially, by name. */
export const VIR_ERR = {
  INTERNAL_ERROR: 1,
  NO_SUPPORT: 3,
  NO_CONNECT: 5,
  INVALID_ARG: 8,
  OPERATION_FAILED: 9,
  XML_ERROR: 27,
  DOM_EXIST: 28,
  OPERATION_DENIED: 29,
  XML_DETAIL: 35,
  NETWORK_EXIST: 37,
  SYSTEM_ERROR: 38,
  RPC: 39,
  NO_DOMAIN: 42,
  NO_NETWORK: 43,
  AUTH_FAILED: 45,
  NO_STORAGE_POOL: 49,
  NO_STORAGE_VOL: 50,
  OPERATION_INVALID: 55,
  CONFIG_UNSUPPORTED: 67,
  OPERATION_TIMEOUT: 68,
  NO_DOMAIN_SNAPSHOT: 72,
  ARGUMENT_UNSUPPORTED: 74,
  AUTH_CANCELLED: 79,
  NO_DOMAIN_METADATA: 80,
  OPERATION_UNSUPPORTED: 84,
  AGENT_UNRESPONSIVE: 86,
  RESOURCE_BUSY: 87,
  ACCESS_DENIED: 88,
  STORAGE_VOL_EXIST: 90,
  XML_INVALID_SCHEMA: 92,
  AUTH_UNAVAILABLE: 94,
  NO_SERVER: 95,
  DEVICE_MISSING: 99,
  MULTIPLE_DOMAINS: 110,
} as const;

const NAMES = new Map<number, string>(
  Object.entries(VIR_ERR).map(([name, code]) => [code, `VIR_ERR_${name}`]),
);

type ErrorClass = new (
  message: string,
  options: ConstructorParameters<typeof ProviderError>[1],
) => OmnicloudError;

const CLASSES = new Map<number, ErrorClass>([
  [VIR_ERR.NO_DOMAIN, NotFoundError],
  [VIR_ERR.NO_NETWORK, NotFoundError],
  [VIR_ERR.NO_STORAGE_POOL, NotFoundError],
  [VIR_ERR.NO_STORAGE_VOL, NotFoundError],
  [VIR_ERR.NO_DOMAIN_SNAPSHOT, NotFoundError],
  [VIR_ERR.NO_DOMAIN_METADATA, NotFoundError],
  [VIR_ERR.DEVICE_MISSING, NotFoundError],
  [VIR_ERR.DOM_EXIST, AlreadyExistsError],
  [VIR_ERR.NETWORK_EXIST, AlreadyExistsError],
  [VIR_ERR.STORAGE_VOL_EXIST, AlreadyExistsError],
  [VIR_ERR.MULTIPLE_DOMAINS, AlreadyExistsError],
  [VIR_ERR.INVALID_ARG, InvalidInputError],
  [VIR_ERR.XML_ERROR, InvalidInputError],
  [VIR_ERR.XML_DETAIL, InvalidInputError],
  [VIR_ERR.XML_INVALID_SCHEMA, InvalidInputError],
  [VIR_ERR.CONFIG_UNSUPPORTED, InvalidInputError],
  [VIR_ERR.NO_CONNECT, InvalidInputError],
  [VIR_ERR.AUTH_FAILED, AuthError],
  [VIR_ERR.AUTH_CANCELLED, AuthError],
  [VIR_ERR.AUTH_UNAVAILABLE, AuthError],
  [VIR_ERR.OPERATION_DENIED, PermissionError],
  [VIR_ERR.ACCESS_DENIED, PermissionError],
  [VIR_ERR.OPERATION_TIMEOUT, TimeoutError],
  [VIR_ERR.AGENT_UNRESPONSIVE, TimeoutError],
  [VIR_ERR.RPC, NetworkError],
  [VIR_ERR.NO_SERVER, NetworkError],
]);

const HINTS = new Map<number, string>([
  [
    VIR_ERR.OPERATION_INVALID,
    "The node (or volume) is not in a state that allows this: check its state first (e.g. start a stopped node before rebooting it)",
  ],
  [
    VIR_ERR.NO_CONNECT,
    "Check the libvirt URI (e.g. qemu:///session, test:///default) and that the daemon runs",
  ],
  [
    VIR_ERR.CONFIG_UNSUPPORTED,
    "The hypervisor cannot run this configuration (is /dev/kvm available for type kvm?)",
  ],
]);

/** Codes that say "this driver or hypervisor cannot do that at all". */
const UNSUPPORTED: ReadonlySet<number> = new Set([
  VIR_ERR.NO_SUPPORT,
  VIR_ERR.OPERATION_UNSUPPORTED,
  VIR_ERR.ARGUMENT_UNSUPPORTED,
]);

export function libvirtCodeName(code: number): string {
  return NAMES.get(code) ?? `VIR_ERR_${code}`;
}

/**
 * The typed error for a failed call. `what` says what we were doing ("starting node web-1"), `call` which
 * C function failed; `info` is libvirt's report (absent only if libvirt failed without one).
 */
export function libvirtError(what: string, call: string, info: LibvirtErrorInfo | undefined): OmnicloudError {
  if (info === undefined) {
    return new ProviderError(`${what}: ${call} failed without an error report from libvirt`, {
      provider: "libvirt",
    });
  }
  const code = libvirtCodeName(info.code);
  const message = `${what}: ${info.message || code}`;
  if (UNSUPPORTED.has(info.code)) {
    return new UnsupportedOperationError("libvirt", `${call} on this connection (${info.message})`, { code });
  }
  // An operation that is invalid in the object's current state is the caller's to fix, not libvirt's fault.
  if (info.code === VIR_ERR.OPERATION_INVALID) {
    return new InvalidInputError(message, { provider: "libvirt", code, hint: HINTS.get(info.code) });
  }
  // A failed connect (no socket, refused) arrives as a system error from virConnectOpen.
  if (info.code === VIR_ERR.SYSTEM_ERROR && call === "virConnectOpen") {
    return new NetworkError(message, { provider: "libvirt", code });
  }
  const Class = CLASSES.get(info.code) ?? ProviderError;
  const hint = HINTS.get(info.code);
  return new Class(message, { provider: "libvirt", code, ...(hint === undefined ? {} : { hint }) });
}
