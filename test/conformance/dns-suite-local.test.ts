/**
 * The DNS conformance suite on the `local` provider: every change is confirmed by reading the zone file
 * back from disk with the zone-file parser, as a name server loading it would.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDns } from "../../src/dns/open.js";
import { formatRdata } from "../../src/dns/presentation.js";
import { parseZoneFile } from "../../src/dns/zonefile/parse.js";
import type { LocalDnsDriver } from "../../src/providers/local/dns.js";
import { type DnsBackend, dnsConformanceSuite } from "./dns-suite.js";

dnsConformanceSuite({
  name: "local (zone files, re-read from disk)",
  types: new Set([
    "A",
    "AAAA",
    "CNAME",
    "NS",
    "PTR",
    "MX",
    "TXT",
    "SPF",
    "SRV",
    "CAA",
    "SSHFP",
    "TLSA",
    "NAPTR",
    "DS",
  ]),
  start: async (): Promise<DnsBackend> => {
    const root = await mkdtemp(join(tmpdir(), "omnicloud-dns-local-"));
    const dns = await openDns<LocalDnsDriver>("local", { root });
    const driver = dns.as<LocalDnsDriver>("local");
    return {
      dns,
      async observe(zone, fqdn, type) {
        let text: string;
        try {
          text = await readFile(driver.zoneFile(zone), "utf8");
        } catch {
          return undefined;
        }
        const records = parseZoneFile(text, { origin: zone }).records.filter(
          (r) => r.fqdn === fqdn && r.type === type,
        );
        if (records.length === 0) return undefined;
        return { ttl: records[0]!.ttl, values: records.map((r) => formatRdata(r.type, r.data)).sort() };
      },
      async close() {
        await dns.close();
        await rm(root, { recursive: true, force: true });
      },
    };
  },
});
