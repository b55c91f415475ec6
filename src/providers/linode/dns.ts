/**
 * Linode (Akamai) DNS Manager through API v4 (https://api.linode.com/v4): domains under /v4/domains by
 * numeric id, records under /v4/domains/{id}/records, listed by page number; auth by a personal access
 * token (Bearer). Records are kept one by one, so a set change becomes the fewest record calls (see
 * ../cloudflare/dns-diff.ts); they are NOT atomic as a batch. SOA fields are the domain's own fields
 * (soa_email, refresh_sec, retry_sec, expire_sec); Linode serves its own name servers (ns1-5.linode.com).
 */
import { bearerAuthorizer, bearerToken } from "../../core/credentials/bearer.js";
import { AlreadyExistsError, InvalidInputError, NotFoundError, ProviderError } from "../../core/errors.js";
import { paginateByPageNumber } from "../../core/pagination/schemes.js";
import { Transport, type TransportOptions } from "../../core/transport/transport.js";
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
import { canonicalZoneName, splitLabels } from "../../dns/names.js";
import type { RecordType, SoaSettings, Zone } from "../../dns/types.js";
import { planRecords } from "../cloudflare/dns-diff.js";
import {
  checkLinodeSet,
  LINODE_TYPES,
  type LinodeRecord,
  readRecord,
  recordBody,
  toModelSets,
} from "./dns-records.js";

export interface LinodeDnsOptions {
  /** Default: $LINODE_TOKEN, then $LINODE_CLI_TOKEN. */
  token?: string;
  /** Default https://api.linode.com/v4. */
  baseUrl?: string;
  /** Items per page, 25 to 500. */
  pageSize?: number;
  transport?: Omit<TransportOptions, "provider" | "authorize" | "parseError">;
}

const PROVIDER = "linode";
/** What Linode serves for a TTL of 0 on a domain whose own TTL is 0 too (its documented default). */
const LINODE_DEFAULT_TTL = 86_400;

interface LinodeDomain {
  id: number;
  domain: string;
  soa_email?: string;
  ttl_sec?: number;
}

/** An SOA mailbox name as the address Linode keeps: the first unescaped dot becomes "@". */
function rnameToEmail(rname: string): string {
  const [local, ...rest] = splitLabels(rname.slice(0, -1));
  return `${(local ?? "").replace(/\\\./g, ".")}@${rest.join(".")}`;
}

function soaFields(soa: SoaSettings): Record<string, unknown> {
  if (soa.mname !== undefined || soa.minimum !== undefined) {
    throw new InvalidInputError("Linode sets the SOA's primary name server and negative TTL itself", {
      provider: PROVIDER,
    });
  }
  return {
    ...(soa.rname !== undefined ? { soa_email: rnameToEmail(soa.rname) } : {}),
    ...(soa.refresh !== undefined ? { refresh_sec: soa.refresh } : {}),
    ...(soa.retry !== undefined ? { retry_sec: soa.retry } : {}),
    ...(soa.expire !== undefined ? { expire_sec: soa.expire } : {}),
  };
}

export class LinodeDnsDriver implements DnsDriver {
  readonly provider = PROVIDER;
  readonly recordTypes = LINODE_TYPES;
  readonly baseUrl: string;
  private readonly http: Transport;
  private readonly ids = new Map<string, number>();

  constructor(private readonly options: LinodeDnsOptions = {}) {
    const token = bearerToken({
      provider: PROVIDER,
      token: options.token,
      envVars: ["LINODE_TOKEN", "LINODE_CLI_TOKEN"],
    });
    this.baseUrl = (options.baseUrl ?? "https://api.linode.com/v4").replace(/\/+$/, "");
    this.http = new Transport({
      ...options.transport,
      provider: PROVIDER,
      authorize: bearerAuthorizer(token),
    });
  }

  async *listZones(signal?: AbortSignal): AsyncIterable<Zone> {
    for await (const d of this.domains(signal)) yield describe(d);
  }

  async getZone(name: string, signal?: AbortSignal): Promise<Zone> {
    return describe(await this.domain(name, signal));
  }

  async createZone(request: CreateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    if (await this.findId(request.name, signal)) {
      throw new AlreadyExistsError(`Zone ${request.name} exists in Linode already`, { provider: PROVIDER });
    }
    const body = {
      domain: request.name.slice(0, -1),
      type: "master",
      // Linode requires a mailbox for primary domains.
      soa_email: rnameToEmail(request.soa.rname ?? `hostmaster.${request.name}`),
      ...soaFields(request.soa),
    };
    const created = (await this.call("POST", "/domains", { body, signal })) as LinodeDomain;
    this.ids.set(request.name, created.id);
    if (request.nameservers.length > 0) {
      return this.updateZone(request.name, { soa: {}, nameservers: request.nameservers }, signal);
    }
    return describe(created);
  }

  async updateZone(name: string, request: UpdateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    const id = await this.zoneId(name, signal);
    const fields = soaFields(request.soa);
    if (Object.keys(fields).length > 0) await this.call("PUT", `/domains/${id}`, { body: fields, signal });
    if (request.nameservers !== undefined) {
      // Linode serves ns1-5.linode.com itself; apex NS records here are the ones the caller adds beside them.
      const set: LooseRecordSet = {
        fqdn: name,
        type: "NS",
        ttl: 0,
        values: request.nameservers.map((target) => ({ target })),
      };
      const current = await this.currentSet(id, name, name, "NS", signal);
      set.ttl = current.ttl;
      await this.changeRecordSets(name, [{ action: "replace", set: asDriverSet(set) }], signal);
    }
    return this.getZone(name, signal);
  }

