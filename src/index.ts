// omnicloud: one typed, async interface to many clouds. This root entry stays light: it opens
// providers by name and imports each driver only when it is opened.

export { openBackup } from "./backup/index.js";
export { type Compute, openCompute } from "./compute/open.js";
export { openContainer } from "./container/index.js";
export * from "./core/errors.js";
export {
  listProviders,
  openProvider,
  type ProviderDescriptor,
  type ProviderFactory,
  registerProvider,
  SERVICES,
  type ServiceKind,
} from "./core/registry.js";
export { type Dns, openDns } from "./dns/open.js";
export { openLoadBalancer } from "./loadbalancer/index.js";
export { openStorage } from "./storage/open.js";
export type { Storage } from "./storage/storage.js";
export { VERSION } from "./version.js";
