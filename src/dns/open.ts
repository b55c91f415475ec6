import { openProvider } from "../core/registry.js";
import "../providers/builtin.js";
import type { Dns } from "./dns.js";
import type { DnsDriver } from "./driver.js";

export type { Dns };

/**
 * Open a DNS provider by name: `openDns("local", { root: "./zones" })` or
 * `openDns("powerdns", { url, apiKey })`. The provider's driver module is imported now, on first use, and
 * so is the DNS model itself, so importing omnicloud's root costs nothing for programs that never use DNS.
 */
export async function openDns<D extends DnsDriver = DnsDriver>(
  provider: string,
  options: object = {},
): Promise<Dns<D>> {
  const driver = await openProvider<D, object>("dns", provider, options);
  const { Dns } = await import("./dns.js");
  return new Dns(driver);
}
