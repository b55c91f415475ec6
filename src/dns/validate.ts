/**
 * Record-level rules, checked before any request so a bad record never reaches a provider half-applied:
 * the owner is inside the zone, the TTL is in range, the data fits its type, no CNAME at the apex or beside
 * other data (RFC 1034 3.6.2, RFC 2181 10.1), one TTL per set (RFC 2181 5.2), and no DS at the apex (it
 * belongs to the parent zone, RFC 4034 5).
 */
import type { LooseRecordSet } from "./driver.js";
import { invalid } from "./invalid.js";
import { isInZone, relativeName, resolveName } from "./names.js";
import { formatRdata } from "./presentation.js";
import { type DataSource, isRecordType, normalizeData } from "./rdata.js";
import { checkTtl } from "./ttl.js";
import type { AnyRecordData, RecordInput, RecordType } from "./types.js";

/** A record after its input was checked: absolute name, typed canonical data, TTL if one was given. */
export interface CheckedRecord {
  fqdn: string;
  type: RecordType;
  ttl: number | undefined;
  data: AnyRecordData;
}

/** How error messages name a record: `MX record "mail" in example.com.`. */
export function describeRecord(type: string, name: string, zone: string): string {
  return `${type} record "${name === "" ? "@" : name}" in ${zone}`;
}

/** Check an owner name and give its absolute form; it must be in `zone`. */
export function checkOwner(name: unknown, zone: string, what: string, source: DataSource): string {
  if (typeof name !== "string") throw invalid(what, "the record name must be a string");
  const fqdn =
    name.trim() === ""
      ? zone
      : resolveName(name, zone, { what, wildcard: true, strictRelative: source === "api" });
  if (!isInZone(fqdn, zone)) {
    throw invalid(what, `the name ${fqdn} is outside the zone ${zone}`);
  }
  return fqdn;
}

/** Check one record a caller gave, against the rules that need nothing but the record and its zone. */
export function checkRecordInput(
  input: RecordInput,
  zone: string,
  source: DataSource = "api",
): CheckedRecord {
  const loose = input as { name?: unknown; type?: unknown; ttl?: unknown; data?: unknown };
  const shownName = typeof loose.name === "string" ? loose.name : String(loose.name);
  const what = describeRecord(String(loose.type), shownName, zone);
  if (!isRecordType(loose.type)) {
    throw invalid(what, `${JSON.stringify(loose.type)} is not a record type omnicloud models`);
  }
  const type = loose.type;
  if (type === "SOA") {
    throw invalid(what, "the SOA record is read-only here", "Change SOA fields with updateZone");
  }
  const fqdn = checkOwner(loose.name, zone, what, source);
  const ttl = loose.ttl === undefined ? undefined : checkTtl(loose.ttl, what);
  checkPlacement(type, fqdn, zone, what);
  const data = normalizeData(type, loose.data, { what, origin: zone, source });
  return { fqdn, type, ttl, data };
}

/** Rules about where a type may be, that need only the owner and the zone. */
export function checkPlacement(type: RecordType, fqdn: string, zone: string, what: string): void {
  if (fqdn !== zone) {
    if (type === "SOA") throw invalid(what, "an SOA record belongs at the zone apex only");
    return;
  }
  if (type === "CNAME") {
    throw invalid(
      what,
      "a CNAME cannot be at the zone apex, which always holds SOA and NS records",
      "Use an ALIAS record where the provider has one, or A/AAAA records",
    );
  }
  if (type === "DS") {
    throw invalid(
      what,
      "a DS record at the apex belongs in the parent zone",
      "Put DS records at delegations",
    );
  }
}

/** Refuse types the provider cannot store, before any request. */
export function checkTypeSupported(
  type: RecordType,
  supported: ReadonlySet<RecordType>,
  provider: string,
  what: string,
): void {
  if (!supported.has(type)) {
    throw invalid(
      what,
      `the ${provider} provider has no ${type} records`,
      `It supports: ${[...supported].filter((t) => t !== "SOA").join(", ")}`,
    );
  }
}

/**
 * Rules between the sets at one name: a CNAME set holds one value and stands alone. `sets` are every set
 * the name will hold once the change is made.
 */
export function checkSetsAtName(sets: readonly LooseRecordSet[], zone: string): void {
  const cname = sets.find((s) => s.type === "CNAME");
  if (!cname) return;
  const what = describeRecord("CNAME", relativeName(cname.fqdn, zone), zone);
  if (cname.values.length > 1) {
    throw invalid(what, `a name can have only one CNAME, not ${cname.values.length}`);
  }
  const others = sets.filter((s) => s.type !== "CNAME" && s.values.length > 0).map((s) => s.type);
  if (others.length > 0) {
    throw invalid(
      what,
      `a CNAME cannot be beside other records at the same name (here: ${others.join(", ")})`,
      "Delete the other records first, or point the other records' name elsewhere",
    );
  }
}

/** Check the rules between sets across a whole zone's worth of sets. */
export function checkZoneSets(sets: Iterable<LooseRecordSet>, zone: string): void {
  const byName = new Map<string, LooseRecordSet[]>();
  for (const set of sets) {
    const list = byName.get(set.fqdn) ?? [];
    list.push(set);
    byName.set(set.fqdn, list);
  }
  for (const list of byName.values()) checkSetsAtName(list, zone);
}

/**
 * Gather records into sets keyed by name and type, dropping exact duplicates (DNS has no duplicate
 * records). Records of one set must agree on their TTL; a record without one takes the set's, else
 * `defaultTtl`.
 */
export function groupRecords(
  records: Iterable<CheckedRecord>,
  zone: string,
  defaultTtl: number,
): Map<string, LooseRecordSet> {
  const sets = new Map<string, LooseRecordSet>();
  const explicit = new Map<string, number>();
  const pending: CheckedRecord[] = [];
  for (const record of records) {
    const key = setKey(record.fqdn, record.type);
    if (record.ttl !== undefined) {
      const before = explicit.get(key);
      if (before !== undefined && before !== record.ttl) {
        throw invalid(
          describeRecord(record.type, relativeName(record.fqdn, zone), zone),
          `TTL ${record.ttl} differs from TTL ${before} of another record of the same name and type`,
          "Records of one name and type share one TTL (RFC 2181 5.2); give them the same",
        );
      }
      explicit.set(key, record.ttl);
    }
    pending.push(record);
  }
  for (const record of pending) {
    const key = setKey(record.fqdn, record.type);
    let set = sets.get(key);
    if (!set) {
      set = { fqdn: record.fqdn, type: record.type, ttl: explicit.get(key) ?? defaultTtl, values: [] };
      sets.set(key, set);
    }
    addValue(set, record.data);
  }
  return sets;
}

/** The map key of a set. */
export function setKey(fqdn: string, type: RecordType): string {
  return `${fqdn} ${type}`;
}

/** Add a value unless an equal one is there; true when it was added. */
export function addValue(set: LooseRecordSet, data: AnyRecordData): boolean {
  const text = formatRdata(set.type, data);
  if (set.values.some((v) => formatRdata(set.type, v) === text)) return false;
  set.values.push(data);
  return true;
}
