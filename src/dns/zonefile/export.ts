/**
 * Records out as an RFC 1035 master file that BIND, Knot, NSD and PowerDNS's bind backend all read:
 * $ORIGIN and $TTL first, owners relative to the origin, one record per line with its TTL and class, data
 * with absolute names. The output is deterministic (SOA, then names in DNS order, then types, then
 * values), so exporting the same zone twice gives the same text and a diff shows real changes only.
 */
import { asLooseSet, type DriverRecordSet, type LooseRecordSet } from "../driver.js";
import { compareNames, relativeName } from "../names.js";
import { formatRdata } from "../presentation.js";
import { RECORD_TYPES } from "../rdata.js";
import { DEFAULT_TTL } from "../ttl.js";

export interface ZoneFileContent {
  /** The zone's name, "example.com.". */
  origin: string;
  /** Written as $TTL; default 3600. Every record line still carries its own TTL. */
  defaultTtl?: number;
  sets: Iterable<LooseRecordSet | DriverRecordSet>;
  /** Comment lines for the top of the file (without the ";"). */
  comments?: readonly string[];
}

const MAX_OWNER_COLUMN = 40;

export function exportZoneFile(content: ZoneFileContent): string {
  const sets = [...content.sets]
    .map((s) => asLooseSet(s as DriverRecordSet))
    .filter((s) => s.values.length > 0);
  sets.sort((a, b) => {
    if ((a.type === "SOA") !== (b.type === "SOA")) return a.type === "SOA" ? -1 : 1;
    return compareNames(a.fqdn, b.fqdn) || RECORD_TYPES.indexOf(a.type) - RECORD_TYPES.indexOf(b.type);
  });
  const lines: string[] = [];
  for (const comment of content.comments ?? []) lines.push(`; ${comment}`.trimEnd());
  lines.push(`$ORIGIN ${content.origin}`, `$TTL ${content.defaultTtl ?? DEFAULT_TTL}`);
  const owners = sets.map((s) => relativeName(s.fqdn, content.origin));
  const width = Math.min(MAX_OWNER_COLUMN, Math.max(1, ...owners.map((o) => o.length)));
  sets.forEach((set, i) => {
    const owner = owners[i]!.padEnd(width);
    const values = set.values.map((v) => formatRdata(set.type, v)).sort();
    for (const value of values) lines.push(`${owner} ${set.ttl} IN ${set.type} ${value}`);
  });
  return `${lines.join("\n")}\n`;
}
