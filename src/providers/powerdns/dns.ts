/**
 * PowerDNS Authoritative through its HTTP API v1 (https://doc.powerdns.com/authoritative/http-api/):
 * zones under /api/v1/servers/{server}/zones, record sets changed by PATCH with changetype REPLACE or
 * DELETE (one transaction per PATCH, so a batch is atomic), the key in X-API-Key, names absolute with
 * their trailing dot. Record content is zone-file presentation text, which omnicloud reads and writes
 * with its own parser, so every type the model has round-trips exactly.
 */
import { AuthError, type OmnicloudError, ProviderError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import { Transport, type TransportOptions } from "../../core/transport/transport.js";
import type { HttpMethod } from "../../core/transport/types.js";
import {
  asDriverSet,
  type CreateZoneRequest,
  type DnsDriver,
  type DriverRecordSet,
  type LooseRecordSet,
  type RecordSetChange,
  type UpdateZoneRequest,
} from "../../dns/driver.js";
import { canonicalZoneName, resolveName } from "../../dns/names.js";
import { formatRdata, parseRdata } from "../../dns/presentation.js";
import { isRecordType, RECORD_TYPES } from "../../dns/rdata.js";
import type { RecordDataMap, RecordType, Zone } from "../../dns/types.js";
import { tokenizeData } from "../../dns/zonefile/tokenize.js";
import { type PdnsRrset, type PdnsZone, readZone, readZoneList } from "./api-types.js";
import { parsePowerDnsError } from "./errors.js";

export interface PowerDnsOptions {
  /** The API's base URL, e.g. "http://127.0.0.1:8081". Default: $PDNS_API_URL, else that. */
  url?: string;
  /** The `api-key` of pdns.conf. Default: $PDNS_API_KEY. */
  apiKey?: string;
  /** The server id in API paths. Default "localhost" (the only one pdns_server has). */
  serverId?: string;
  /** Kind of new zones: "Native" (replicated by the database, not by AXFR) is the default, as in pdnsutil. */
  zoneKind?: "Native" | "Master";
  /** Timeouts, retries, rate limit, TLS and the like for the HTTP transport. */
  transport?: Omit<TransportOptions, "provider" | "authorize" | "parseError">;
}

const PROVIDER = "powerdns";

/** Every modelled type: PowerDNS stores all of them, ALIAS included. */
const TYPES: ReadonlySet<RecordType> = new Set(RECORD_TYPES);

export class PowerDnsDriver implements DnsDriver {
  readonly provider = PROVIDER;
  readonly recordTypes = TYPES;
  readonly baseUrl: string;
  private readonly http: Transport;
  private readonly zoneKind: string;

  constructor(options: PowerDnsOptions = {}) {
    const key = options.apiKey ?? process.env.PDNS_API_KEY;
    if (!key) {
      throw new AuthError("PowerDNS needs an API key", {
        provider: PROVIDER,
        hint: "Pass { apiKey } (the api-key of pdns.conf) or set PDNS_API_KEY",
      });
    }
    registerSecret(key);
    const url = (options.url ?? process.env.PDNS_API_URL ?? "http://127.0.0.1:8081").replace(/\/+$/, "");
    const server = encodeURIComponent(options.serverId ?? "localhost");
    this.baseUrl = `${url}/api/v1/servers/${server}`;
    this.zoneKind = options.zoneKind ?? "Native";
    this.http = new Transport({
      ...options.transport,
      provider: PROVIDER,
      parseError: parsePowerDnsError,
      authorize: (attempt) => {
        attempt.headers["x-api-key"] = key;
      },
    });
  }

  async *listZones(signal?: AbortSignal): AsyncIterable<Zone> {
    // API v1 has no paging: the list comes whole, so there is no cursor to follow.
    const body = await this.call("GET", "/zones", { signal, operation: "ListZones" });
    for (const zone of readZoneList(body)) yield describe(zone);
  }

  async getZone(name: string, signal?: AbortSignal): Promise<Zone> {
    return describe(await this.fetchZone(name, signal));
  }

  async createZone(request: CreateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    const body = {
      name: request.name,
      kind: this.zoneKind,
      nameservers: request.nameservers,
    };
    await this.call("POST", "/zones", { body, signal, operation: "CreateZone" });
    // The server fills the SOA from its default-soa-content; fields the caller chose are set after.
    if (Object.keys(request.soa).length > 0)
      return this.updateZone(request.name, { soa: request.soa }, signal);
    return this.getZone(request.name, signal);
  }

  async updateZone(name: string, request: UpdateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    const zone = await this.fetchZone(name, signal);
    const sets = toSets(zone, name);
    const changes: RecordSetChange[] = [];
    const soaSet = sets.find((s) => s.type === "SOA");
    const soa = soaSet?.values[0] as RecordDataMap["SOA"] | undefined;
    if (Object.keys(request.soa).length > 0 && soaSet && soa) {
      // The serial is sent as it is; with soa_edit_api (DEFAULT) the server raises it itself.
      changes.push({
        action: "replace",
        set: asDriverSet({ ...soaSet, values: [{ ...soa, ...request.soa }] }),
      });
    }
    if (request.nameservers !== undefined) {
      const ns = sets.find((s) => s.type === "NS" && s.fqdn === name);
      const values = request.nameservers.map((target) => ({ target }));
      changes.push({
        action: "replace",
        set: asDriverSet({ fqdn: name, type: "NS", ttl: ns?.ttl ?? soaSet?.ttl ?? 3600, values }),
      });
    }
    if (changes.length > 0) await this.changeRecordSets(name, changes, signal);
    return this.getZone(name, signal);
  }

  async deleteZone(name: string, signal?: AbortSignal): Promise<void> {
    await this.call("DELETE", zonePath(name), { signal, operation: "DeleteZone" });
  }

  async *listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
    signal?: AbortSignal,
  ): AsyncIterable<DriverRecordSet> {
    // rrset_name/rrset_type narrow the answer on PowerDNS 4.8+; older servers ignore them and send the whole
    // zone, so the filter is applied here as well.
    const query: Record<string, string> = {};
    if (filter.fqdn !== undefined) {
      query.rrset_name = filter.fqdn;
      if (filter.type !== undefined) query.rrset_type = filter.type;
    }
    const body = await this.call("GET", zonePath(zone), { signal, operation: "GetZone", query });
    for (const set of toSets(readZone(body), zone)) {
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
    if (changes.length === 0) return;
    const rrsets = changes.map((change) => {
      if (change.action === "delete") {
        return { name: change.fqdn, type: change.type, changetype: "DELETE" };
      }
      const set = change.set as LooseRecordSet;
      return {
        name: set.fqdn,
        type: set.type,
        ttl: set.ttl,
        changetype: "REPLACE",
        records: set.values.map((v) => ({ content: formatRdata(set.type, v), disabled: false })),
      };
    });
    // REPLACE and DELETE of whole sets give the same result when sent twice, so a lost answer may be retried.
    await this.call("PATCH", zonePath(zone), {
      body: { rrsets },
      signal,
      operation: "PatchZone",
      idempotent: true,
    });
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private async fetchZone(name: string, signal: AbortSignal | undefined): Promise<PdnsZone> {
    return readZone(await this.call("GET", zonePath(name), { signal, operation: "GetZone" }));
  }

  private async call(
    method: HttpMethod,
    path: string,
    options: {
      body?: unknown;
      signal?: AbortSignal | undefined;
      operation: string;
      query?: Record<string, string>;
      idempotent?: boolean;
    },
  ): Promise<unknown> {
    const res = await this.http.sendJson({
      method,
      url: `${this.baseUrl}${path}`,
      ...(options.query ? { query: options.query } : {}),
      ...(options.body === undefined ? {} : { json: options.body }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.idempotent === undefined ? {} : { idempotent: options.idempotent }),
      operation: `powerdns:${options.operation}`,
    });
    return res.body;
  }
}

/**
 * A zone's id in API paths. PowerDNS derives it from the name, writing "/" (RFC 2317 names) as "=2F" and
 * "=" as "=3D"; everything else stays as is, then the whole is URL-encoded as a path segment.
 */
function zonePath(zone: string): string {
  const id = zone.replace(/=/g, "=3D").replace(/\//g, "=2F");
  return `/zones/${encodeURIComponent(id)}`;
}

function describe(zone: PdnsZone): Zone {
  const name = canonicalZoneName(zone.name);
  const out: Zone = { name, id: zone.id, provider: PROVIDER };
  if (zone.serial !== undefined) out.serial = zone.serial;
  if (zone.rrsets) {
    const ns = zone.rrsets.find((r) => r.type === "NS" && r.name.toLowerCase() === name);
    if (ns) out.nameservers = ns.records.filter((r) => !r.disabled).map((r) => r.content.toLowerCase());
  }
  return out;
}

/**
 * The zone's record sets in the model. Disabled records (not served) and types the model lacks (DNSKEY,
 * HINFO, LOC, ...) are left out; a record omnicloud cannot read is reported with its name.
 */
function toSets(zone: PdnsZone, zoneName: string): LooseRecordSet[] {
  const out: LooseRecordSet[] = [];
  for (const rrset of zone.rrsets ?? []) {
    if (!isRecordType(rrset.type)) continue;
    const set = readSet(rrset, rrset.type, zoneName);
    if (set.values.length > 0) out.push(set);
  }
  return out;
}

function readSet(rrset: PdnsRrset, type: RecordType, zone: string): LooseRecordSet {
  const what = `PowerDNS ${type} record "${rrset.name}"`;
  try {
    const fqdn = resolveName(rrset.name, zone, { what, wildcard: true });
    const values = rrset.records
      .filter((r) => !r.disabled)
      .map((r) =>
        parseRdata(type, tokenizeData(r.content, what), { what, origin: zone, source: "provider" }),
      );
    return { fqdn, type, ttl: rrset.ttl, values };
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw new ProviderError(`${what} cannot be read: ${(err as OmnicloudError).message}`, {
      provider: PROVIDER,
      cause: err,
    });
  }
}

export function createPowerDns(options: PowerDnsOptions = {}): PowerDnsDriver {
  return new PowerDnsDriver(options);
}
