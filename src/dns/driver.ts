import type { AnyRecordData, RecordDataMap, RecordType, SoaSettings, Zone } from "./types.js";

/**
 * A record set as drivers see it: absolute canonical names, checked data, a TTL. Drivers work in record
 * sets because DNS does: every provider API that matters (PowerDNS, Route 53, RFC 2136, zone files)
 * replaces a name and type as a whole, and a single-record change is a set change the portable layer
 * builds.
 */
export type DriverRecordSet = {
  [T in RecordType]: { fqdn: string; type: T; ttl: number; values: RecordDataMap[T][] };
}[RecordType];

/** The same set, typed loosely for code that treats every type alike. */
export interface LooseRecordSet {
  fqdn: string;
  type: RecordType;
  ttl: number;
  values: AnyRecordData[];
}

/** Safe by construction: a loose set is only ever built from data normalised for its own type. */
export function asDriverSet(set: LooseRecordSet): DriverRecordSet {
  return set as DriverRecordSet;
}

export function asLooseSet(set: DriverRecordSet): LooseRecordSet {
  return set as LooseRecordSet;
}

/** One change in a batch: put a whole set in place of what is there, or remove a set. */
export type RecordSetChange =
  | { action: "replace"; set: DriverRecordSet }
  | { action: "delete"; fqdn: string; type: RecordType };

/** A zone to create, already checked; absent fields mean "the provider's default". */
export interface CreateZoneRequest {
  name: string;
  nameservers: string[];
  soa: SoaSettings;
}

export interface UpdateZoneRequest {
  nameservers?: string[];
  soa: SoaSettings;
}

/**
 * The small interface a DNS provider implements: only what differs between providers. Name handling,
 * validation, single-record operations, zone files and `applyZone` live in the portable `Dns` class, so
 * every driver gets them for free and behaves alike.
 *
 * Every name a driver receives is absolute and canonical ("www.example.com."), and every set is valid.
 */
export interface DnsDriver {
  readonly provider: string;
  /** The record types this provider can store (SOA always reads, and is never written through sets). */
  readonly recordTypes: ReadonlySet<RecordType>;
  listZones(signal?: AbortSignal): AsyncIterable<Zone>;
  /** NotFoundError when the zone does not exist. */
  getZone(name: string, signal?: AbortSignal): Promise<Zone>;
  /** AlreadyExistsError when it exists. */
  createZone(request: CreateZoneRequest, signal?: AbortSignal): Promise<Zone>;
  updateZone(name: string, request: UpdateZoneRequest, signal?: AbortSignal): Promise<Zone>;
  deleteZone(name: string, signal?: AbortSignal): Promise<void>;
  /** Every set of the zone (SOA included), optionally only those of one name and/or type. */
  listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
    signal?: AbortSignal,
  ): AsyncIterable<DriverRecordSet>;
  /** Apply the changes together: atomically where the provider can, in the order given otherwise. */
  changeRecordSets(zone: string, changes: readonly RecordSetChange[], signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}
