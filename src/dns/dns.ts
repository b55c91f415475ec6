import { AlreadyExistsError, InvalidInputError, NotFoundError } from "../core/errors.js";
import {
  asDriverSet,
  asLooseSet,
  type DnsDriver,
  type LooseRecordSet,
  type RecordSetChange,
} from "./driver.js";
import { invalid } from "./invalid.js";
import { KeyedQueue } from "./keyed-queue.js";
import { canonicalZoneName, relativeName } from "./names.js";
import { diffZone, ZonePlan } from "./plan.js";
import { formatRdata } from "./presentation.js";
import { isRecordType, normalizeData } from "./rdata.js";
import { parseRecordId, recordId } from "./record-id.js";
import { checkTtl, DEFAULT_TTL } from "./ttl.js";
import type {
  AnyRecordData,
  CreateZoneOptions,
  DesiredZone,
  DnsRecord,
  ListRecordsOptions,
  RecordInput,
  RecordSet,
  RecordSetInput,
  RecordType,
  UpdateRecordChanges,
  UpdateZoneOptions,
  Zone,
} from "./types.js";
import {
  addValue,
  type CheckedRecord,
  checkOwner,
  checkRecordInput,
  checkSetsAtName,
  checkTypeSupported,
  checkZoneSets,
  describeRecord,
  groupRecords,
  setKey,
} from "./validate.js";
import { checkNameservers, checkSoaSettings } from "./zone-settings.js";
import { exportZoneFile } from "./zonefile/export.js";
import { parseZoneFile } from "./zonefile/parse.js";

interface Signal {
  signal?: AbortSignal;
}

export interface PlanZoneOptions extends Signal {
  /** For zone-file text without $ORIGIN or SOA: the zone it describes. */
  origin?: string;
  /**
   * Delete record sets the desired zone does not list (default true). With false, sets are only created
   * and updated, so the desired zone can manage part of a zone that others also write to.
   */
  prune?: boolean;
}

export interface ApplyZoneOptions extends PlanZoneOptions {
  /** Compute and return the plan without changing anything. */
  dryRun?: boolean;
}

/**
 * Single-record changes read a set and write it back whole, so changes to one zone are run one at a time
 * per process (across every Dns object of the provider): concurrent calls, such as a Promise.all of
 * creates, cannot overwrite each other. Writers in other processes are not covered; see the class notes.
 */
const zoneWrites = new KeyedQueue();

/**
 * The portable DNS API. It works the same on every provider: names and data are checked and made
 * canonical before any request, records are typed per record type, lists are AsyncIterables, and zones can
 * be exported as zone files or brought to a desired state with `applyZone`.
 *
 * Single-record changes (create, update, delete) read the record set and write it back whole, as DNS
 * APIs work in sets. Within a process they are serialised per zone; two processes writing the same set at
 * once can still overwrite each other, so give each zone one writing process.
 */
export class Dns<D extends DnsDriver = DnsDriver> {
  constructor(readonly driver: D) {}

  get provider(): string {
    return this.driver.provider;
  }

  /** The record types this provider stores. */
  get recordTypes(): ReadonlySet<RecordType> {
    return this.driver.recordTypes;
  }

  /** The driver itself, for provider-specific operations; naming the provider makes the cast checked. */
  as<T extends DnsDriver = D>(provider: string): T {
    if (provider !== this.driver.provider) {
      throw new InvalidInputError(`This DNS is provider "${this.driver.provider}", not "${provider}"`);
    }
    return this.driver as unknown as T;
  }

  // ---- zones ----

  listZones(options: Signal = {}): AsyncIterable<Zone> {
    return this.driver.listZones(options.signal);
  }

  async getZone(name: string, options: Signal = {}): Promise<Zone> {
    return this.driver.getZone(canonicalZoneName(name), options.signal);
  }

  async createZone(name: string, options: CreateZoneOptions = {}): Promise<Zone> {
    const zone = canonicalZoneName(name);
    const request = {
      name: zone,
      nameservers: checkNameservers(options.nameservers, zone) ?? [],
      soa: checkSoaSettings(options.soa, options.email, zone),
    };
    return this.driver.createZone(request, options.signal);
  }

  async updateZone(name: string, options: UpdateZoneOptions): Promise<Zone> {
    const zone = canonicalZoneName(name);
    const nameservers = checkNameservers(options.nameservers, zone);
    if (nameservers !== undefined && nameservers.length === 0) {
      throw invalid(`Zone ${zone}`, "a zone needs at least one name server");
    }
    const soa = checkSoaSettings(options.soa, options.email, zone);
    const request = nameservers === undefined ? { soa } : { soa, nameservers };
    return this.driver.updateZone(zone, request, options.signal);
  }

