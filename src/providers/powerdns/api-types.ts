/**
 * The JSON PowerDNS sends, read defensively: a field of the wrong shape is the server's fault and is
 * said so, rather than surfacing later as "cannot read properties of undefined".
 */
import { ProviderError } from "../../core/errors.js";

export interface PdnsRecord {
  content: string;
  disabled: boolean;
}

export interface PdnsRrset {
  name: string;
  type: string;
  ttl: number;
  records: PdnsRecord[];
}

export interface PdnsZone {
  id: string;
  name: string;
  serial: number | undefined;
  /** Present when the zone was fetched on its own, absent in listings. */
  rrsets: PdnsRrset[] | undefined;
}

function fail(what: string, detail: string): ProviderError {
  return new ProviderError(`PowerDNS sent an unexpected ${what}: ${detail}`, { provider: "powerdns" });
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail(what, "not an object");
  return value as Record<string, unknown>;
}

function string(o: Record<string, unknown>, key: string, what: string): string {
  const value = o[key];
  if (typeof value !== "string") throw fail(what, `"${key}" is not a string`);
  return value;
}

function readRrset(value: unknown): PdnsRrset {
  const o = object(value, "rrset");
  const records = Array.isArray(o.records) ? o.records : [];
  return {
    name: string(o, "name", "rrset"),
    type: string(o, "type", "rrset"),
    ttl: typeof o.ttl === "number" ? o.ttl : 0,
    records: records.map((r) => {
      const rec = object(r, "record");
      return { content: string(rec, "content", "record"), disabled: rec.disabled === true };
    }),
  };
}

export function readZone(value: unknown): PdnsZone {
  const o = object(value, "zone");
  return {
    id: string(o, "id", "zone"),
    name: string(o, "name", "zone"),
    serial: typeof o.serial === "number" ? o.serial : undefined,
    rrsets: Array.isArray(o.rrsets) ? o.rrsets.map(readRrset) : undefined,
  };
}

export function readZoneList(value: unknown): PdnsZone[] {
  if (!Array.isArray(value)) throw fail("zone list", "not an array");
  return value.map(readZone);
}
