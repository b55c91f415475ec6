/**
 * Cloudflare DNS through API v4 (https://api.cloudflare.com/client/v4): zones under /zones, records
 * under /zones/{zone_id}/dns_records, listed by page number; auth by API token (Bearer). Cloudflare keeps
 * records one by one, so a set change becomes the fewest record calls (see dns-diff.ts); they are NOT
 * atomic as a batch. Cloudflare owns the SOA and the apex NS, so updateZone cannot change them.
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
  type RecordSetChange,
  type UpdateZoneRequest,
} from "../../dns/driver.js";
import { canonicalZoneName } from "../../dns/names.js";
import type { RecordType, Zone } from "../../dns/types.js";
import { planRecords } from "./dns-diff.js";
import { parseCloudflareError } from "./dns-errors.js";
import {
  type CfRecord,
  CLOUDFLARE_TYPES,
  cfName,
  checkCloudflareTtl,
  recordBody,
  toModelSets,
} from "./dns-records.js";

export interface CloudflareDnsOptions {
  /** An API token with Zone:DNS:Edit (and Zone:Edit to create zones). Default: $CLOUDFLARE_API_TOKEN. */
  token?: string;
  /** The account new zones belong to. Default: $CLOUDFLARE_ACCOUNT_ID. */
  accountId?: string;
  /** Default https://api.cloudflare.com/client/v4. */
  baseUrl?: string;
  /** Items per page: zones (max 50) and records (max 5000). */
  pageSize?: { zones?: number; records?: number };
  transport?: Omit<TransportOptions, "provider" | "authorize" | "parseError">;
}

const PROVIDER = "cloudflare";

interface CfZone {
  id: string;
  name: string;
  name_servers?: string[];
}

interface Envelope {
  result?: unknown;
  result_info?: { total_pages?: number; total_count?: number };
}

export class CloudflareDnsDriver implements DnsDriver {
  readonly provider = PROVIDER;
  readonly recordTypes = CLOUDFLARE_TYPES;
  readonly baseUrl: string;
  private readonly http: Transport;
  private readonly ids = new Map<string, string>();

  constructor(private readonly options: CloudflareDnsOptions = {}) {
    const token = bearerToken({
      provider: PROVIDER,
      token: options.token,
      envVars: ["CLOUDFLARE_API_TOKEN"],
    });
    this.baseUrl = (options.baseUrl ?? "https://api.cloudflare.com/client/v4").replace(/\/+$/, "");
    this.http = new Transport({
      ...options.transport,
      provider: PROVIDER,
      parseError: parseCloudflareError,
      authorize: bearerAuthorizer(token),
    });
  }

  async *listZones(signal?: AbortSignal): AsyncIterable<Zone> {
    const pages = paginateByPageNumber<CfZone>({
      what: "cloudflare list zones",
      provider: PROVIDER,
      pageSize: this.options.pageSize?.zones ?? 50,
      signal,
      fetch: async (page, request) => {
        const body = await this.call("GET", "/zones", {
          query: { page, per_page: request.pageSize },
          signal: request.signal,
        });
        return { items: zoneList(body), totalPages: body.result_info?.total_pages };
      },
    });
    for await (const z of pages) yield describe(z);
  }

  async getZone(name: string, signal?: AbortSignal): Promise<Zone> {
    const id = await this.zoneId(name, signal);
    const body = await this.call("GET", `/zones/${id}`, { signal });
    return describe(zoneOf(body.result));
  }

