/**
 * Google Cloud DNS through API v1 (https://dns.googleapis.com/dns/v1/projects/{project}/...): zones are
 * managedZones, addressed by a managed-zone name ("example-com") that is not the DNS name; records are
 * resourceRecordSets ("rrsets"), listed by pageToken; every write is a Change of additions and deletions
 * that Cloud DNS applies atomically, which is exactly a batch of set changes: a replace is the old set in
 * `deletions` and the new one in `additions`, in one Change. Deletions must repeat a set exactly as it is,
 * so the driver reads the sets it replaces first.
 *
 * Auth is a service account's OAuth token (scope ndev.clouddns.readwrite), from a key given, a key file,
 * or $GOOGLE_APPLICATION_CREDENTIALS; the project is the option's or the key's.
 */
import { AlreadyExistsError, InvalidInputError, NotFoundError, ProviderError } from "../../core/errors.js";
import { paginateByToken } from "../../core/pagination/schemes.js";
import { Transport, type TransportOptions } from "../../core/transport/transport.js";
import type { Attempt, HttpMethod } from "../../core/transport/types.js";
import { waitFor } from "../../core/waiter.js";
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
import { parseGoogleDnsError } from "./dns-errors.js";
import {
  checkGoogleAlias,
  GOOGLE_TYPES,
  type GoogleRrset,
  sameSet,
  toGoogleRrset,
  toModelSet,
} from "./dns-records.js";
import { managedZoneNameFor, type ResolvedGoogleAuth, resolveGoogleAuth } from "./dns-setup.js";
import { oauthErrorParser } from "./oauth-error.js";
import type { ServiceAccountKey } from "./service-account.js";
import { ServiceAccountTokenProvider } from "./token.js";

export const CLOUD_DNS_SCOPE = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";

export interface GoogleDnsOptions {
  /** The project the zones belong to. Default: the key's project_id, then $GOOGLE_CLOUD_PROJECT. */
  project?: string;
  /** A service-account key file (JSON). Default: $GOOGLE_APPLICATION_CREDENTIALS. */
  keyFile?: string;
  /** A service-account key: the key file's JSON text, or a key already parsed. Wins over `keyFile`. */
  credentials?: string | ServiceAccountKey;
  /** Authorise requests yourself (e.g. a workload-identity token source) instead of with a key. */
  authorize?: (attempt: Attempt) => void | Promise<void>;
  /** Default https://dns.googleapis.com/dns/v1. */
  baseUrl?: string;
  /** Managed-zone names by DNS name ("example.com." -> "example-com"), to skip looking them up. */
  managedZones?: Readonly<Record<string, string>>;
  /** The managed-zone name a new zone gets. Default: from the DNS name ("example.com." -> "example-com"). */
  zoneName?: (dnsName: string) => string;
  /** The description new zones get (Cloud DNS requires one). Default "Managed by omnicloud". */
  description?: string;
  /**
   * Wait after each Change until Cloud DNS reports it "done" (serving), polling changes.get. Off by
   * default: Cloud DNS applies a Change atomically either way, and "pending" only means not yet served.
   */
  waitForChanges?: boolean | { timeoutMs?: number; intervalMs?: number };
  /** Items per page: zones and record sets. Default: the server's. */
  pageSize?: { zones?: number; records?: number };
  /** Timeouts, retries, dispatcher (MockAgent for replay tests); also used for the token exchange. */
  transport?: Omit<TransportOptions, "provider" | "authorize" | "parseError">;
}

const PROVIDER = "google";

interface ManagedZone {
  name: string;
  dnsName: string;
  id?: string;
  nameServers?: string[];
}

interface GoogleChange {
  id?: string;
  status?: string;
}

export class GoogleDnsDriver implements DnsDriver {
  readonly provider = PROVIDER;
  readonly recordTypes = GOOGLE_TYPES;
  readonly project: string;
  readonly baseUrl: string;
  private readonly http: Transport;
  private readonly tokenHttp: Transport | undefined;
  private readonly tokens: ServiceAccountTokenProvider | undefined;
  private readonly ids = new Map<string, string>();

