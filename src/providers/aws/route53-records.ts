/**
 * Route 53 record sets between its XML and the model. Plain sets carry presentation values (with octal
 * escapes, see route53-text.ts); ALIAS is Route 53's alias: an A and an AAAA set with an AliasTarget
 * instead of values, read back as one ALIAS set. Sets with a routing policy (SetIdentifier: weighted,
 * latency, geolocation, failover) have no place in the portable model and are left out of listings, so
 * `applyZone` never touches them.
 */
import type { DocReader } from "../../core/codec/read.js";
import type { XmlInputObject } from "../../core/codec/xml-shape.js";
import { InvalidInputError, ProviderError } from "../../core/errors.js";
import type { LooseRecordSet } from "../../dns/driver.js";
import { isInZone } from "../../dns/names.js";
import { isRecordType } from "../../dns/rdata.js";
import { DEFAULT_TTL } from "../../dns/ttl.js";
import type { RecordDataMap, RecordType } from "../../dns/types.js";
import { fromRoute53Name, fromRoute53Value, toRoute53Name, toRoute53Value } from "./route53-text.js";

/** A record set as Route 53 holds it. */
export interface Route53Set {
  name: string;
  type: string;
  ttl: number | undefined;
  values: string[];
  alias: { hostedZoneId: string; dnsName: string; evaluateTargetHealth: boolean } | undefined;
  setIdentifier: string | undefined;
}

/** The types Route 53 stores (its RRType list), plus ALIAS as its alias records. */
export const ROUTE53_TYPES: ReadonlySet<RecordType> = new Set<RecordType>([
  "SOA",
  "NS",
  "A",
  "AAAA",
  "CNAME",
  "MX",
  "TXT",
  "SPF",
  "SRV",
  "CAA",
  "PTR",
  "NAPTR",
  "DS",
  "ALIAS",
]);

/** The types an ALIAS is written as: both, so a dual-stack target answers for both families. */
export const ALIAS_TYPES = ["A", "AAAA"] as const;

/** Route 53's hosted zone ids of AWS targets whose zone is the same everywhere (the AWS docs list them). */
const WELL_KNOWN_ALIAS_ZONES: readonly [suffix: string, zoneId: string][] = [
  ["cloudfront.net.", "Z2FDTNDATAQYW2"],
];

export function readRoute53Set(item: DocReader): Route53Set {
  const alias = item.optAt("AliasTarget");
  return {
    name: item.str("Name"),
    type: item.str("Type"),
    ttl: item.optInt("TTL"),
    values: item.list("ResourceRecords.ResourceRecord").map((r) => r.str("Value")),
    alias: alias
      ? {
          hostedZoneId: alias.str("HostedZoneId"),
          dnsName: alias.str("DNSName"),
          evaluateTargetHealth: alias.optBool("EvaluateTargetHealth") ?? false,
        }
      : undefined,
    setIdentifier: item.optStr("SetIdentifier"),
  };
}

/**
 * The model's sets of a page of Route 53 sets in `zone`. Alias A and AAAA sets of one name and target are
 * folded into one ALIAS; out-of-zone names (never sent by Route 53 itself) are left out.
 */
export function toModelSets(
  sets: readonly Route53Set[],
  zone: string,
  provider: string,
  /** Alias names and targets already read, kept across pages of one listing. */
  aliases = new Set<string>(),
): LooseRecordSet[] {
  const out: LooseRecordSet[] = [];
  for (const set of sets) {
    if (set.setIdentifier !== undefined) continue;
    const what = `Route 53 ${set.type} record "${set.name}"`;
    try {
      const fqdn = fromRoute53Name(set.name, what);
      if (!isInZone(fqdn, zone)) continue;
      if (set.alias) {
        const target = fromRoute53Name(set.alias.dnsName, `${what} alias target`);
        const key = `${fqdn} ${target}`;
        if (aliases.has(key)) continue;
        aliases.add(key);
        // Alias records have no TTL of their own (Route 53 answers with the target's); they read as the
        // model's default, so a desired ALIAS without a TTL compares equal.
        out.push({ fqdn, type: "ALIAS", ttl: DEFAULT_TTL, values: [{ target }] });
        continue;
      }
      if (!isRecordType(set.type) || set.type === "ALIAS") continue;
      const type = set.type;
      out.push({
        fqdn,
        type,
        ttl: set.ttl ?? DEFAULT_TTL,
        values: set.values.map((v) => fromRoute53Value(type, v, what)),
      });
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      throw new ProviderError(`${what} cannot be read: ${(err as Error).message}`, { provider, cause: err });
    }
  }
  return out;
}

export interface AliasContext {
  zone: string;
  zoneId: string;
  /** The caller's mapping from a target to its hosted zone id, tried first. */
  resolve: ((target: string) => string | undefined) | undefined;
}

function aliasZoneId(target: string, ctx: AliasContext): string {
  const given = ctx.resolve?.(target);
  if (given) return given;
  if (isInZone(target, ctx.zone)) return ctx.zoneId;
  for (const [suffix, id] of WELL_KNOWN_ALIAS_ZONES) if (isInZone(target, suffix)) return id;
  throw new InvalidInputError(
    `ALIAS record to ${target}: Route 53 needs the hosted zone id of the alias target`,
    { hint: "Pass { aliasHostedZoneId: (target) => id } (the id AWS documents for ELB, S3 website, ...)" },
  );
}

/** The ResourceRecordSet element of a set as it should be. */
export function setElement(set: LooseRecordSet): XmlInputObject {
  return {
    Name: toRoute53Name(set.fqdn),
    Type: set.type,
    TTL: set.ttl,
    ResourceRecords: { ResourceRecord: set.values.map((v) => ({ Value: toRoute53Value(set.type, v) })) },
  };
}

/** The ResourceRecordSet elements of an ALIAS: one alias set per address type. */
export function aliasElements(
  fqdn: string,
  target: RecordDataMap["ALIAS"],
  ctx: AliasContext,
): XmlInputObject[] {
  const hostedZoneId = aliasZoneId(target.target, ctx);
  return ALIAS_TYPES.map((type) => ({
    Name: toRoute53Name(fqdn),
    Type: type,
    AliasTarget: {
      HostedZoneId: hostedZoneId,
      DNSName: toRoute53Name(target.target),
      EvaluateTargetHealth: false,
    },
  }));
}

/** The element of a set exactly as Route 53 holds it, which DELETE must repeat. */
export function existingElement(set: Route53Set): XmlInputObject {
  if (set.alias) {
    return {
      Name: set.name,
      Type: set.type,
      AliasTarget: {
        HostedZoneId: set.alias.hostedZoneId,
        DNSName: set.alias.dnsName,
        EvaluateTargetHealth: set.alias.evaluateTargetHealth,
      },
    };
  }
  return {
    Name: set.name,
    Type: set.type,
    TTL: set.ttl,
    ResourceRecords: { ResourceRecord: set.values.map((Value) => ({ Value })) },
  };
}
