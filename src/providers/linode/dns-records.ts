/**
 * Linode domain records between its JSON and the model. Owners are relative to the domain ("" for the
 * apex); `target` holds the address, name or text; MX and SRV numbers are fields, SRV owners are
 * `service` and `protocol` (Linode adds the underscores), CAA's tag is a field. TTL 0 means "the domain's
 * default TTL", which is resolved when reading.
 */
import { InvalidInputError, ProviderError } from "../../core/errors.js";
import { splitText } from "../../dns/charstring.js";
import type { LooseRecordSet } from "../../dns/driver.js";
import { isInZone, relativeName, resolveName, splitLabels } from "../../dns/names.js";
import { normalizeData } from "../../dns/rdata.js";
import type { AnyRecordData, RecordDataMap, RecordType } from "../../dns/types.js";

export interface LinodeRecord {
  id: number;
  type: string;
  name: string;
  target: string;
  priority?: number | null;
  weight?: number | null;
  port?: number | null;
  service?: string | null;
  protocol?: string | null;
  ttl_sec?: number | null;
  tag?: string | null;
}

/** Linode's record types (its API's list). */
export const LINODE_TYPES: ReadonlySet<RecordType> = new Set<RecordType>([
  "A",
  "AAAA",
  "NS",
  "MX",
  "CNAME",
  "TXT",
  "SRV",
  "PTR",
  "CAA",
]);

/** Linode's limits beyond DNS's own: MX and SRV priorities up to 255, CAA tags issue/issuewild/iodef. */
export function checkLinodeSet(set: LooseRecordSet, what: string): void {
  for (const v of set.values) {
    if (set.type === "MX" && (v as RecordDataMap["MX"]).preference > 255) {
      throw new InvalidInputError(`${what}: Linode takes MX preferences up to 255`);
    }
    if (set.type === "SRV" && (v as RecordDataMap["SRV"]).priority > 255) {
      throw new InvalidInputError(`${what}: Linode takes SRV priorities up to 255`);
    }
    if (set.type === "CAA" && !["issue", "issuewild", "iodef"].includes((v as RecordDataMap["CAA"]).tag)) {
      throw new InvalidInputError(`${what}: Linode takes the CAA tags issue, issuewild and iodef only`);
    }
  }
  if (set.type === "SRV") srvParts(set.fqdn, "", what);
}

/** The owner of a record: relative to the domain, or (as some answers have it) already absolute. */
function owner(r: LinodeRecord, zone: string, what: string): string {
  if (r.type === "SRV" && r.service && r.protocol) {
    const under = (s: string): string => (s.startsWith("_") ? s : `_${s}`);
    const rest = r.name && r.name !== "" ? `.${r.name}` : "";
    return resolveName(`${under(r.service)}.${under(r.protocol)}${rest}`, zone, { what });
  }
  if (r.name === "") return zone;
  const absolute = resolveName(`${r.name}.`, ".", { what, wildcard: true });
  return isInZone(absolute, zone) ? absolute : resolveName(r.name, zone, { what, wildcard: true });
}

/** A name in `target`: absolute, without its final dot. */
function targetName(text: string): string {
  return text.endsWith(".") ? text : `${text}.`;
}

function readData(type: RecordType, r: LinodeRecord, what: string): AnyRecordData {
  const rules = { what, origin: ".", source: "provider" as const };
  switch (type) {
    case "A":
    case "AAAA":
      return normalizeData(type, { address: r.target }, rules);
    case "NS":
    case "CNAME":
    case "PTR":
      return normalizeData(type, { target: targetName(r.target) }, rules);
    case "MX":
      return normalizeData(type, { preference: r.priority ?? 0, exchange: targetName(r.target) }, rules);
    case "TXT":
      return normalizeData(type, { text: splitText(r.target) }, rules);
    case "SRV":
      return normalizeData(
        type,
        { priority: r.priority ?? 0, weight: r.weight ?? 0, port: r.port ?? 0, target: targetName(r.target) },
        rules,
      );
    case "CAA":
      return normalizeData(type, { flags: 0, tag: r.tag, value: r.target }, rules);
    default:
      throw new ProviderError(`${what}: not a Linode record type omnicloud reads`);
  }
}

