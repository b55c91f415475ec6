import { registerProvider } from "../core/registry.js";

// The built-in providers, as descriptors only: each `load` imports its driver when first opened, so
// importing omnicloud costs the same however many providers exist. Providers are added as they land.

registerProvider({
  service: "storage",
  name: "local",
  title: "Local folder (embedded default)",
  aliases: ["file", "filesystem"],
  local: true,
  features: ["atomic-writes", "metadata", "ranges", "md5", "sha256"],
  load: async () => (await import("./local/storage.js")).createLocalStorage,
});

registerProvider({
  service: "dns",
  name: "local",
  title: "Local zone files (embedded default)",
  aliases: ["zonefile", "zone-files"],
  local: true,
  features: ["zone-files", "atomic-writes", "serial-bump"],
  load: async () => (await import("./local/dns.js")).createLocalDns,
});

registerProvider({
  service: "dns",
  name: "powerdns",
  title: "PowerDNS Authoritative (HTTP API v1)",
  aliases: ["pdns"],
  features: ["alias", "atomic-changes"],
  load: async () => (await import("./powerdns/dns.js")).createPowerDns,
});
