/**
 * Record data, per type: checked field by field (numbers are whole and in their wire range, addresses of
 * the right family, names valid, hex even) and made canonical (lower-case names and hex, RFC 5952
 * addresses, TXT in 255-byte chunks), so two providers' answers for the same data compare equal.
 */
import { canonicalIPv4, canonicalIPv6 } from "./address.js";
import { MAX_CHARSTRING_BYTES, splitText } from "./charstring.js";
import { invalid } from "./invalid.js";
import { resolveName } from "./names.js";
import type { AnyRecordData, RecordDataMap, RecordType } from "./types.js";

/**
 * Where data comes from decides how strict to be:
 * - "api": a caller's objects. Relative names that repeat the zone are refused; long TXT is split; known
 *   digest lengths are enforced.
 * - "text": a zone file or record id. As RFC 1035 reads it; a string over 255 bytes is an error.
 * - "provider": what a provider already holds. Only structure is checked, so a listing never fails on
 *   data the provider itself accepted.
 */
export type DataSource = "api" | "text" | "provider";

export interface DataRules {
  /** Names the record in error messages, e.g. `MX record "mail.example.com."`. */
  what: string;
  /** The origin relative names are resolved against: the zone's name. */
  origin: string;
  source: DataSource;
}

export const RECORD_TYPES: readonly RecordType[] = [
  "SOA",
  "NS",
  "A",
  "AAAA",
  "CNAME",
  "ALIAS",
  "MX",
  "TXT",
  "SPF",
  "SRV",
  "CAA",
  "PTR",
  "SSHFP",
  "TLSA",
  "NAPTR",
  "DS",
];

export function isRecordType(value: unknown): value is RecordType {
  return typeof value === "string" && (RECORD_TYPES as readonly string[]).includes(value);
}

type Fields = Record<string, unknown>;

