/**
 * Amazon Route 53 (API 2013-04-01, rest-xml, SigV4 with service "route53" in us-east-1): hosted zones
 * listed with Marker pagination, record sets with StartRecordName/Type pagination, changes as one
 * ChangeBatch (atomic on Route 53's side) of CREATE, UPSERT and DELETE actions. ALIAS is Route 53's alias
 * record (see route53-records.ts).
 *
 * The portable API names zones by their domain; Route 53 by an id ("Z0123..."). Names are resolved by
 * listing hosted zones once and kept; `zoneIds` skips that for zones whose id the caller knows.
 */
import { randomUUID } from "node:crypto";
import type { DocReader } from "../../core/codec/read.js";
import { readXml } from "../../core/codec/xml.js";
import { buildXml } from "../../core/codec/xml-build.js";
import type { XmlInputObject } from "../../core/codec/xml-shape.js";
import { AlreadyExistsError, InvalidInputError, NotFoundError } from "../../core/errors.js";
import { paginate } from "../../core/pagination/paginate.js";
import { paginateByMarker } from "../../core/pagination/schemes.js";
import { Transport, type TransportOptions } from "../../core/transport/transport.js";
import type { HttpMethod } from "../../core/transport/types.js";
import {
  asDriverSet,
  asLooseSet,
  type CreateZoneRequest,
  type DnsDriver,
  type DriverRecordSet,
  type RecordSetChange,
  type UpdateZoneRequest,
} from "../../dns/driver.js";
import { canonicalZoneName } from "../../dns/names.js";
import type { RecordDataMap, RecordType, Zone } from "../../dns/types.js";
import { awsCredentialChain, type ExplicitCredentials, staticCredentials } from "./credentials/chain.js";
import type { AwsCredentialProvider } from "./credentials/types.js";
import { parseRoute53Error } from "./route53-errors.js";
import {
  ALIAS_TYPES,
  type AliasContext,
  aliasElements,
  existingElement,
  ROUTE53_TYPES,
  type Route53Set,
  readRoute53Set,
  setElement,
  toModelSets,
} from "./route53-records.js";
import { fromRoute53Name, toRoute53Name } from "./route53-text.js";
import { SigV4Signer } from "./signer.js";

export interface Route53Options {
  /** Keys, or any credential provider. Default: the AWS credential chain (env, profile, SSO, IMDS...). */
  credentials?: ExplicitCredentials | AwsCredentialProvider;
  /** A profile of ~/.aws for the credential chain. */
  profile?: string;
  /** Default https://route53.amazonaws.com (route53.amazonaws.com.cn and others for other partitions). */
  endpoint?: string;
  /** The SigV4 region. Default us-east-1, where Route 53's global endpoint signs. */
  signingRegion?: string;
  /** Hosted zone ids by zone name ("example.com." -> "Z0123..."), to skip looking them up. */
  zoneIds?: Readonly<Record<string, string>>;
  /** The hosted zone id of an ALIAS target, for targets outside the zone (ELB, S3 website, ...). */
  aliasHostedZoneId?: (target: string) => string | undefined;
  /** Items per page: zones (max 100) and record sets (max 300). */
  pageSize?: { zones?: number; records?: number };
  /** A CreateHostedZone idempotency token maker; default a random UUID. */
  callerReference?: () => string;
  /** Timeouts, retries, rate limit, dispatcher (MockAgent for replay tests) and the like. */
  transport?: Omit<TransportOptions, "provider" | "authorize" | "parseError">;
}

const PROVIDER = "route53";
const API = "/2013-04-01";
const XMLNS = "https://route53.amazonaws.com/doc/2013-04-01/";

/** Route 53's ChangeBatch limits: 1000 ResourceRecord elements and 32000 characters of values. */
const MAX_BATCH_RECORDS = 1000;
const MAX_BATCH_CHARS = 32_000;

interface HostedZone {
  id: string;
  name: string;
}