  async deleteZone(name: string, options: Signal = {}): Promise<void> {
    await this.driver.deleteZone(canonicalZoneName(name), options.signal);
  }

  // ---- records ----

  /** Record sets (all values of a name and type), filtered by type and name. */
  async *listRecordSets(zone: string, options: ListRecordsOptions = {}): AsyncIterable<RecordSet> {
    const z = canonicalZoneName(zone);
    const types = checkTypeFilter(options.type, z);
    const fqdn =
      options.name === undefined ? undefined : checkOwner(options.name, z, `Name filter in ${z}`, "api");
    const filter = {
      ...(fqdn === undefined ? {} : { fqdn }),
      ...(types?.length === 1 ? { type: types[0]! } : {}),
    };
    for await (const set of this.driver.listRecordSets(z, filter, options.signal)) {
      if (types && !types.includes(set.type)) continue;
      if (fqdn !== undefined && set.fqdn !== fqdn) continue;
      yield publicSet(asLooseSet(set), z);
    }
  }

  /** Records one value at a time, filtered by type and name. */
  async *listRecords(zone: string, options: ListRecordsOptions = {}): AsyncIterable<DnsRecord> {
    const z = canonicalZoneName(zone);
    for await (const set of this.listRecordSets(z, options)) {
      const loose = set as unknown as LooseRecordSet;
      for (const value of loose.values) yield publicRecord(loose, value, z);
    }
  }

  async getRecord(zone: string, id: string, options: Signal = {}): Promise<DnsRecord> {
    const z = canonicalZoneName(zone);
    const wanted = parseRecordId(id, z);
    const { set, index } = await this.find(z, wanted, options.signal);
    return publicRecord(set, set.values[index]!, z);
  }

  /** Add one record. A TTL given applies to its whole set (RFC 2181 5.2); an equal record is an error. */
  async createRecord(zone: string, input: RecordInput, options: Signal = {}): Promise<DnsRecord> {
    const z = canonicalZoneName(zone);
    const record = checkRecordInput(input, z);
    const what = this.check(record.type, record.fqdn, z);
    return this.serialised(z, async () => {
      const atName = await this.setsAt(z, record.fqdn, options.signal);
      const existing = atName.find((s) => s.type === record.type);
      const set: LooseRecordSet = existing
        ? { ...existing, values: [...existing.values] }
        : { fqdn: record.fqdn, type: record.type, ttl: DEFAULT_TTL, values: [] };
      if (record.ttl !== undefined) set.ttl = record.ttl;
      if (!addValue(set, record.data)) {
        throw new AlreadyExistsError(`${what}: an equal record exists already`, { provider: this.provider });
      }
      checkSetsAtName([...atName.filter((s) => s.type !== record.type), set], z);
      await this.driver.changeRecordSets(z, [{ action: "replace", set: asDriverSet(set) }], options.signal);
      return publicRecord(set, record.data, z);
    });
  }

  /** Change one record's data and/or TTL (the TTL applies to its whole set). Returns it, with its new id. */
  async updateRecord(
    zone: string,
    id: string,
    changes: UpdateRecordChanges,
    options: Signal = {},
  ): Promise<DnsRecord> {
    const z = canonicalZoneName(zone);
    const wanted = parseRecordId(id, z);
    const what = describeRecord(wanted.type, relativeName(wanted.fqdn, z), z);
    if (wanted.type === "SOA") throw invalid(what, "the SOA record is read-only here", "Use updateZone");
    const ttl = changes.ttl === undefined ? undefined : checkTtl(changes.ttl, what);
    const data =
      changes.data === undefined
        ? wanted.data
        : normalizeData(wanted.type, changes.data, { what, origin: z, source: "api" });
    return this.serialised(z, async () => {
      const { set, index, atName } = await this.find(z, wanted, options.signal);
      const next: LooseRecordSet = {
        ...set,
        ttl: ttl ?? set.ttl,
        values: set.values.filter((_, i) => i !== index),
      };
      if (!addValue(next, data)) {
        throw new AlreadyExistsError(`${what}: the new data equals another record of the set`, {
          provider: this.provider,
        });
      }
      checkSetsAtName([...atName.filter((s) => s.type !== set.type), next], z);
      await this.driver.changeRecordSets(z, [{ action: "replace", set: asDriverSet(next) }], options.signal);
      return publicRecord(next, data, z);
    });
  }

