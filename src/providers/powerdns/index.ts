// omnicloud/providers/powerdns: the PowerDNS HTTP API v1 driver, for its options type and direct use.
export { createPowerDns, PowerDnsDriver, type PowerDnsOptions } from "./dns.js";
export { parsePowerDnsError } from "./errors.js";