  async createZone(request: CreateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    if (request.nameservers.length > 0 || Object.keys(request.soa).length > 0) {
      throw unsupported("Cloudflare assigns a zone's name servers and SOA itself");
    }
    const accountId = this.options.accountId ?? process.env.CLOUDFLARE_ACCOUNT_ID;
    if (!accountId) {
      throw new InvalidInputError("Cloudflare needs the account new zones belong to", {
        provider: PROVIDER,
        hint: "Pass { accountId } or set CLOUDFLARE_ACCOUNT_ID",
      });
    }
    if (await this.findZone(request.name, signal)) {
      throw new AlreadyExistsError(`Zone ${request.name} exists in Cloudflare already`, {
        provider: PROVIDER,
      });
    }
    const body = await this.call("POST", "/zones", {
      body: { name: cfName(request.name), account: { id: accountId }, type: "full" },
      signal,
    });
    const zone = zoneOf(body.result);
    this.ids.set(request.name, zone.id);
    return describe(zone);
  }

  async updateZone(name: string, request: UpdateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    if (request.nameservers !== undefined || Object.keys(request.soa).length > 0) {
      throw unsupported("Cloudflare keeps a zone's SOA and apex NS records itself");
    }
    return this.getZone(name, signal);
  }

  async deleteZone(name: string, signal?: AbortSignal): Promise<void> {
    const id = await this.zoneId(name, signal);
    await this.call("DELETE", `/zones/${id}`, { signal });
    this.ids.delete(name);
  }

