// omnicloud/providers/rfc2136: DNS by RFC 2136 UPDATE with TSIG and AXFR, for BIND, Knot and other servers.
export { DnsClient, type TransferredRecord } from "./client.js";
export { createRfc2136, Rfc2136Driver, type Rfc2136Options } from "./dns.js";
export { parseBindKeyFile, parseKeyText, readBindKeyFile, type TsigKeyInput, tsigKey } from "./keys.js";
export type { ZoneProvisioner, ZoneProvisionRequest } from "./provision.js";
export { BindProvisioner, type BindProvisionerOptions, createBindProvisioner } from "./provision-bind.js";
export { createKnotProvisioner, KnotProvisioner, type KnotProvisionerOptions } from "./provision-knot.js";
export { TSIG_ALGORITHMS, type TsigAlgorithm, type TsigKey } from "./tsig.js";