  async deleteRecord(zone: string, id: string, options: Signal = {}): Promise<void> {
    const z = canonicalZoneName(zone);
    const wanted = parseRecordId(id, z);
    if (wanted.type === "SOA") throw invalid(`Record ${id}`, "the SOA record cannot be deleted");
    await this.serialised(z, async () => {
      const { set, index } = await this.find(z, wanted, options.signal);
      const rest = set.values.filter((_, i) => i !== index);
      const change: RecordSetChange =
        rest.length === 0
          ? { action: "delete", fqdn: set.fqdn, type: set.type }
          : { action: "replace", set: asDriverSet({ ...set, values: rest }) };
      await this.driver.changeRecordSets(z, [change], options.signal);
    });
  }

  /** Put a whole set in place of the existing one (an empty `values` deletes it). */
  async setRecordSet(
    zone: string,
    input: RecordSetInput,
    options: Signal = {},
  ): Promise<RecordSet | undefined> {
    const z = canonicalZoneName(zone);
    const loose = input as { name?: unknown; type?: unknown; ttl?: unknown; values?: unknown };
    const what = describeRecord(String(loose.type), String(loose.name), z);
    if (!isRecordType(loose.type) || loose.type === "SOA") {
      throw invalid(what, `${JSON.stringify(loose.type)} is not a writable record type`);
    }
    if (!Array.isArray(loose.values)) throw invalid(what, "values must be an array");
    const type = loose.type;
    const fqdn = checkOwner(loose.name, z, what, "api");
    this.check(type, fqdn, z);
    const ttl = loose.ttl === undefined ? undefined : checkTtl(loose.ttl, what);
    const records = (loose.values as unknown[]).map((data) =>
      checkRecordInput({ name: input.name, type, ttl, data } as RecordInput, z),
    );
    return this.serialised(z, async () => {
      const atName = await this.setsAt(z, fqdn, options.signal);
      const existing = atName.find((s) => s.type === type);
      if (records.length === 0) {
        if (existing)
          await this.driver.changeRecordSets(z, [{ action: "delete", fqdn, type }], options.signal);
        return undefined;
      }
      const setTtl = ttl ?? existing?.ttl ?? DEFAULT_TTL;
      const set = groupRecords(records, z, setTtl).get(setKey(fqdn, type))!;
      checkSetsAtName([...atName.filter((s) => s.type !== type), set], z);
      await this.driver.changeRecordSets(z, [{ action: "replace", set: asDriverSet(set) }], options.signal);
      return publicSet(set, z);
    });
  }

  /** Delete every record of a name and type; NotFoundError when there are none. */
  async deleteRecordSet(zone: string, name: string, type: RecordType, options: Signal = {}): Promise<void> {
    const z = canonicalZoneName(zone);
    const what = describeRecord(String(type), name, z);
    if (!isRecordType(type)) throw invalid(what, `${JSON.stringify(type)} is not a record type`);
    if (type === "SOA") throw invalid(what, "the SOA record cannot be deleted");
    const fqdn = checkOwner(name, z, what, "api");
    await this.serialised(z, async () => {
      const atName = await this.setsAt(z, fqdn, options.signal);
      if (!atName.some((s) => s.type === type)) {
        throw new NotFoundError(`${what}: there are no such records`, { provider: this.provider });
      }
      await this.driver.changeRecordSets(z, [{ action: "delete", fqdn, type }], options.signal);
    });
  }

  // ---- whole zones ----

  /**
   * The changes `applyZone` would make to reach `desired` (records as objects, or zone-file text). SOA
   * records in it are ignored; the apex NS set is kept unless `desired` has one.
   */
  async planZone(desired: DesiredZone | string, options: PlanZoneOptions = {}): Promise<ZonePlan> {
    const { zone, sets } = this.desiredSets(desired, options.origin);
    return this.plan(zone, sets, options);
  }

  /** Bring the zone to `desired` with the fewest set changes, applied together; running it again changes nothing. */
  async applyZone(desired: DesiredZone | string, options: ApplyZoneOptions = {}): Promise<ZonePlan> {
    if (options.dryRun) return this.planZone(desired, options);
    const { zone, sets } = this.desiredSets(desired, options.origin);
    return this.serialised(zone, async () => {
      const plan = await this.plan(zone, sets, options);
      if (!plan.isEmpty) await this.driver.changeRecordSets(plan.zone, plan.toChanges(), options.signal);
      return plan.asApplied();
    });
  }