function uint(fields: Fields, key: string, bits: 8 | 16 | 32, rules: DataRules): number {
  const value = fields[key];
  const max = 2 ** bits - 1;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalid(rules.what, `${key} must be a whole number from 0 to ${max}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function name(fields: Fields, key: string, rules: DataRules, root = false): string {
  const value = fields[key];
  if (typeof value !== "string") throw invalid(rules.what, `${key} must be a domain name`);
  return resolveName(value, rules.origin, {
    what: `${rules.what} ${key}`,
    root,
    strictRelative: rules.source === "api",
  });
}

function text(fields: Fields, key: string, rules: DataRules, limit = true): string {
  const value = fields[key];
  if (typeof value !== "string") throw invalid(rules.what, `${key} must be a string`);
  if (limit && Buffer.byteLength(value) > MAX_CHARSTRING_BYTES) {
    throw invalid(rules.what, `${key} is ${Buffer.byteLength(value)} bytes; a DNS string holds at most 255`);
  }
  return value;
}

/** Expected digest sizes in bytes by algorithm number, from the RFCs that define them. */
const DS_DIGEST_BYTES: Record<number, number> = { 1: 20, 2: 32, 4: 48 }; // RFC 3658, 4509, 6605
const SSHFP_BYTES: Record<number, number> = { 1: 20, 2: 32 }; // RFC 4255, 6594
const TLSA_BYTES: Record<number, number> = { 1: 32, 2: 64 }; // RFC 6698

function hex(
  fields: Fields,
  key: string,
  rules: DataRules,
  sizes: Record<number, number>,
  kind: number,
): string {
  const value = fields[key];
  const clean = typeof value === "string" ? value.replace(/\s+/g, "") : "";
  if (clean === "" || !/^[0-9a-fA-F]+$/.test(clean) || clean.length % 2 !== 0) {
    throw invalid(
      rules.what,
      `${key} must be a non-empty even number of hex digits, not ${JSON.stringify(value)}`,
    );
  }
  const expected = sizes[kind];
  if (rules.source !== "provider" && expected !== undefined && clean.length !== expected * 2) {
    throw invalid(
      rules.what,
      `${key} is ${clean.length / 2} bytes, but type ${kind} digests are ${expected} bytes (${expected * 2} hex digits)`,
    );
  }
  return clean.toLowerCase();
}

function textChunks(fields: Fields, rules: DataRules): string[] {
  const value = fields.text;
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined;
  if (list === undefined || list.length === 0 || list.some((s) => typeof s !== "string")) {
    throw invalid(rules.what, "text must be a string or a non-empty array of strings");
  }
  return (list as string[]).flatMap((chunk) => {
    if (Buffer.byteLength(chunk) <= MAX_CHARSTRING_BYTES) return [chunk];
    if (rules.source === "api") return splitText(chunk);
    throw invalid(rules.what, `a string of ${Buffer.byteLength(chunk)} bytes is over the 255-byte limit`);
  });
}

type Normalisers = { [T in RecordType]: (fields: Fields, rules: DataRules) => RecordDataMap[T] };

const NORMALISE: Normalisers = {
  A: (f, r) => ({ address: canonicalIPv4(f.address, r.what) }),
  AAAA: (f, r) => ({ address: canonicalIPv6(f.address, r.what) }),
  CNAME: (f, r) => ({ target: name(f, "target", r) }),
  ALIAS: (f, r) => ({ target: name(f, "target", r) }),
  NS: (f, r) => ({ target: name(f, "target", r) }),
  PTR: (f, r) => ({ target: name(f, "target", r) }),
  MX: (f, r) => ({ preference: uint(f, "preference", 16, r), exchange: name(f, "exchange", r, true) }),
  TXT: (f, r) => ({ text: textChunks(f, r) }),
  SPF: (f, r) => ({ text: textChunks(f, r) }),
  SRV: (f, r) => ({
    priority: uint(f, "priority", 16, r),
    weight: uint(f, "weight", 16, r),
    port: uint(f, "port", 16, r),
    target: name(f, "target", r, true),
  }),
  CAA: (f, r) => {
    const tag = f.tag;
    // RFC 8659 4.1: a tag is 1 to 15 ASCII letters and digits, matched without regard to case.
    if (typeof tag !== "string" || !/^[a-zA-Z0-9]{1,15}$/.test(tag)) {
      throw invalid(
        r.what,
        `tag must be 1 to 15 letters and digits (e.g. "issue"), not ${JSON.stringify(tag)}`,
      );
    }
    return { flags: uint(f, "flags", 8, r), tag: tag.toLowerCase(), value: text(f, "value", r, false) };
  },
  SSHFP: (f, r) => {
    const fingerprintType = uint(f, "fingerprintType", 8, r);
    return {
      algorithm: uint(f, "algorithm", 8, r),
      fingerprintType,
      fingerprint: hex(f, "fingerprint", r, SSHFP_BYTES, fingerprintType),
    };
  },
  TLSA: (f, r) => {
    const matchingType = uint(f, "matchingType", 8, r);
    return {
      usage: uint(f, "usage", 8, r),
      selector: uint(f, "selector", 8, r),
      matchingType,
      data: hex(f, "data", r, TLSA_BYTES, matchingType),
    };
  },
  NAPTR: (f, r) => ({
    order: uint(f, "order", 16, r),
    preference: uint(f, "preference", 16, r),
    flags: text(f, "flags", r),
    service: text(f, "service", r),
    regexp: text(f, "regexp", r),
    replacement: name(f, "replacement", r, true),
  }),
  DS: (f, r) => {
    const digestType = uint(f, "digestType", 8, r);
    return {
      keyTag: uint(f, "keyTag", 16, r),
      algorithm: uint(f, "algorithm", 8, r),
      digestType,
      digest: hex(f, "digest", r, DS_DIGEST_BYTES, digestType),
    };
  },
  SOA: (f, r) => ({
    mname: name(f, "mname", r),
    rname: name(f, "rname", r),
    serial: uint(f, "serial", 32, r),
    refresh: uint(f, "refresh", 32, r),
    retry: uint(f, "retry", 32, r),
    expire: uint(f, "expire", 32, r),
    minimum: uint(f, "minimum", 32, r),
  }),
};

/** Check and canonicalise the data of a record of `type`. The result is a fresh object. */
export function normalizeData<T extends RecordType>(
  type: T,
  data: unknown,
  rules: DataRules,
): RecordDataMap[T];
export function normalizeData(type: RecordType, data: unknown, rules: DataRules): AnyRecordData;
export function normalizeData(type: RecordType, data: unknown, rules: DataRules): AnyRecordData {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw invalid(rules.what, `the data of a ${type} record must be an object`);
  }
  return NORMALISE[type](data as Fields, rules);
}