  async deleteZone(name: string, signal?: AbortSignal): Promise<void> {
    const id = await this.zoneId(name, signal);
    await this.call("DELETE", `/domains/${id}`, { signal });
    this.ids.delete(name);
  }

  async *listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
    signal?: AbortSignal,
  ): AsyncIterable<DriverRecordSet> {
    const domain = await this.domain(zone, signal);
    const records = await this.records(domain.id, signal);
    for (const set of toModelSets(records, zone, defaultTtl(domain), PROVIDER)) {
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
    for (const c of changes)
      if (c.action === "replace") checkLinodeSet(asLooseSet(c.set), `${c.set.type} record "${c.set.fqdn}"`);
    const domain = await this.domain(zone, signal);
    const all = await this.records(domain.id, signal);
    const path = `/domains/${domain.id}/records`;
    for (const c of changes) {
      const fqdn = c.action === "delete" ? c.fqdn : c.set.fqdn;
      const type = c.action === "delete" ? c.type : c.set.type;
      const existing = all.flatMap((r) => {
        const read = readRecord(r, zone, defaultTtl(domain), PROVIDER);
        return read?.fqdn === fqdn && read.type === type
          ? [{ id: r.id, ttl: read.ttl, data: read.data }]
          : [];
      });
      const wanted = c.action === "replace" ? asLooseSet(c.set) : undefined;
      const plan = planRecords(existing, wanted);
      const ttl = wanted?.ttl ?? 0;
      for (const { id, data } of plan.update) {
        // PUT takes every field but the type, which a record keeps for life.
        const { type: _type, ...body } = recordBody(zone, fqdn, type, ttl, data);
        await this.call("PUT", `${path}/${id}`, { body, signal });
      }
      for (const data of plan.create)
        await this.call("POST", path, { body: recordBody(zone, fqdn, type, ttl, data), signal });
      for (const id of plan.delete) await this.call("DELETE", `${path}/${id}`, { signal });
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private async currentSet(
    id: number,
    zone: string,
    fqdn: string,
    type: RecordType,
    signal: AbortSignal | undefined,
  ) {
    const domain = await this.domain(zone, signal);
    const sets = toModelSets(await this.records(id, signal), zone, defaultTtl(domain), PROVIDER);
    return sets.find((s) => s.fqdn === fqdn && s.type === type) ?? { ttl: defaultTtl(domain) };
  }

  private domains(signal: AbortSignal | undefined): AsyncIterable<LinodeDomain> {
    return paginateByPageNumber<LinodeDomain>({
      what: "linode list domains",
      provider: PROVIDER,
      pageSize: this.options.pageSize ?? 500,
      signal,
      fetch: async (page, request) => {
        const body = (await this.call("GET", "/domains", {
          query: { page, page_size: request.pageSize },
          signal: request.signal,
        })) as { data?: LinodeDomain[]; pages?: number };
        return { items: body.data ?? [], totalPages: body.pages };
      },
    });
  }

  private async records(id: number, signal: AbortSignal | undefined): Promise<LinodeRecord[]> {
    return paginateByPageNumber<LinodeRecord>({
      what: `linode list records of domain ${id}`,
      provider: PROVIDER,
      pageSize: this.options.pageSize ?? 500,
      signal,
      fetch: async (page, request) => {
        const body = (await this.call("GET", `/domains/${id}/records`, {
          query: { page, page_size: request.pageSize },
          signal: request.signal,
        })) as { data?: LinodeRecord[]; pages?: number };
        return { items: body.data ?? [], totalPages: body.pages };
      },
    }).toArray();
  }

  private async findId(name: string, signal: AbortSignal | undefined): Promise<number | undefined> {
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    for await (const d of this.domains(signal)) {
      if (canonicalZoneName(d.domain) === name) {
        this.ids.set(name, d.id);
        return d.id;
      }
    }
    return undefined;
  }

  private async zoneId(name: string, signal: AbortSignal | undefined): Promise<number> {
    const id = await this.findId(name, signal);
    if (id === undefined) {
      throw new NotFoundError(`Zone ${name} is not a domain of this Linode account`, { provider: PROVIDER });
    }
    return id;
  }

  private async domain(name: string, signal: AbortSignal | undefined): Promise<LinodeDomain> {
    const id = await this.zoneId(name, signal);
    const d = (await this.call("GET", `/domains/${id}`, { signal })) as Partial<LinodeDomain>;
    if (typeof d.id !== "number" || typeof d.domain !== "string") {
      throw new ProviderError("Linode sent a domain without an id and a name", { provider: PROVIDER });
    }
    return d as LinodeDomain;
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
    const res = await this.http.sendJson({
      method,
      url: `${this.baseUrl}${path}`,
      ...(o.query ? { query: o.query } : {}),
      ...(o.body === undefined ? {} : { json: o.body }),
      ...(o.signal ? { signal: o.signal } : {}),
      operation: `linode:${method} ${path.replace(/\/\d+/g, "/{id}")}`,
    });
    return res.body ?? {};
  }
}

function defaultTtl(d: LinodeDomain): number {
  return d.ttl_sec && d.ttl_sec > 0 ? d.ttl_sec : LINODE_DEFAULT_TTL;
}

function describe(d: LinodeDomain): Zone {
  return { name: canonicalZoneName(d.domain), id: String(d.id), provider: PROVIDER };
}

export function createLinodeDns(options: LinodeDnsOptions = {}): LinodeDnsDriver {
  return new LinodeDnsDriver(options);
}
