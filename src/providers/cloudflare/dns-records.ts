/**
 * Cloudflare DNS records between its JSON and the model. Simple types carry `content`; MX adds
 * `priority`; structured types (SRV, CAA, SSHFP, TLSA, NAPTR, DS) carry `data` with Cloudflare's field
 * names, which are mapped here one by one. ALIAS is Cloudflare's CNAME at the apex, which it flattens
 * into the target's addresses (RFC-compliant answers), so it reads back as ALIAS.
 */
import { InvalidInputError, ProviderError } from "../../core/errors.js";
import { splitText } from "../../dns/charstring.js";
import type { LooseRecordSet } from "../../dns/driver.js";
import { isInZone, resolveName } from "../../dns/names.js";
import { formatRdata, parseRdata } from "../../dns/presentation.js";
import { normalizeData } from "../../dns/rdata.js";
import type { AnyRecordData, RecordDataMap, RecordType } from "../../dns/types.js";
import { tokenizeData } from "../../dns/zonefile/tokenize.js";

export interface CfRecord {
  id: string;
  type: string;
  name: string;
  content?: string;
  priority?: number;
  ttl: number;
  data?: Record<string, unknown>;
}

/** What Cloudflare stores of the model (its type list has no SPF); ALIAS is an apex CNAME. */
export const CLOUDFLARE_TYPES: ReadonlySet<RecordType> = new Set<RecordType>([
  "A",
  "AAAA",
  "CNAME",
  "ALIAS",
  "MX",
  "TXT",
  "SRV",
  "CAA",
  "NS",
  "PTR",
  "SSHFP",
  "TLSA",
  "NAPTR",
  "DS",
]);

/** Cloudflare's TTLs: 1 ("automatic", 300 s today), or 30 to 86400 seconds. */
export function checkCloudflareTtl(ttl: number, what: string): void {
  if (ttl !== 1 && (ttl < 30 || ttl > 86_400)) {
    throw new InvalidInputError(
      `${what}: Cloudflare takes TTLs from 30 to 86400 seconds (or 1 for automatic), not ${ttl}`,
    );
  }
}

/** Cloudflare names are absolute without the dot; anything else is read as relative to the zone. */
function ownerName(name: string, zone: string, what: string): string {
  const absolute = resolveName(`${name}.`, ".", { what, wildcard: true });
  return isInZone(absolute, zone) ? absolute : resolveName(name, zone, { what, wildcard: true });
}

function fields(type: RecordType, r: CfRecord): Record<string, unknown> | undefined {
  const d = r.data;
  if (!d) return undefined;
  switch (type) {
    case "SRV":
      return {
        priority: d.priority ?? r.priority,
        weight: d.weight,
        port: d.port,
        target: absolute(d.target),
      };
    case "CAA":
      return { flags: d.flags, tag: d.tag, value: d.value };
    case "SSHFP":
      return { algorithm: d.algorithm, fingerprintType: d.type, fingerprint: d.fingerprint };
    case "TLSA":
      return { usage: d.usage, selector: d.selector, matchingType: d.matching_type, data: d.certificate };
    case "NAPTR":
      return {
        order: d.order,
        preference: d.preference,
        flags: d.flags,
        service: d.service,
        regexp: d.regex,
        replacement: absolute(d.replacement),
      };
    case "DS":
      return { keyTag: d.key_tag, algorithm: d.algorithm, digestType: d.digest_type, digest: d.digest };
    default:
      return undefined;
  }
}

/** A target name as Cloudflare writes it (no final dot) made absolute. */
function absolute(name: unknown): unknown {
  return typeof name === "string" && !name.endsWith(".") ? `${name}.` : name;
}