  /** Takes resolved credentials; `createGoogleDns` resolves them from the options (files, environment). */
  constructor(
    private readonly options: GoogleDnsOptions,
    auth: ResolvedGoogleAuth,
  ) {
    this.project = auth.project;
    this.baseUrl = (options.baseUrl ?? "https://dns.googleapis.com/dns/v1").replace(/\/+$/, "");
    let authorize = options.authorize;
    if (!authorize) {
      if (!auth.key) {
        throw new InvalidInputError("Cloud DNS needs a service-account key or an authorize hook", {
          provider: PROVIDER,
        });
      }
      // The token exchange goes through the same dispatcher, so a MockAgent replays it too.
      this.tokenHttp = new Transport({
        ...options.transport,
        provider: PROVIDER,
        parseError: oauthErrorParser,
      });
      this.tokens = new ServiceAccountTokenProvider(auth.key, {
        scopes: [CLOUD_DNS_SCOPE],
        transport: this.tokenHttp,
      });
      authorize = this.tokens.authorize;
    }
    this.http = new Transport({
      ...options.transport,
      provider: PROVIDER,
      parseError: parseGoogleDnsError,
      authorize,
    });
    for (const [name, id] of Object.entries(options.managedZones ?? {})) {
      this.ids.set(canonicalZoneName(name), id);
    }
  }

  // ---- zones ----

  async *listZones(signal?: AbortSignal): AsyncIterable<Zone> {
    for await (const z of this.managedZones(undefined, signal)) yield describe(z);
  }

  async getZone(name: string, signal?: AbortSignal): Promise<Zone> {
    const id = await this.zoneId(name, signal);
    return describe(
      managedZoneOf(await this.call("GET", `/managedZones/${enc(id)}`, "managedZones.get", { signal })),
    );
  }

  async createZone(request: CreateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    // Cloud DNS allows several zones of one DNS name (a public and private ones); the portable API names
    // zones by DNS name, so a second one would be unreachable: refuse it.
    if (await this.findZone(request.name, signal)) {
      throw new AlreadyExistsError(
        `Zone ${request.name} exists in Cloud DNS project ${this.project} already`,
        {
          provider: PROVIDER,
        },
      );
    }
    const name = (this.options.zoneName ?? managedZoneNameFor)(request.name);
    const body = {
      name,
      dnsName: request.name,
      description: this.options.description ?? "Managed by omnicloud",
    };
    const created = managedZoneOf(
      await this.call("POST", "/managedZones", "managedZones.create", { body, signal }),
    );
    this.ids.set(request.name, created.name);
    if (request.nameservers.length > 0 || Object.keys(request.soa).length > 0) {
      return this.updateZone(
        request.name,
        { soa: request.soa, ...(request.nameservers.length > 0 ? { nameservers: request.nameservers } : {}) },
        signal,
      );
    }
    return describe(created);
  }

  async updateZone(name: string, request: UpdateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    const id = await this.zoneId(name, signal);
    const apex = await this.rawSets(id, { name }, signal).toArray();
    const additions: GoogleRrset[] = [];
    const deletions: GoogleRrset[] = [];
    const soaRaw = apex.find((s) => s.type === "SOA");
    if (Object.keys(request.soa).length > 0 && soaRaw) {
      const soa = toModelSet(soaRaw, name, PROVIDER)!;
      const data = soa.values[0] as RecordDataMap["SOA"];
      // Cloud DNS keeps the serial the caller writes; raise it so secondaries notice (RFC 1982 arithmetic).
      const next = { ...data, ...request.soa, serial: (data.serial + 1) % 2 ** 32 };
      deletions.push(soaRaw);
      additions.push(toGoogleRrset({ ...soa, values: [next] }));
    }
    if (request.nameservers !== undefined) {
      const nsRaw = apex.find((s) => s.type === "NS");
      if (nsRaw) deletions.push(nsRaw);
      const values = request.nameservers.map((target) => ({ target }));
      additions.push(toGoogleRrset({ fqdn: name, type: "NS", ttl: nsRaw?.ttl ?? 21_600, values }));
    }
    if (additions.length > 0) await this.submit(id, name, { additions, deletions }, signal);
    return this.getZone(name, signal);
  }

  async deleteZone(name: string, signal?: AbortSignal): Promise<void> {
    const id = await this.zoneId(name, signal);
    // Cloud DNS deletes only zones left with their apex SOA and NS; the portable API deletes a zone with
    // its records, as the other providers do: one Change removes the rest first.
    const deletions: GoogleRrset[] = [];
    for await (const raw of this.rawSets(id, {}, signal)) {
      const apex = canonicalZoneName(raw.name, "Cloud DNS record set name") === name;
      if (apex && (raw.type === "SOA" || raw.type === "NS")) continue;
      deletions.push(raw);
    }
    if (deletions.length > 0) await this.submit(id, name, { additions: [], deletions }, signal);
    await this.call("DELETE", `/managedZones/${enc(id)}`, "managedZones.delete", { signal });
    this.ids.delete(name);
  }

