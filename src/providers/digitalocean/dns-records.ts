/**
 * DigitalOcean domain records between its JSON and the model. Owners are relative ("@" for the apex);
 * names in `data` are absolute, written with the final dot (DigitalOcean reads a name without it as
 * relative to the domain) and read with or without it. TXT data is the text itself, unquoted; MX, SRV and
 * CAA carry their numbers in `priority`, `port`, `weight`, `flags` and `tag`.
 */
import { InvalidInputError, ProviderError } from "../../core/errors.js";
import { splitText } from "../../dns/charstring.js";
import type { LooseRecordSet } from "../../dns/driver.js";
import { relativeName, resolveName } from "../../dns/names.js";
import { normalizeData } from "../../dns/rdata.js";
import type { AnyRecordData, RecordDataMap, RecordType } from "../../dns/types.js";

export interface DoRecord {
  id: number;
  type: string;
  name: string;
  data: string;
  priority?: number | null;
  port?: number | null;
  ttl?: number;
  weight?: number | null;
  flags?: number | null;
  tag?: string | null;
}

/** DigitalOcean's record types (its API's list); SOA reads but is the provider's. */
export const DIGITALOCEAN_TYPES: ReadonlySet<RecordType> = new Set<RecordType>([
  "SOA",
  "A",
  "AAAA",
  "CAA",
  "CNAME",
  "MX",
  "NS",
  "SRV",
  "TXT",
]);

/** DigitalOcean takes TTLs of at least 30 seconds. */
export function checkDigitalOceanTtl(ttl: number, what: string): void {
  if (ttl < 30)
    throw new InvalidInputError(`${what}: DigitalOcean takes TTLs of 30 seconds or more, not ${ttl}`);
}

/** A name DigitalOcean wrote in data: "@" is the zone, a name without its final dot is relative to it. */
function dataName(text: string, zone: string, what: string): string {
  if (text === "@") return zone;
  if (text === ".") return ".";
  // Seen both ways in answers: "ns1.digitalocean.com" (absolute) and "mail" (relative). A name with a dot
  // inside is taken as absolute, as DigitalOcean's own panel shows them.
  const absolute = text.endsWith(".") ? text : text.includes(".") ? `${text}.` : text;
  return resolveName(absolute, zone, { what, root: true });
}

function readData(type: RecordType, r: DoRecord, zone: string, what: string): AnyRecordData {
  const rules = { what, origin: zone, source: "provider" as const };
  switch (type) {
    case "A":
    case "AAAA":
      return normalizeData(type, { address: r.data }, rules);
    case "CNAME":
    case "NS":
      return normalizeData(type, { target: dataName(r.data, zone, what) }, rules);
    case "MX":
      return normalizeData(type, { preference: r.priority, exchange: dataName(r.data, zone, what) }, rules);
    case "TXT":
      return normalizeData(type, { text: splitText(r.data) }, rules);
    case "SRV":
      return normalizeData(
        type,
        { priority: r.priority, weight: r.weight, port: r.port, target: dataName(r.data, zone, what) },
        rules,
      );
    case "CAA":
      return normalizeData(type, { flags: r.flags ?? 0, tag: r.tag, value: r.data }, rules);
    default:
      throw new ProviderError(`${what}: omnicloud does not read DigitalOcean ${type} records this way`);
  }
}

/** Read one record; undefined for types the model lacks. */
export function readRecord(
  r: DoRecord,
  zone: string,
  provider: string,
): { fqdn: string; type: RecordType; ttl: number; data: AnyRecordData } | undefined {
  const type = r.type as RecordType;
  if (!DIGITALOCEAN_TYPES.has(type) || type === "SOA") return undefined;
  const what = `DigitalOcean ${r.type} record "${r.name}"`;
  try {
    const fqdn = r.name === "@" ? zone : resolveName(r.name, zone, { what, wildcard: true });
    return { fqdn, type, ttl: r.ttl ?? 1800, data: readData(type, r, zone, what) };
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw new ProviderError(`${what} cannot be read: ${(err as Error).message}`, { provider, cause: err });
  }
}

export function toModelSets(records: readonly DoRecord[], zone: string, provider: string): LooseRecordSet[] {
  const sets = new Map<string, LooseRecordSet>();
  for (const r of records) {
    const read = readRecord(r, zone, provider);
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

/**
 * The JSON body that creates or replaces one record. DigitalOcean's spec lists `flags` and `tag` as
 * required (nullable) for NS, SRV and TXT as well, so they are sent as null there.
 */
export function recordBody(
  zone: string,
  fqdn: string,
  type: RecordType,
  ttl: number,
  data: AnyRecordData,
): Record<string, unknown> {
  const base = { type, name: relativeName(fqdn, zone), ttl };
  const unused = { flags: null, tag: null };
  switch (type) {
    case "A":
    case "AAAA":
      return { ...base, data: (data as RecordDataMap["A"]).address };
    case "CNAME":
      return { ...base, data: (data as RecordDataMap["CNAME"]).target };
    case "NS":
      return { ...base, data: (data as RecordDataMap["NS"]).target, ...unused };
    case "MX": {
      const d = data as RecordDataMap["MX"];
      return { ...base, data: d.exchange, priority: d.preference };
    }
    case "TXT":
      // One record holds one text; DigitalOcean splits it into 255-byte strings on its side.
      return { ...base, data: (data as RecordDataMap["TXT"]).text.join(""), ...unused };
    case "SRV": {
      const d = data as RecordDataMap["SRV"];
      return { ...base, data: d.target, priority: d.priority, weight: d.weight, port: d.port, ...unused };
    }
    case "CAA": {
      const d = data as RecordDataMap["CAA"];
      return { ...base, data: d.value, flags: d.flags, tag: d.tag };
    }
    default:
      throw new InvalidInputError(`DigitalOcean has no ${type} records`);
  }
}