function readData(type: RecordType, r: CfRecord, what: string): AnyRecordData {
  const rules = { what, origin: ".", source: "provider" as const };
  const structured = fields(type, r);
  if (structured) return normalizeData(type, structured, rules);
  const content = r.content ?? "";
  switch (type) {
    case "A":
    case "AAAA":
      return normalizeData(type, { address: content }, rules);
    case "CNAME":
    case "ALIAS":
    case "NS":
    case "PTR":
      return normalizeData(type, { target: absolute(content) }, rules);
    case "MX":
      return normalizeData(type, { preference: r.priority, exchange: absolute(content) }, rules);
    case "TXT":
    case "SPF":
      // Quoted content is presentation text (one or more strings); bare content is one text.
      return content.startsWith('"')
        ? parseRdata(type, tokenizeData(content, what), rules)
        : normalizeData(type, { text: splitText(content) }, rules);
    default:
      // Older answers have only content, in presentation form with tabs ("0\tissue\tca.example").
      return parseRdata(type, tokenizeData(content.replace(/\t/g, " "), what), rules);
  }
}

/** The model's sets of Cloudflare records, grouped by name and type. */
export function toModelSets(records: readonly CfRecord[], zone: string, provider: string): LooseRecordSet[] {
  const sets = new Map<string, LooseRecordSet>();
  for (const r of records) {
    const what = `Cloudflare ${r.type} record "${r.name}"`;
    try {
      const fqdn = ownerName(r.name, zone, what);
      const type = (r.type === "CNAME" && fqdn === zone ? "ALIAS" : r.type) as RecordType;
      if (!CLOUDFLARE_TYPES.has(type)) continue;
      const data = readData(type, r, what);
      const key = `${fqdn} ${type}`;
      const set = sets.get(key);
      if (set) {
        set.values.push(data);
        set.ttl = Math.min(set.ttl, r.ttl);
      } else sets.set(key, { fqdn, type, ttl: r.ttl, values: [data] });
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw new ProviderError(`${what} cannot be read: ${(err as Error).message}`, { provider, cause: err });
    }
  }
  return [...sets.values()];
}

/** A name as Cloudflare takes it: absolute, without the final dot. */
export function cfName(fqdn: string): string {
  return fqdn === "." ? "." : fqdn.slice(0, -1);
}

/** The JSON body that creates or updates one record of `type` at `fqdn`. */
export function recordBody(
  fqdn: string,
  type: RecordType,
  ttl: number,
  data: AnyRecordData,
): Record<string, unknown> {
  const base = { type: type === "ALIAS" ? "CNAME" : type, name: cfName(fqdn), ttl };
  switch (type) {
    case "A":
    case "AAAA":
      return { ...base, content: (data as RecordDataMap["A"]).address };
    case "CNAME":
    case "ALIAS":
    case "NS":
    case "PTR":
      return { ...base, content: cfName((data as RecordDataMap["NS"]).target) };
    case "MX": {
      const d = data as RecordDataMap["MX"];
      return { ...base, content: cfName(d.exchange), priority: d.preference };
    }
    case "TXT":
    case "SPF":
      return { ...base, content: formatRdata(type, data) };
    case "SRV": {
      const d = data as RecordDataMap["SRV"];
      return {
        ...base,
        data: { priority: d.priority, weight: d.weight, port: d.port, target: cfName(d.target) },
      };
    }
    case "CAA": {
      const d = data as RecordDataMap["CAA"];
      return { ...base, data: { flags: d.flags, tag: d.tag, value: d.value } };
    }
    case "SSHFP": {
      const d = data as RecordDataMap["SSHFP"];
      return {
        ...base,
        data: { algorithm: d.algorithm, type: d.fingerprintType, fingerprint: d.fingerprint },
      };
    }
    case "TLSA": {
      const d = data as RecordDataMap["TLSA"];
      return {
        ...base,
        data: { usage: d.usage, selector: d.selector, matching_type: d.matchingType, certificate: d.data },
      };
    }
    case "NAPTR": {
      const d = data as RecordDataMap["NAPTR"];
      return {
        ...base,
        data: {
          order: d.order,
          preference: d.preference,
          flags: d.flags,
          service: d.service,
          regex: d.regexp,
          replacement: cfName(d.replacement),
        },
      };
    }
    case "DS": {
      const d = data as RecordDataMap["DS"];
      return {
        ...base,
        data: { key_tag: d.keyTag, algorithm: d.algorithm, digest_type: d.digestType, digest: d.digest },
      };
    }
    case "SOA":
      throw new InvalidInputError("Cloudflare keeps the SOA record itself");
  }
}
