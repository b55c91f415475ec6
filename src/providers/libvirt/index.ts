// omnicloud/providers/libvirt: the libvirt compute driver and its types, for `compute.as("libvirt")`.
export { createLibvirtCompute, LibvirtCompute, type LibvirtNetwork, type LibvirtPool } from "./compute.js";
export type { LibvirtOptions } from "./context.js";
export type { DiskFact, InterfaceFact } from "./domain-parse.js";
export type { PortForwardSpec as LibvirtPortForwardFact } from "./domain-xml.js";
export { libvirtCodeName } from "./errors.js";
export { DISKLESS_IMAGE } from "./ids.js";
export type {
  LibvirtCreateExtras,
  LibvirtDiskFile,
  LibvirtKernelBoot,
  LibvirtPortForward,
  LibvirtUserNetwork,
} from "./node-create.js";
export type { LibvirtNodeExtra } from "./node-read.js";
export { DEFAULT_SIZES, type LibvirtSize } from "./sizes.js";
export { mapDomainState } from "./states.js";
export type { LibvirtVolumeExtra } from "./volumes.js";
