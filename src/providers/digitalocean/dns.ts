/**
 * DigitalOcean DNS through API v2 (https://api.digitalocean.com/v2): domains under /v2/domains (named by
 * their name, without the final dot), records under /v2/domains/{name}/records, listed by page number;
 * auth by a personal access token (Bearer). Records are kept one by one, so a set change becomes the
 * fewest record calls (see ../cloudflare/dns-diff.ts); they are NOT atomic as a batch. The SOA is
 * DigitalOcean's: read from the zone file the API returns, never written.
 */
import { AlreadyExistsError, InvalidInputError, NotFoundError, ProviderError } from "../../core/errors.js";
import { paginateByPageNumber } from "../../core/pagination/schemes.js";
import type { HttpMethod } from "../../core/transport/types.js";
import {
  asDriverSet,
  asLooseSet,
  type CreateZoneRequest,
  type DnsDriver,
  type DriverRecordSet,
  type LooseRecordSet,
  type RecordSetChange,
  type UpdateZoneRequest,
} from "../../dns/driver.js";
import { canonicalZoneName } from "../../dns/names.js";
import type { RecordDataMap, RecordType, Zone } from "../../dns/types.js";
import { parseZoneFile } from "../../dns/zonefile/parse.js";
import { planRecords } from "../cloudflare/dns-diff.js";
import { DigitalOceanApi, type DigitalOceanTransportOptions } from "./api.js";
import {
  checkDigitalOceanTtl,
  DIGITALOCEAN_TYPES,
  type DoRecord,
  readRecord,
  recordBody,
  toModelSets,
} from "./dns-records.js";

export interface DigitalOceanDnsOptions {
  /** Default: $DIGITALOCEAN_TOKEN, then $DIGITALOCEAN_ACCESS_TOKEN. */
  token?: string;
  /** Default https://api.digitalocean.com. */
  baseUrl?: string;
  /** Items per page, at most 200. */
  pageSize?: number;
  transport?: DigitalOceanTransportOptions;
}

const PROVIDER = "digitalocean";

interface DoDomain {
  name: string;
  zone_file?: string | null;
}

function bare(zone: string): string {
  return zone.slice(0, -1);
}

export class DigitalOceanDnsDriver implements DnsDriver {
  readonly provider = PROVIDER;
  readonly recordTypes = DIGITALOCEAN_TYPES;
  readonly baseUrl: string;
  // The vendor's one API client: token lookup, DigitalOcean's error document, request ids.
  private readonly api: DigitalOceanApi;

  constructor(private readonly options: DigitalOceanDnsOptions = {}) {
    this.api = new DigitalOceanApi({
      token: options.token,
      baseUrl: options.baseUrl,
      pageSize: options.pageSize,
      transport: options.transport,
    });
    this.baseUrl = this.api.baseUrl;
  }

  async *listZones(signal?: AbortSignal): AsyncIterable<Zone> {
    const pages = paginateByPageNumber<DoDomain>({
      what: "digitalocean list domains",
      provider: PROVIDER,
      pageSize: this.options.pageSize ?? 200,
      signal,
      fetch: async (page, request) => {
        const body = (await this.call("GET", "/v2/domains", {
          query: { page, per_page: request.pageSize },
          signal: request.signal,
        })) as { domains?: DoDomain[]; meta?: { total?: number } };
        return { items: body.domains ?? [], totalItems: body.meta?.total };
      },
    });
    for await (const d of pages) yield describe(d);
  }

  async getZone(name: string, signal?: AbortSignal): Promise<Zone> {
    const body = (await this.call("GET", `/v2/domains/${encodeURIComponent(bare(name))}`, { signal })) as {
      domain?: DoDomain;
    };
    if (!body.domain) throw new ProviderError("DigitalOcean sent no domain", { provider: PROVIDER });
    return describe(body.domain);
  }

  async createZone(request: CreateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    if (Object.keys(request.soa).length > 0) throw unsupported("DigitalOcean writes a domain's SOA itself");
    const exists = await this.getZone(request.name, signal).then(
      () => true,
      (err: unknown) => {
        if (err instanceof NotFoundError) return false;
        throw err;
      },
    );
    if (exists)
      throw new AlreadyExistsError(`Zone ${request.name} exists in DigitalOcean already`, {
        provider: PROVIDER,
      });
    await this.call("POST", "/v2/domains", { body: { name: bare(request.name) }, signal });
    if (request.nameservers.length > 0)
      return this.updateZone(request.name, { soa: {}, nameservers: request.nameservers }, signal);
    return this.getZone(request.name, signal);
  }

  async updateZone(name: string, request: UpdateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    if (Object.keys(request.soa).length > 0) throw unsupported("DigitalOcean keeps a domain's SOA itself");
    if (request.nameservers !== undefined) {
      const current = await this.records(name, name, "NS", signal);
      const ttl = current[0]?.ttl ?? 1800;
      const set: LooseRecordSet = {
        fqdn: name,
        type: "NS",
        ttl,
        values: request.nameservers.map((target) => ({ target })),
      };
      await this.changeRecordSets(name, [{ action: "replace", set: asDriverSet(set) }], signal);
    }
    return this.getZone(name, signal);
  }

  async deleteZone(name: string, signal?: AbortSignal): Promise<void> {
    await this.call("DELETE", `/v2/domains/${encodeURIComponent(bare(name))}`, { signal });
  }

