/**
 * Cloud DNS resource record sets between its JSON and the model. A set is `{name, type, ttl, rrdatas}`,
 * each rrdata one record in RFC 1035 presentation text ("10 mx.example.com.", "\"v=spf1 -all\"",
 * "0 issue \"ca.example\""), names absolute with the trailing dot. So the shared presentation code reads
 * and writes them; only what Cloud DNS adds on top is handled here:
 * - ALIAS is a Cloud DNS type of its own (public zones, apex only), written like a CNAME;
 * - sets with a `routingPolicy` (weighted, geo, failover) carry no rrdatas and have no place in the model,
 *   so they are left out of listings and `applyZone` never touches them;
 * - types the model lacks (HTTPS, SVCB, DNSKEY, IPSECKEY, ...) are left out likewise.
 */
import { InvalidInputError, ProviderError } from "../../core/errors.js";
import type { LooseRecordSet } from "../../dns/driver.js";
import { isInZone, resolveName } from "../../dns/names.js";
import { formatRdata, parseRdata } from "../../dns/presentation.js";
import { isRecordType, RECORD_TYPES } from "../../dns/rdata.js";
import { DEFAULT_TTL } from "../../dns/ttl.js";
import type { AnyRecordData, RecordType } from "../../dns/types.js";
import { tokenizeData } from "../../dns/zonefile/tokenize.js";

/** A ResourceRecordSet as the API sends and takes it (fields this driver reads or writes). */
export interface GoogleRrset {
  name: string;
  type: string;
  ttl?: number;
  rrdatas?: string[];
  routingPolicy?: unknown;
}

/** The model's types that Cloud DNS stores: today every one of them (ALIAS at the apex only). */
export const GOOGLE_TYPES: ReadonlySet<RecordType> = new Set<RecordType>(RECORD_TYPES);

/** One record's data as an rrdata string. */
export function formatGoogleRdata(type: RecordType, data: AnyRecordData): string {
  return formatRdata(type, data);
}

/**
 * One rrdata string as the model's data. Names are read as absolute (origin "."), as Cloud DNS writes
 * them; unquoted TXT words are separate strings, as RFC 1035 presentation text says.
 */
export function parseGoogleRdata(type: RecordType, text: string, what: string): AnyRecordData {
  return parseRdata(type, tokenizeData(text, what), { what, origin: ".", source: "provider" });
}

/** The model's set of one Cloud DNS rrset, or undefined for sets the model has no place for. */
export function toModelSet(raw: GoogleRrset, zone: string, provider: string): LooseRecordSet | undefined {
  if (raw.routingPolicy !== undefined || !isRecordType(raw.type)) return undefined;
  const type = raw.type;
  const what = `Cloud DNS ${type} record set "${raw.name}"`;
  try {
    const fqdn = resolveName(raw.name, ".", { what, wildcard: true });
    if (!isInZone(fqdn, zone)) return undefined;
    const values = (raw.rrdatas ?? []).map((text) => parseGoogleRdata(type, text, what));
    return { fqdn, type, ttl: raw.ttl ?? DEFAULT_TTL, values };
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw new ProviderError(`${what} cannot be read: ${(err as Error).message}`, { provider, cause: err });
  }
}

/** The rrset that puts `set` in place, as an addition of a change. */
export function toGoogleRrset(set: LooseRecordSet): GoogleRrset {
  return {
    name: set.fqdn,
    type: set.type,
    ttl: set.ttl,
    rrdatas: set.values.map((v) => formatGoogleRdata(set.type, v)),
  };
}

/** Cloud DNS's own placement rule for ALIAS, checked before any request. */
export function checkGoogleAlias(set: LooseRecordSet, zone: string, provider: string): void {
  if (set.type !== "ALIAS") return;
  if (set.fqdn !== zone || set.values.length !== 1) {
    throw new InvalidInputError(
      `ALIAS record "${set.fqdn}": Cloud DNS takes one ALIAS target, at the zone apex (${zone}) only`,
      { provider, hint: "Use a CNAME below the apex" },
    );
  }
}

/** Two sets hold the same records with the same TTL (order aside), compared in the model's canonical text. */
export function sameSet(a: LooseRecordSet, b: LooseRecordSet): boolean {
  if (a.fqdn !== b.fqdn || a.type !== b.type || a.ttl !== b.ttl || a.values.length !== b.values.length) {
    return false;
  }
  const text = (s: LooseRecordSet): string[] => s.values.map((v) => formatRdata(s.type, v)).sort();
  const tb = text(b);
  return text(a).every((v, i) => v === tb[i]);
}