  async *listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
    signal?: AbortSignal,
  ): AsyncIterable<DriverRecordSet> {
    const id = await this.zoneId(zone, signal);
    const records = await this.records(
      id,
      filter.fqdn,
      filter.type === "ALIAS" ? "CNAME" : filter.type,
      signal,
    );
    for (const set of toModelSets(records, zone, PROVIDER)) {
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
    const id = await this.zoneId(zone, signal);
    // Checked for every change before the first call, so a bad TTL cannot leave a batch half applied.
    for (const c of changes) {
      if (c.action !== "replace") continue;
      const what = `${c.set.type} record "${c.set.fqdn}"`;
      checkCloudflareTtl(c.set.ttl, what);
      // ALIAS is Cloudflare's flattened CNAME at the apex; below it a CNAME is a CNAME.
      if (c.set.type === "ALIAS" && (c.set.fqdn !== zone || c.set.values.length !== 1)) {
        throw new InvalidInputError(
          `${what}: on Cloudflare an ALIAS is one target at the zone apex; use CNAME below it`,
          {
            provider: PROVIDER,
          },
        );
      }
    }
    for (const c of changes) {
      const fqdn = c.action === "delete" ? c.fqdn : c.set.fqdn;
      const type = c.action === "delete" ? c.type : c.set.type;
      const apiType = type === "ALIAS" ? "CNAME" : type;
      const raw = await this.records(id, fqdn, apiType, signal);
      // Each record read on its own, so its id stays with its data.
      const existing = raw.flatMap((r) => {
        const [set] = toModelSets([r], zone, PROVIDER);
        return set?.fqdn === fqdn && set.type === type
          ? [{ id: r.id, ttl: r.ttl, data: set.values[0]! }]
          : [];
      });
      const wanted = c.action === "replace" ? asLooseSet(c.set) : undefined;
      const plan = planRecords(existing, wanted);
      const ttl = wanted?.ttl ?? 1;
      // Creates and updates first, deletes last: the name never serves nothing while it changes.
      for (const { id: recordId, data } of plan.update) {
        await this.call("PUT", `/zones/${id}/dns_records/${recordId}`, {
          body: recordBody(fqdn, type, ttl, data),
          signal,
        });
      }
      for (const data of plan.create) {
        await this.call("POST", `/zones/${id}/dns_records`, {
          body: recordBody(fqdn, type, ttl, data),
          signal,
        });
      }
      for (const recordId of plan.delete) {
        await this.call("DELETE", `/zones/${id}/dns_records/${recordId}`, { signal });
      }
    }
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** Every record at a name and/or of a type (Cloudflare filters on its side; paged). */
  private async records(
    zoneId: string,
    fqdn: string | undefined,
    type: RecordType | undefined,
    signal: AbortSignal | undefined,
  ): Promise<CfRecord[]> {
    const pages = paginateByPageNumber<CfRecord>({
      what: `cloudflare list records of zone ${zoneId}`,
      provider: PROVIDER,
      pageSize: this.options.pageSize?.records ?? 500,
      signal,
      fetch: async (page, request) => {
        const query: Record<string, string | number> = { page, per_page: request.pageSize ?? 500 };
        if (fqdn !== undefined) query.name = cfName(fqdn);
        if (type !== undefined) query.type = type;
        const body = await this.call("GET", `/zones/${zoneId}/dns_records`, {
          query,
          signal: request.signal,
        });
        return { items: recordList(body), totalPages: body.result_info?.total_pages };
      },
    });
    return pages.toArray();
  }

  private async findZone(name: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const known = this.ids.get(name);
    if (known) return known;
    const body = await this.call("GET", "/zones", { query: { name: cfName(name) }, signal });
    const zone = zoneList(body).find((z) => canonicalZoneName(z.name) === name);
    if (zone) this.ids.set(name, zone.id);
    return zone?.id;
  }

  private async zoneId(name: string, signal: AbortSignal | undefined): Promise<string> {
    const id = await this.findZone(name, signal);
    if (!id) {
      throw new NotFoundError(`Zone ${name} is not a zone of this Cloudflare account`, {
        provider: PROVIDER,
      });
    }
    return id;
  }

  private async call(
    method: HttpMethod,
    path: string,
    o: {
      query?: Record<string, string | number | undefined>;
      body?: unknown;
      signal?: AbortSignal | undefined;
    },
  ): Promise<Envelope> {
    const res = await this.http.sendJson({
      method,
      url: `${this.baseUrl}${path}`,
      ...(o.query ? { query: o.query } : {}),
      ...(o.body === undefined ? {} : { json: o.body }),
      ...(o.signal ? { signal: o.signal } : {}),
      operation: `cloudflare:${method} ${path.replace(/\/[0-9a-f]{32}|\/\d+/g, "/{id}")}`,
    });
    const body = (res.body ?? {}) as Envelope & { success?: unknown };
    if (body.success === false)
      throw new ProviderError(`Cloudflare answered ${method} ${path} with success: false`, {
        provider: PROVIDER,
      });
    return body;
  }
}

function unsupported(what: string): InvalidInputError {
  return new InvalidInputError(`${what}; omnicloud cannot set them on Cloudflare`, { provider: PROVIDER });
}

function zoneOf(value: unknown): CfZone {
  const z = value as Partial<CfZone> | undefined;
  if (!z || typeof z.id !== "string" || typeof z.name !== "string") {
    throw new ProviderError("Cloudflare sent a zone without an id and a name", { provider: PROVIDER });
  }
  return {
    id: z.id,
    name: z.name,
    ...(Array.isArray(z.name_servers) ? { name_servers: z.name_servers } : {}),
  };
}

function zoneList(body: Envelope): CfZone[] {
  return Array.isArray(body.result) ? body.result.map(zoneOf) : [];
}

function recordList(body: Envelope): CfRecord[] {
  if (!Array.isArray(body.result)) return [];
  return body.result.map((r: Partial<CfRecord>) => {
    if (typeof r.id !== "string" || typeof r.type !== "string" || typeof r.name !== "string") {
      throw new ProviderError("Cloudflare sent a record without an id, type and name", {
        provider: PROVIDER,
      });
    }
    return { ...r, ttl: typeof r.ttl === "number" ? r.ttl : 1 } as CfRecord;
  });
}

function describe(z: CfZone): Zone {
  const name = canonicalZoneName(z.name);
  return {
    name,
    id: z.id,
    provider: PROVIDER,
    ...(z.name_servers ? { nameservers: z.name_servers.map((n) => canonicalZoneName(n)) } : {}),
  };
}

export function createCloudflareDns(options: CloudflareDnsOptions = {}): CloudflareDnsDriver {
  return new CloudflareDnsDriver(options);
}