  async *listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
    signal?: AbortSignal,
  ): AsyncIterable<DriverRecordSet> {
    const records = await this.records(zone, filter.fqdn, filter.type, signal);
    const sets = toModelSets(records, zone, PROVIDER);
    // The SOA comes in the listing without its fields; the zone file the domain carries has them.
    const wantsSoa = filter.type === undefined || filter.type === "SOA";
    if (wantsSoa && (filter.fqdn === undefined || filter.fqdn === zone)) {
      const soa = await this.soa(zone, signal);
      if (soa) sets.unshift(soa);
    }
    for (const set of sets) {
      if (filter.fqdn !== undefined && set.fqdn !== filter.fqdn) continue;
      if (filter.type !== undefined && set.type !== filter.type) continue;
      yield asDriverSet(set);
    }
  }

  async changeRecordSets(
    zone: string,
    changes: readonly RecordSetChange[],
    signal?: AbortSignal,
  ): Promise<void> {
    for (const c of changes) {
      if (c.action === "replace") checkDigitalOceanTtl(c.set.ttl, `${c.set.type} record "${c.set.fqdn}"`);
    }
    const path = `/v2/domains/${encodeURIComponent(bare(zone))}/records`;
    for (const c of changes) {
      const fqdn = c.action === "delete" ? c.fqdn : c.set.fqdn;
      const type = c.action === "delete" ? c.type : c.set.type;
      const existing = (await this.records(zone, fqdn, type, signal)).flatMap((r) => {
        const read = readRecord(r, zone, PROVIDER);
        return read?.fqdn === fqdn && read.type === type
          ? [{ id: r.id, ttl: read.ttl, data: read.data }]
          : [];
      });
      const wanted = c.action === "replace" ? asLooseSet(c.set) : undefined;
      const plan = planRecords(existing, wanted);
      const ttl = wanted?.ttl ?? 1800;
      for (const { id, data } of plan.update) {
        await this.call("PUT", `${path}/${id}`, { body: recordBody(zone, fqdn, type, ttl, data), signal });
      }
      for (const data of plan.create) {
        await this.call("POST", path, { body: recordBody(zone, fqdn, type, ttl, data), signal });
      }
      for (const id of plan.delete) await this.call("DELETE", `${path}/${id}`, { signal });
    }
  }

  async close(): Promise<void> {
    await this.api.close();
  }

  private async soa(zone: string, signal: AbortSignal | undefined): Promise<LooseRecordSet | undefined> {
    const body = (await this.call("GET", `/v2/domains/${encodeURIComponent(bare(zone))}`, { signal })) as {
      domain?: DoDomain;
    };
    return soaOf(body.domain, zone);
  }

  private async records(
    zone: string,
    fqdn: string | undefined,
    type: RecordType | undefined,
    signal: AbortSignal | undefined,
  ): Promise<DoRecord[]> {
    const pages = paginateByPageNumber<DoRecord>({
      what: `digitalocean list records of ${zone}`,
      provider: PROVIDER,
      pageSize: this.options.pageSize ?? 200,
      signal,
      fetch: async (page, request) => {
        // DigitalOcean filters by the full name (without the final dot) and by type, on its side.
        const query: Record<string, string | number | undefined> = { page, per_page: request.pageSize };
        if (fqdn !== undefined) query.name = bare(fqdn);
        if (type !== undefined && type !== "SOA") query.type = type;
        const body = (await this.call("GET", `/v2/domains/${encodeURIComponent(bare(zone))}/records`, {
          query,
          signal: request.signal,
        })) as { domain_records?: DoRecord[]; meta?: { total?: number } };
        return { items: body.domain_records ?? [], totalItems: body.meta?.total };
      },
    });
    return pages.toArray();
  }

  private async call(
    method: HttpMethod,
    path: string,
    o: {
      query?: Record<string, string | number | undefined>;
      body?: unknown;
      signal?: AbortSignal | undefined;
    },
  ): Promise<unknown> {
    const doc = await this.api.call(method, path, `${method} ${path.replace(/\/\d+$/, "/{id}")}`, o);
    return doc.value;
  }
}

function unsupported(what: string): InvalidInputError {
  return new InvalidInputError(`${what}; omnicloud cannot set SOA fields on DigitalOcean`, {
    provider: PROVIDER,
  });
}

/** The SOA and apex NS from the zone file DigitalOcean returns with a domain (absent right after creation). */
function zoneFileSets(domain: DoDomain | undefined, zone: string): LooseRecordSet[] {
  if (!domain?.zone_file) return [];
  try {
    return parseZoneFile(domain.zone_file, { origin: zone })
      .records.filter((r) => r.fqdn === zone && (r.type === "SOA" || r.type === "NS"))
      .reduce<LooseRecordSet[]>((sets, r) => {
        const set = sets.find((s) => s.type === r.type);
        if (set) set.values.push(r.data);
        else sets.push({ fqdn: zone, type: r.type, ttl: r.ttl, values: [r.data] });
        return sets;
      }, []);
  } catch (err) {
    throw new ProviderError(`DigitalOcean's zone file of ${zone} cannot be read: ${(err as Error).message}`, {
      provider: PROVIDER,
      cause: err,
    });
  }
}

function soaOf(domain: DoDomain | undefined, zone: string): LooseRecordSet | undefined {
  return zoneFileSets(domain, zone).find((s) => s.type === "SOA");
}

function describe(d: DoDomain): Zone {
  const name = canonicalZoneName(d.name);
  const sets = zoneFileSets(d, name);
  const soa = sets.find((s) => s.type === "SOA")?.values[0] as RecordDataMap["SOA"] | undefined;
  const ns = sets.find((s) => s.type === "NS");
  return {
    name,
    id: name,
    provider: PROVIDER,
    ...(soa ? { serial: soa.serial } : {}),
    ...(ns ? { nameservers: (ns.values as RecordDataMap["NS"][]).map((v) => v.target) } : {}),
  };
}

export function createDigitalOceanDns(options: DigitalOceanDnsOptions = {}): DigitalOceanDnsDriver {
  return new DigitalOceanDnsDriver(options);
}