  // ---- records ----

  async *listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
    signal?: AbortSignal,
  ): AsyncIterable<DriverRecordSet> {
    const id = await this.zoneId(zone, signal);
    // Cloud DNS filters by type only together with a name; a type alone is filtered here.
    const query = filter.fqdn === undefined ? {} : { name: filter.fqdn, type: filter.type };
    for await (const raw of this.rawSets(id, query, signal)) {
      const set = toModelSet(raw, zone, PROVIDER);
      if (!set) continue;
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
    // Checked for every change before the first request, so nothing is sent for a batch Cloud DNS refuses.
    for (const c of changes) if (c.action === "replace") checkGoogleAlias(asLooseSet(c.set), zone, PROVIDER);
    const id = await this.zoneId(zone, signal);
    // What is there now, name by name: a deletion must repeat the set exactly.
    const current = new Map<string, GoogleRrset[]>();
    for (const c of changes) {
      const fqdn = c.action === "delete" ? c.fqdn : c.set.fqdn;
      if (!current.has(fqdn)) current.set(fqdn, await this.rawSets(id, { name: fqdn }, signal).toArray());
    }
    // Keyed by name and type, so a set changed twice in one batch is changed once, to its last state.
    const plan = new Map<string, { deletion?: GoogleRrset; addition?: GoogleRrset }>();
    for (const c of changes) {
      const fqdn = c.action === "delete" ? c.fqdn : c.set.fqdn;
      const type = c.action === "delete" ? c.type : c.set.type;
      const existing = current
        .get(fqdn)!
        .find((s) => s.type === type && canonicalZoneName(s.name, "Cloud DNS record set name") === fqdn);
      const step: { deletion?: GoogleRrset; addition?: GoogleRrset } = existing ? { deletion: existing } : {};
      if (c.action === "replace") {
        const wanted = asLooseSet(c.set);
        const now = existing ? toModelSet(existing, zone, PROVIDER) : undefined;
        if (now && existing?.routingPolicy === undefined && sameSet(now, wanted)) {
          plan.delete(`${fqdn} ${type}`);
          continue;
        }
        step.addition = toGoogleRrset(wanted);
      }
      plan.set(`${fqdn} ${type}`, step);
    }
    const additions = [...plan.values()].flatMap((s) => (s.addition ? [s.addition] : []));
    const deletions = [...plan.values()].flatMap((s) => (s.deletion ? [s.deletion] : []));
    if (additions.length === 0 && deletions.length === 0) return;
    await this.submit(id, zone, { additions, deletions }, signal);
  }

  async close(): Promise<void> {
    await this.http.close();
    await this.tokenHttp?.close();
  }

  // ---- helpers ----

  /** One Change; then, when asked, polls it until Cloud DNS serves it. */
  private async submit(
    id: string,
    zone: string,
    change: { additions: GoogleRrset[]; deletions: GoogleRrset[] },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const body: Record<string, GoogleRrset[]> = {};
    if (change.additions.length > 0) body.additions = change.additions;
    if (change.deletions.length > 0) body.deletions = change.deletions;
    const made = (await this.call("POST", `/managedZones/${enc(id)}/changes`, "changes.create", {
      body,
      signal,
    })) as GoogleChange;
    const wait = this.options.waitForChanges;
    if (!wait || made.status === "done") return;
    if (typeof made.id !== "string") {
      throw new ProviderError(`Cloud DNS answered a change to ${zone} without its id`, {
        provider: PROVIDER,
      });
    }
    const changeId = made.id;
    const settings = wait === true ? {} : wait;
    await waitFor({
      what: `Cloud DNS change ${changeId} to zone ${zone} to be done`,
      timeoutMs: settings.timeoutMs ?? 300_000,
      intervalMs: settings.intervalMs ?? 2000,
      signal,
      check: async (s) => {
        const now = (await this.call(
          "GET",
          `/managedZones/${enc(id)}/changes/${enc(changeId)}`,
          "changes.get",
          {
            signal: s,
          },
        )) as GoogleChange;
        return { done: now.status === "done", value: undefined, state: now.status };
      },
    });
  }

  private managedZones(dnsName: string | undefined, signal: AbortSignal | undefined) {
    return paginateByToken<ManagedZone>({
      what: `Cloud DNS managedZones.list of project ${this.project}`,
      provider: PROVIDER,
      pageSize: this.options.pageSize?.zones,
      signal,
      fetch: async (token, request) => {
        const body = await this.call("GET", "/managedZones", "managedZones.list", {
          query: { dnsName, maxResults: request.pageSize, pageToken: token },
          signal: request.signal,
        });
        const items = Array.isArray(body.managedZones) ? body.managedZones.map(managedZoneOf) : [];
        return { items, nextToken: stringOr(body.nextPageToken) };
      },
    });
  }

  /** Record sets as Cloud DNS holds them, optionally only those of a name (and type). */
  private rawSets(
    id: string,
    filter: { name?: string; type?: string | undefined },
    signal: AbortSignal | undefined,
  ) {
    return paginateByToken<GoogleRrset>({
      what: `Cloud DNS resourceRecordSets.list of zone ${id}`,
      provider: PROVIDER,
      pageSize: this.options.pageSize?.records,
      signal,
      fetch: async (token, request) => {
        const body = await this.call("GET", `/managedZones/${enc(id)}/rrsets`, "resourceRecordSets.list", {
          query: { name: filter.name, type: filter.type, maxResults: request.pageSize, pageToken: token },
          signal: request.signal,
        });
        const items = Array.isArray(body.rrsets) ? body.rrsets.map(rrsetOf) : [];
        return { items, nextToken: stringOr(body.nextPageToken) };
      },
    });
  }

  private async findZone(name: string, signal: AbortSignal | undefined): Promise<string | undefined> {
    const known = this.ids.get(name);
    if (known) return known;
    const matches: string[] = [];
    for await (const z of this.managedZones(name, signal)) {
      if (canonicalZoneName(z.dnsName, "Cloud DNS zone dnsName") === name) matches.push(z.name);
    }
    if (matches.length > 1) {
      throw new InvalidInputError(
        `Cloud DNS project ${this.project} has ${matches.length} zones named ${name}: ${matches.join(", ")}`,
        { provider: PROVIDER, hint: "Pick one with { managedZones: { [dnsName]: managedZoneName } }" },
      );
    }
    if (matches[0]) this.ids.set(name, matches[0]);
    return matches[0];
  }

  private async zoneId(name: string, signal: AbortSignal | undefined): Promise<string> {
    const id = await this.findZone(name, signal);
    if (!id) {
      throw new NotFoundError(`Zone ${name} is not a managed zone of Cloud DNS project ${this.project}`, {
        provider: PROVIDER,
        hint: "Create it with createZone",
      });
    }
    return id;
  }

  private async call(
    method: HttpMethod,
    path: string,
    operation: string,
    o: {
      query?: Record<string, string | number | undefined>;
      body?: unknown;
      signal?: AbortSignal | undefined;
    },
  ): Promise<Record<string, unknown>> {
    const res = await this.http.sendJson({
      method,
      url: `${this.baseUrl}/projects/${enc(this.project)}${path}`,
      ...(o.query ? { query: o.query } : {}),
      ...(o.body === undefined ? {} : { json: o.body }),
      ...(o.signal ? { signal: o.signal } : {}),
      operation: `google-dns:${operation}`,
    });
    const body = res.body;
    return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function managedZoneOf(value: unknown): ManagedZone {
  const z = value as Partial<ManagedZone> | undefined;
  if (!z || typeof z.name !== "string" || typeof z.dnsName !== "string") {
    throw new ProviderError("Cloud DNS sent a managed zone without a name and a dnsName", {
      provider: PROVIDER,
    });
  }
  return z as ManagedZone;
}

/** The rrset as sent, kept whole: a deletion must repeat it exactly, fields this driver ignores included. */
function rrsetOf(value: unknown): GoogleRrset {
  const r = value as Partial<GoogleRrset> | undefined;
  if (!r || typeof r.name !== "string" || typeof r.type !== "string") {
    throw new ProviderError("Cloud DNS sent a record set without a name and a type", { provider: PROVIDER });
  }
  return r as GoogleRrset;
}

function describe(z: ManagedZone): Zone {
  return {
    name: canonicalZoneName(z.dnsName, "Cloud DNS zone dnsName"),
    // The managed-zone name, not the numeric id: it is what the API, the console and gcloud address zones by.
    id: z.name,
    provider: PROVIDER,
    ...(Array.isArray(z.nameServers)
      ? { nameservers: z.nameServers.map((n) => canonicalZoneName(n, "Cloud DNS name server")) }
      : {}),
  };
}

/** Opens the driver: reads the key (option, file or $GOOGLE_APPLICATION_CREDENTIALS) and settles the project. */
export async function createGoogleDns(options: GoogleDnsOptions = {}): Promise<GoogleDnsDriver> {
  return new GoogleDnsDriver(options, await resolveGoogleAuth(options));
}