interface SetCursor {
  name: string;
  type: string | undefined;
  identifier: string | undefined;
}

/** "/hostedzone/Z0123" and "Z0123" are the same zone; URIs take the bare id. */
function bareId(id: string): string {
  return id.replace(/^\/?hostedzone\//, "");
}

function isProvider(c: ExplicitCredentials | AwsCredentialProvider): c is AwsCredentialProvider {
  return typeof (c as AwsCredentialProvider).get === "function";
}

export class Route53Driver implements DnsDriver {
  readonly provider = PROVIDER;
  readonly recordTypes = ROUTE53_TYPES;
  readonly endpoint: string;
  private readonly http: Transport;
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly options: Route53Options = {},
    credentials?: AwsCredentialProvider,
  ) {
    this.endpoint = (options.endpoint ?? "https://route53.amazonaws.com").replace(/\/+$/, "");
    const c = options.credentials;
    const provider =
      credentials ??
      (c
        ? isProvider(c)
          ? c
          : staticCredentials(c)
        : awsCredentialChain(options.profile ? { profile: options.profile } : {}));
    const signer = new SigV4Signer({
      service: "route53",
      region: options.signingRegion ?? "us-east-1",
      credentials: provider,
    });
    this.http = new Transport({
      ...options.transport,
      provider: PROVIDER,
      parseError: parseRoute53Error,
      authorize: signer.authorize,
    });
    for (const [name, id] of Object.entries(options.zoneIds ?? {})) {
      this.ids.set(canonicalZoneName(name), bareId(id));
    }
  }

  // ---- zones ----

  async *listZones(signal?: AbortSignal): AsyncIterable<Zone> {
    for await (const z of this.hostedZones(signal)) yield { name: z.name, id: z.id, provider: PROVIDER };
  }

  async getZone(name: string, signal?: AbortSignal): Promise<Zone> {
    const id = await this.zoneId(name, signal);
    const doc = await this.call("GET", `/hostedzone/${id}`, "GetHostedZone", { signal });
    return this.describe(name, id, doc.optAt("GetHostedZoneResponse.DelegationSet"), signal);
  }

  async createZone(request: CreateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    // Route 53 allows several hosted zones of one name (CallerReference is what must be unique), but the
    // portable API names zones by name, so a second one would be unreachable: refuse it.
    if (await this.findZone(request.name, signal)) {
      throw new AlreadyExistsError(`Zone ${request.name} exists in Route 53 already`, { provider: PROVIDER });
    }
    const body = buildXml({
      CreateHostedZoneRequest: {
        "@_xmlns": XMLNS,
        Name: toRoute53Name(request.name),
        // The idempotency token: a retry of this very request cannot create a second zone.
        CallerReference: (this.options.callerReference ?? randomUUID)(),
      },
    });
    const doc = await this.call("POST", "/hostedzone", "CreateHostedZone", {
      body,
      signal,
      idempotent: true,
    });
    const created = doc.at("CreateHostedZoneResponse");
    const id = bareId(created.str("HostedZone.Id"));
    this.ids.set(request.name, id);
    if (request.nameservers.length > 0 || Object.keys(request.soa).length > 0) {
      return this.updateZone(
        request.name,
        { soa: request.soa, ...(request.nameservers.length > 0 ? { nameservers: request.nameservers } : {}) },
        signal,
      );
    }
    return this.describe(request.name, id, created.optAt("DelegationSet"), signal);
  }

  async updateZone(name: string, request: UpdateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    const id = await this.zoneId(name, signal);
    const apex = await this.rawSetsAt(id, name, signal);
    const changes: XmlInputObject[] = [];
    const soa = apex.find((s) => s.type === "SOA" && !s.alias);
    if (Object.keys(request.soa).length > 0 && soa) {
      const [current] = toModelSets([soa], name, PROVIDER);
      const data = current!.values[0] as RecordDataMap["SOA"];
      // Route 53 keeps the serial the caller writes; raise it so secondaries notice (RFC 1982 arithmetic).
      const next = { ...data, ...request.soa, serial: (data.serial + 1) % 2 ** 32 };
      changes.push(
        change("UPSERT", setElement({ fqdn: name, type: "SOA", ttl: current!.ttl, values: [next] })),
      );
    }
    if (request.nameservers !== undefined) {
      const ns = apex.find((s) => s.type === "NS" && !s.alias);
      const values = request.nameservers.map((target) => ({ target }));
      changes.push(change("UPSERT", setElement({ fqdn: name, type: "NS", ttl: ns?.ttl ?? 172_800, values })));
    }
    if (changes.length > 0) await this.submit(id, name, changes, signal);
    return this.getZone(name, signal);
  }

  async deleteZone(name: string, signal?: AbortSignal): Promise<void> {
    const id = await this.zoneId(name, signal);
    // Route 53 deletes only empty zones; the portable API deletes a zone with its records, as the others do.
    const doomed: XmlInputObject[] = [];
    for await (const set of this.rawSets(id, undefined, signal)) {
      const apex = fromRoute53Name(set.name, "Route 53 record set") === name;
      if (apex && (set.type === "SOA" || set.type === "NS")) continue;
      doomed.push(change("DELETE", existingElement(set)));
    }
    if (doomed.length > 0) await this.submit(id, name, doomed, signal);
    await this.call("DELETE", `/hostedzone/${id}`, "DeleteHostedZone", { signal });
    this.ids.delete(name);
  }

  // ---- records ----

  async *listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
    signal?: AbortSignal,
  ): AsyncIterable<DriverRecordSet> {
    const id = await this.zoneId(zone, signal);
    const seen = new Set<string>();
    for await (const raw of this.rawSets(id, filter.fqdn, signal)) {
      for (const set of toModelSets([raw], zone, PROVIDER, seen)) {
        if (filter.type !== undefined && set.type !== filter.type) continue;
        yield asDriverSet(set);
      }
    }
  }

  async changeRecordSets(
    zone: string,
    changes: readonly RecordSetChange[],
    signal?: AbortSignal,
  ): Promise<void> {
    if (changes.length === 0) return;
    const id = await this.zoneId(zone, signal);
    const ctx: AliasContext = { zone, zoneId: id, resolve: this.options.aliasHostedZoneId };
    // What is there now, name by name: DELETE must repeat a set exactly, and CREATE (rather than UPSERT)
    // for a set that was absent makes a concurrent writer's set an error instead of a silent overwrite.
    const current = new Map<string, Route53Set[]>();
    for (const c of changes) {
      const fqdn = c.action === "delete" ? c.fqdn : c.set.fqdn;
      if (!current.has(fqdn)) current.set(fqdn, await this.rawSetsAt(id, fqdn, signal));
    }
    const batch: XmlInputObject[] = [];
    for (const c of changes) {
      const fqdn = c.action === "delete" ? c.fqdn : c.set.fqdn;
      const here = current.get(fqdn)!;
      if (c.action === "delete") {
        const types: readonly string[] = c.type === "ALIAS" ? ALIAS_TYPES : [c.type];
        for (const s of here) {
          if (types.includes(s.type) && (c.type === "ALIAS") === (s.alias !== undefined)) {
            batch.push(change("DELETE", existingElement(s)));
          }
        }
        continue;
      }
      const set = asLooseSet(c.set);
      if (set.type === "ALIAS" && set.values.length !== 1) {
        throw new InvalidInputError(`ALIAS record "${fqdn}": Route 53 aliases point at exactly one target`);
      }
      const wanted =
        set.type === "ALIAS"
          ? aliasElements(fqdn, set.values[0] as RecordDataMap["ALIAS"], ctx)
          : [setElement(set)];
      for (const element of wanted) {
        const existing = here.find((s) => s.type === element.Type);
        if (!existing) batch.push(change("CREATE", element));
        else if ((existing.alias !== undefined) === (element.AliasTarget !== undefined)) {
          batch.push(change("UPSERT", element));
        } else {
          // An alias becomes plain records or the other way round: Route 53 wants the old one deleted.
          batch.push(change("DELETE", existingElement(existing)), change("CREATE", element));
        }
      }
    }
    if (batch.length > 0) await this.submit(id, zone, batch, signal);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  // ---- helpers ----

  /** Send changes as few ChangeBatches as Route 53's limits allow (one, and so atomic, unless huge). */
  private async submit(
    id: string,
    zone: string,
    changes: XmlInputObject[],
    signal?: AbortSignal,
  ): Promise<void> {
    const batches: XmlInputObject[][] = [[]];
    let records = 0;
    let chars = 0;
    for (const c of changes) {
      const values = ((c.ResourceRecordSet as XmlInputObject).ResourceRecords as XmlInputObject | undefined)
        ?.ResourceRecord as { Value: string }[] | undefined;
      const n = values?.length ?? 1;
      const size = values?.reduce((sum, v) => sum + v.Value.length, 0) ?? 0;
      if ((records + n > MAX_BATCH_RECORDS || chars + size > MAX_BATCH_CHARS) && batches.at(-1)!.length > 0) {
        batches.push([]);
        records = 0;
        chars = 0;
      }
      batches.at(-1)!.push(c);
      records += n;
      chars += size;
    }
    for (const list of batches) {
      const body = buildXml({
        ChangeResourceRecordSetsRequest: {
          "@_xmlns": XMLNS,
          ChangeBatch: { Comment: `omnicloud: ${zone}`, Changes: { Change: list } },
        },
      });
      await this.call("POST", `/hostedzone/${id}/rrset/`, "ChangeResourceRecordSets", { body, signal });
    }
  }

  private async describe(
    name: string,
    id: string,
    delegation: DocReader | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Zone> {
    const zone: Zone = { name, id, provider: PROVIDER };
    const apex = toModelSets(await this.rawSetsAt(id, name, signal), name, PROVIDER);
    const soa = apex.find((s) => s.type === "SOA")?.values[0] as RecordDataMap["SOA"] | undefined;
    if (soa) zone.serial = soa.serial;
    const ns = apex.find((s) => s.type === "NS");
    if (ns) zone.nameservers = (ns.values as RecordDataMap["NS"][]).map((v) => v.target);
    else if (delegation) {
      zone.nameservers = delegation
        .strings("NameServers.NameServer")
        .map((n) => fromRoute53Name(n, "name server"));
    }
    return zone;
  }

  private hostedZones(signal: AbortSignal | undefined): AsyncIterable<HostedZone> {
    return paginateByMarker<HostedZone>({
      what: "route53 ListHostedZones",
      provider: PROVIDER,
      pageSize: this.options.pageSize?.zones ?? 100,
      signal,
      keyOf: (z) => z.id,
      fetch: async (marker, request) => {
        const doc = await this.call("GET", "/hostedzone", "ListHostedZones", {
          query: { marker, maxitems: request.pageSize },
          signal: request.signal,
        });
        const page = doc.at("ListHostedZonesResponse");
        const items = page.list("HostedZones.HostedZone").map((z) => ({
          id: bareId(z.str("Id")),
          name: fromRoute53Name(z.str("Name"), "Route 53 hosted zone name"),
        }));
        return {
          items,
          isTruncated: page.optBool("IsTruncated") ?? false,
          nextMarker: page.optStr("NextMarker"),
        };
      },
    });
  }

  private async findZone(name: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const known = this.ids.get(name);
    if (known) return known;
    const matches: string[] = [];
    for await (const z of this.hostedZones(signal)) if (z.name === name) matches.push(z.id);
    if (matches.length > 1) {
      throw new InvalidInputError(
        `Route 53 has ${matches.length} hosted zones named ${name}: ${matches.join(", ")}`,
        {
          hint: "Pick one with { zoneIds: { [name]: id } } (e.g. the public one beside private ones)",
        },
      );
    }
    if (matches[0]) this.ids.set(name, matches[0]);
    return matches[0];
  }

  private async zoneId(name: string, signal: AbortSignal | undefined): Promise<string> {
    const id = await this.findZone(name, signal);
    if (!id) {
      throw new NotFoundError(`Zone ${name} is not a hosted zone of this Route 53 account`, {
        provider: PROVIDER,
        hint: "Create it with createZone",
      });
    }
    return id;
  }

  /**
   * Record sets of a zone in Route 53's order, from `from` on (and only those of that name when given),
   * following NextRecordName/Type/Identifier.
   */
  private rawSets(
    id: string,
    from: string | undefined,
    signal: AbortSignal | undefined,
  ): AsyncIterable<Route53Set> {
    const listing = paginate<Route53Set, SetCursor>({
      what: `route53 ListResourceRecordSets of ${id}`,
      provider: PROVIDER,
      pageSize: this.options.pageSize?.records ?? 300,
      signal,
      first:
        from === undefined
          ? undefined
          : { name: toRoute53Name(from), type: undefined, identifier: undefined },
      cursorKey: (c) => `${c.name} ${c.type ?? ""} ${c.identifier ?? ""}`,
      fetch: async (cursor, request) => {
        const doc = await this.call("GET", `/hostedzone/${id}/rrset`, "ListResourceRecordSets", {
          query: {
            name: cursor?.name,
            type: cursor?.type,
            identifier: cursor?.identifier,
            maxitems: request.pageSize,
          },
          signal: request.signal,
        });
        const page = doc.at("ListResourceRecordSetsResponse");
        const items = page.list("ResourceRecordSets.ResourceRecordSet").map(readRoute53Set);
        const nextName = page.optStr("NextRecordName");
        const next = nextName
          ? {
              name: nextName,
              type: page.optStr("NextRecordType"),
              identifier: page.optStr("NextRecordIdentifier"),
            }
          : undefined;
        return { items, next, truncated: page.optBool("IsTruncated") ?? false };
      },
    });
    if (from === undefined) return listing;
    // Names come in order, so the sets of one name are together: stop at the first other name.
    return (async function* () {
      for await (const set of listing) {
        if (fromRoute53Name(set.name, "Route 53 record set") !== from) return;
        yield set;
      }
    })();
  }

  private async rawSetsAt(id: string, fqdn: string, signal: AbortSignal | undefined): Promise<Route53Set[]> {
    const out: Route53Set[] = [];
    for await (const set of this.rawSets(id, fqdn, signal))
      if (set.setIdentifier === undefined) out.push(set);
    return out;
  }

  private async call(
    method: HttpMethod,
    path: string,
    operation: string,
    o: {
      query?: Record<string, string | number | undefined>;
      body?: string;
      signal?: AbortSignal | undefined;
      idempotent?: boolean;
    },
  ): Promise<DocReader> {
    const res = await this.http.send({
      method,
      url: `${this.endpoint}${API}${path}`,
      ...(o.query ? { query: o.query } : {}),
      ...(o.body === undefined ? {} : { body: o.body, headers: { "content-type": "application/xml" } }),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.idempotent === undefined ? {} : { idempotent: o.idempotent }),
      operation: `route53:${operation}`,
    });
    const text = res.body.toString("utf8");
    return readXml(text === "" ? "<Empty/>" : text, { provider: PROVIDER, operation });
  }
}

function change(action: "CREATE" | "UPSERT" | "DELETE", element: XmlInputObject): XmlInputObject {
  return { Action: action, ResourceRecordSet: element };
}

/** Credentials are resolved lazily by the chain, so opening never blocks on a metadata endpoint. */
export function createRoute53(options: Route53Options = {}): Route53Driver {
  return new Route53Driver(options);
}