  /** The zone as RFC 1035 master-file text. */
  async exportZone(zone: string, options: Signal = {}): Promise<string> {
    const z = canonicalZoneName(zone);
    const sets: LooseRecordSet[] = [];
    for await (const set of this.driver.listRecordSets(z, {}, options.signal)) sets.push(asLooseSet(set));
    return exportZoneFile({
      origin: z,
      sets,
      comments: [`Zone ${z}, exported by omnicloud from ${this.provider}`],
    });
  }

  async close(): Promise<void> {
    await this.driver.close?.();
  }

  // ---- helpers ----

  private serialised<T>(zone: string, task: () => Promise<T>): Promise<T> {
    return zoneWrites.run(`${this.provider} ${zone}`, task);
  }

  /** Rules that need the provider; returns the record's description for messages. */
  private check(type: RecordType, fqdn: string, zone: string): string {
    const what = describeRecord(type, relativeName(fqdn, zone), zone);
    checkTypeSupported(type, this.driver.recordTypes, this.provider, what);
    return what;
  }

  private async plan(
    zone: string,
    desired: Map<string, LooseRecordSet>,
    options: PlanZoneOptions,
  ): Promise<ZonePlan> {
    const current = new Map<string, LooseRecordSet>();
    for await (const set of this.driver.listRecordSets(zone, {}, options.signal)) {
      const loose = asLooseSet(set);
      current.set(setKey(loose.fqdn, loose.type), loose);
    }
    return new ZonePlan(zone, this.provider, diffZone(zone, current, desired, options.prune ?? true), false);
  }

  private async setsAt(
    zone: string,
    fqdn: string,
    signal: AbortSignal | undefined,
  ): Promise<LooseRecordSet[]> {
    const out: LooseRecordSet[] = [];
    for await (const set of this.driver.listRecordSets(zone, { fqdn }, signal)) {
      if (set.fqdn === fqdn) out.push(asLooseSet(set));
    }
    return out;
  }

  private async find(
    zone: string,
    wanted: { fqdn: string; type: RecordType; data: AnyRecordData },
    signal: AbortSignal | undefined,
  ): Promise<{ set: LooseRecordSet; index: number; atName: LooseRecordSet[] }> {
    const atName = await this.setsAt(zone, wanted.fqdn, signal);
    const set = atName.find((s) => s.type === wanted.type);
    const text = formatRdata(wanted.type, wanted.data);
    const index = set ? set.values.findIndex((v) => formatRdata(wanted.type, v) === text) : -1;
    if (!set || index < 0) {
      throw new NotFoundError(
        `${describeRecord(wanted.type, relativeName(wanted.fqdn, zone), zone)}: no record "${text}"`,
        { provider: this.provider },
      );
    }
    return { set, index, atName };
  }

  private desiredSets(
    desired: DesiredZone | string,
    origin: string | undefined,
  ): { zone: string; sets: Map<string, LooseRecordSet> } {
    let zone: string;
    let records: CheckedRecord[];
    if (typeof desired === "string") {
      const parsed = parseZoneFile(desired, origin === undefined ? {} : { origin });
      zone = parsed.origin;
      records = parsed.records.filter((r) => r.type !== "SOA");
    } else {
      if (typeof desired !== "object" || desired === null || !Array.isArray(desired.records)) {
        throw invalid("Desired zone", "must be zone-file text or { name, records: [...] }");
      }
      zone = canonicalZoneName(desired.name);
      records = desired.records
        .filter((r) => (r as { type: unknown }).type !== "SOA")
        .map((r) => checkRecordInput(r, zone));
    }
    for (const record of records) this.check(record.type, record.fqdn, zone);
    const sets = groupRecords(records, zone, DEFAULT_TTL);
    checkZoneSets(sets.values(), zone);
    return { zone, sets };
  }
}

function checkTypeFilter(type: ListRecordsOptions["type"], zone: string): RecordType[] | undefined {
  if (type === undefined) return undefined;
  const list = typeof type === "string" ? [type] : [...type];
  for (const t of list) {
    if (!isRecordType(t))
      throw invalid(`Type filter in ${zone}`, `${JSON.stringify(t)} is not a record type`);
  }
  return list;
}

function publicSet(set: LooseRecordSet, zone: string): RecordSet {
  return {
    zone,
    name: relativeName(set.fqdn, zone),
    fqdn: set.fqdn,
    type: set.type,
    ttl: set.ttl,
    values: set.values,
  } as RecordSet;
}

function publicRecord(set: LooseRecordSet, data: AnyRecordData, zone: string): DnsRecord {
  return {
    id: recordId(set.fqdn, set.type, data),
    zone,
    name: relativeName(set.fqdn, zone),
    fqdn: set.fqdn,
    type: set.type,
    ttl: set.ttl,
    data,
  } as DnsRecord;
}