export function readRecord(
  r: LinodeRecord,
  zone: string,
  defaultTtl: number,
  provider: string,
): { fqdn: string; type: RecordType; ttl: number; data: AnyRecordData } | undefined {
  const type = r.type as RecordType;
  if (!LINODE_TYPES.has(type)) return undefined;
  const what = `Linode ${r.type} record "${r.name}"`;
  try {
    const ttl = r.ttl_sec && r.ttl_sec > 0 ? r.ttl_sec : defaultTtl;
    return { fqdn: owner(r, zone, what), type, ttl, data: readData(type, r, what) };
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw new ProviderError(`${what} cannot be read: ${(err as Error).message}`, { provider, cause: err });
  }
}

export function toModelSets(
  records: readonly LinodeRecord[],
  zone: string,
  defaultTtl: number,
  provider: string,
): LooseRecordSet[] {
  const sets = new Map<string, LooseRecordSet>();
  for (const r of records) {
    const read = readRecord(r, zone, defaultTtl, provider);
    if (!read) continue;
    const key = `${read.fqdn} ${read.type}`;
    const set = sets.get(key);
    if (set) {
      set.values.push(read.data);
      set.ttl = Math.min(set.ttl, read.ttl);
    } else sets.set(key, { fqdn: read.fqdn, type: read.type, ttl: read.ttl, values: [read.data] });
  }
  return [...sets.values()];
}

/** An SRV owner "_service._proto[.name]" in Linode's three fields. */
function srvParts(
  fqdn: string,
  zone: string,
  what: string,
): { service: string; protocol: string; name?: string } {
  const labels = splitLabels((zone === "" ? fqdn : relativeName(fqdn, zone)).replace(/\.$/, ""));
  const [service, protocol] = labels;
  if (!service?.startsWith("_") || !protocol?.startsWith("_")) {
    throw new InvalidInputError(`${what}: Linode keeps SRV records at "_service._protocol" names`);
  }
  const below = labels.slice(2).join(".");
  return { service: service.slice(1), protocol: protocol.slice(1), ...(below === "" ? {} : { name: below }) };
}

/** The JSON body that creates or replaces one record (PUT takes the same fields but the type). */
export function recordBody(
  zone: string,
  fqdn: string,
  type: RecordType,
  ttl: number,
  data: AnyRecordData,
): Record<string, unknown> {
  // The apex is the record without a name (Linode's spec wants a name of 1 character or more when given).
  const base = { type, ...(fqdn === zone ? {} : { name: relativeName(fqdn, zone) }), ttl_sec: ttl };
  const bare = (name: string): string => (name === "." ? "." : name.slice(0, -1));
  switch (type) {
    case "A":
    case "AAAA":
      return { ...base, target: (data as RecordDataMap["A"]).address };
    case "NS":
    case "CNAME":
    case "PTR":
      return { ...base, target: bare((data as RecordDataMap["NS"]).target) };
    case "MX": {
      const d = data as RecordDataMap["MX"];
      return { ...base, target: bare(d.exchange), priority: d.preference };
    }
    case "TXT":
      return { ...base, target: (data as RecordDataMap["TXT"]).text.join("") };
    case "SRV": {
      const d = data as RecordDataMap["SRV"];
      const { type: srvType, ttl_sec } = base;
      return {
        type: srvType,
        ttl_sec,
        ...srvParts(fqdn, zone, `SRV record "${fqdn}"`),
        target: bare(d.target),
        priority: d.priority,
        weight: d.weight,
        port: d.port,
      };
    }
    case "CAA": {
      const d = data as RecordDataMap["CAA"];
      return { ...base, target: d.value, tag: d.tag };
    }
    default:
      throw new InvalidInputError(`Linode has no ${type} records`);
  }
}
