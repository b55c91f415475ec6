/**
 * The `local` DNS provider: zones kept as RFC 1035 zone files in a folder, one "<zone>.zone" per zone,
 * so BIND, Knot, NSD or PowerDNS's bind backend can serve them as they are. The SOA serial goes up on
 * every change, so secondaries and reloading servers see it.
 *
 * It stores what any authoritative server can load, hence no ALIAS (a PowerDNS-only type).
 */
import { mkdir, readdir, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type {
  CreateZoneRequest,
  DnsDriver,
  DriverRecordSet,
  LooseRecordSet,
  RecordSetChange,
  UpdateZoneRequest,
} from "../../dns/driver.js";
import { asDriverSet, asLooseSet } from "../../dns/driver.js";
import { invalid } from "../../dns/invalid.js";
import { KeyedQueue } from "../../dns/keyed-queue.js";
import { formatRdata } from "../../dns/presentation.js";
import { DEFAULT_TTL } from "../../dns/ttl.js";
import type { RecordDataMap, RecordType, Zone } from "../../dns/types.js";
import { checkZoneSets, setKey } from "../../dns/validate.js";
import { exportZoneFile } from "../../dns/zonefile/export.js";
import { parseZoneFile, zoneFileSets } from "../../dns/zonefile/parse.js";
import {
  createFile,
  errno,
  inFile,
  nextSerial,
  readZoneText,
  replaceFile,
  zoneFilePath,
  zoneOfFile,
} from "./dns-files.js";

export interface LocalDnsOptions {
  /** The folder of zone files. Default: $OMNICLOUD_LOCAL_DNS_ROOT, else ~/.local/share/omnicloud/dns. */
  root?: string;
}

const PROVIDER = "local";

/** SOA timers for new zones: RFC 1912's advice, in seconds. */
const SOA_DEFAULTS = { refresh: 10_800, retry: 3_600, expire: 604_800, minimum: 3_600 };

/** A zone file without name servers cannot be loaded by BIND; "localhost." needs no glue and says "local". */
const DEFAULT_NAMESERVER = "localhost.";

const RECORD_TYPES: ReadonlySet<RecordType> = new Set<RecordType>([
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
  "SSHFP",
  "TLSA",
  "NAPTR",
  "DS",
]);

interface ZoneDoc {
  zone: string;
  path: string;
  defaultTtl: number;
  sets: Map<string, LooseRecordSet>;
}

function defaultRoot(): string {
  return process.env.OMNICLOUD_LOCAL_DNS_ROOT ?? join(homedir(), ".local", "share", "omnicloud", "dns");
}

export class LocalDnsDriver implements DnsDriver {
  readonly provider = PROVIDER;
  readonly recordTypes = RECORD_TYPES;
  readonly root: string;
  private readonly queue = new KeyedQueue();

  constructor(options: LocalDnsOptions = {}) {
    this.root = resolve(options.root ?? defaultRoot());
  }

  /** The zone file's path, for serving it with a name server. */
  zoneFile(zone: string): string {
    return zoneFilePath(this.root, zone);
  }

  async *listZones(): AsyncIterable<Zone> {
    let files: string[];
    try {
      files = await readdir(this.root);
    } catch (err) {
      if (errno(err) === "ENOENT") return;
      throw err;
    }
    const zones = files.map(zoneOfFile).filter((z): z is string => z !== undefined);
    for (const zone of zones.sort()) yield this.describe(await this.read(zone));
  }

  async getZone(name: string): Promise<Zone> {
    return this.describe(await this.read(name));
  }

  async createZone(request: CreateZoneRequest): Promise<Zone> {
    const { name: zone } = request;
    const path = zoneFilePath(this.root, zone);
    const nameservers = request.nameservers.length > 0 ? request.nameservers : [DEFAULT_NAMESERVER];
    const soa: RecordDataMap["SOA"] = {
      mname: request.soa.mname ?? nameservers[0]!,
      rname: request.soa.rname ?? `hostmaster.${zone}`,
      serial: nextSerial(0),
      refresh: request.soa.refresh ?? SOA_DEFAULTS.refresh,
      retry: request.soa.retry ?? SOA_DEFAULTS.retry,
      expire: request.soa.expire ?? SOA_DEFAULTS.expire,
      minimum: request.soa.minimum ?? SOA_DEFAULTS.minimum,
    };
    const doc: ZoneDoc = { zone, path, defaultTtl: DEFAULT_TTL, sets: new Map() };
    doc.sets.set(setKey(zone, "SOA"), { fqdn: zone, type: "SOA", ttl: DEFAULT_TTL, values: [soa] });
    doc.sets.set(setKey(zone, "NS"), {
      fqdn: zone,
      type: "NS",
      ttl: DEFAULT_TTL,
      values: nameservers.map((target) => ({ target })),
    });
    await mkdir(this.root, { recursive: true });
    await this.queue.run(path, () => createFile(path, render(doc), zone));
    return this.describe(doc);
  }

  async updateZone(name: string, request: UpdateZoneRequest): Promise<Zone> {
    return this.modify(name, (doc) => {
      const soaSet = doc.sets.get(setKey(doc.zone, "SOA"));
      const soa = soaSet?.values[0] as RecordDataMap["SOA"] | undefined;
      if (!soaSet || !soa) throw invalid(`Zone ${doc.zone}`, `the file ${doc.path} has no SOA record`);
      soaSet.values = [{ ...soa, ...request.soa }];
      if (request.nameservers !== undefined) {
        const ns = doc.sets.get(setKey(doc.zone, "NS"));
        doc.sets.set(setKey(doc.zone, "NS"), {
          fqdn: doc.zone,
          type: "NS",
          ttl: ns?.ttl ?? DEFAULT_TTL,
          values: request.nameservers.map((target) => ({ target })),
        });
      }
    });
  }

  async deleteZone(name: string): Promise<void> {
    const path = zoneFilePath(this.root, name);
    await this.queue.run(path, async () => {
      try {
        await rm(path);
      } catch (err) {
        if (errno(err) !== "ENOENT") throw err;
        await readZoneText(path, name); // raises the NotFoundError, worded as for every other call
      }
    });
  }

  async *listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
  ): AsyncIterable<DriverRecordSet> {
    const doc = await this.read(zone);
    for (const set of doc.sets.values()) {
      if (filter.fqdn !== undefined && set.fqdn !== filter.fqdn) continue;
      if (filter.type !== undefined && set.type !== filter.type) continue;
      yield asDriverSet(set);
    }
  }

  async changeRecordSets(zone: string, changes: readonly RecordSetChange[]): Promise<void> {
    await this.modify(zone, (doc) => {
      for (const change of changes) {
        if (change.action === "delete") doc.sets.delete(setKey(change.fqdn, change.type));
        else {
          const set = asLooseSet(change.set);
          doc.sets.set(setKey(set.fqdn, set.type), { ...set, values: [...set.values] });
        }
      }
      // The portable layer checked each change; the file as a whole is checked too, since it may have been
      // edited by hand since it was read.
      checkZoneSets(doc.sets.values(), doc.zone);
    });
  }

  /** Read, change and write back one zone, under its lock; the serial goes up only if something changed. */
  private async modify(zone: string, change: (doc: ZoneDoc) => void): Promise<Zone> {
    const path = zoneFilePath(this.root, zone);
    return this.queue.run(path, async () => {
      const doc = await this.read(zone);
      const before = render(doc);
      change(doc);
      if (render(doc) !== before) {
        bumpSerial(doc);
        await replaceFile(path, render(doc));
      }
      return this.describe(doc);
    });
  }

  private async read(zone: string): Promise<ZoneDoc> {
    const path = zoneFilePath(this.root, zone);
    const text = await readZoneText(path, zone);
    try {
      const parsed = parseZoneFile(text, { origin: zone });
      return { zone, path, defaultTtl: parsed.defaultTtl ?? DEFAULT_TTL, sets: zoneFileSets(parsed) };
    } catch (err) {
      throw inFile(err, path);
    }
  }

  private describe(doc: ZoneDoc): Zone {
    const soa = doc.sets.get(setKey(doc.zone, "SOA"))?.values[0] as RecordDataMap["SOA"] | undefined;
    const ns = doc.sets.get(setKey(doc.zone, "NS"));
    return {
      name: doc.zone,
      id: doc.zone,
      provider: PROVIDER,
      ...(soa ? { serial: soa.serial } : {}),
      ...(ns ? { nameservers: ns.values.map((v) => formatRdata("NS", v)) } : {}),
    };
  }
}

function render(doc: ZoneDoc): string {
  return exportZoneFile({
    origin: doc.zone,
    defaultTtl: doc.defaultTtl,
    sets: doc.sets.values(),
    comments: [
      `Zone ${doc.zone}, kept by omnicloud's local DNS provider.`,
      "Edits by hand are kept; comments are not.",
    ],
  });
}

function bumpSerial(doc: ZoneDoc): void {
  const set = doc.sets.get(setKey(doc.zone, "SOA"));
  const soa = set?.values[0] as RecordDataMap["SOA"] | undefined;
  if (set && soa) set.values = [{ ...soa, serial: nextSerial(soa.serial) }];
}

export function createLocalDns(options: LocalDnsOptions = {}): LocalDnsDriver {
  return new LocalDnsDriver(options);
}
