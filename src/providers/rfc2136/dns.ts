/**
 * DNS on any server that takes RFC 2136 dynamic updates (BIND 9, Knot, PowerDNS, Windows DNS, ...):
 * record sets are changed by UPDATE messages signed with TSIG (RFC 8945), one message per batch so a batch
 * applies all or nothing, and read by zone transfer (AXFR, RFC 5936), checked message by message.
 *
 * The protocol has no zone management: zones are created and deleted through an optional provisioner
 * (BIND's rndc, Knot's knotc; see provision-*.ts), and listed from it and from the `zones` option.
 */
import {
  AlreadyExistsError,
  InvalidInputError,
  NotFoundError,
  type OmnicloudError,
} from "../../core/errors.js";
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
import { DEFAULT_TTL } from "../../dns/ttl.js";
import type { AnyRecordData, RecordDataMap, RecordType, Zone } from "../../dns/types.js";
import { exportZoneFile } from "../../dns/zonefile/export.js";
import { DnsClient } from "./client.js";
import { RCODE, TYPE_CODES, type WireType } from "./constants.js";
import { parseKeyText, readBindKeyFile, type TsigKeyInput, tsigKey } from "./keys.js";
import type { ZoneProvisioner } from "./provision.js";
import { decodeRdata } from "./rdata-wire.js";
import { recordSets } from "./records.js";
import type { TsigKey } from "./tsig.js";
import { addRecord, deleteRecord, deleteSet, setIsExactly, updateMessage } from "./update.js";
import { FLAG_AA, type ResourceRecord, rcodeOf } from "./wire.js";

export interface Rfc2136Options {
  /** The primary server's address. Default: $RFC2136_SERVER, else 127.0.0.1. */
  server?: string;
  /** Default: $RFC2136_PORT, else 53. */
  port?: number;
  /**
   * The TSIG key: an object, or nsupdate's "[algorithm:]name:secret" text. Default: $RFC2136_KEY. Without
   * one, requests go unsigned, which servers normally refuse for UPDATE and AXFR.
   */
  key?: TsigKeyInput | string;
  /** A BIND key file (tsig-keygen's output) to read the key from; `keyName` picks one of several. */
  keyFile?: string;
  keyName?: string;
  /** Zones known to be on the server, listed by listZones (with the provisioner's, if any). */
  zones?: readonly string[];
  /** Creates and deletes zones out of band; without one, createZone and deleteZone are refused. */
  provisioner?: ZoneProvisioner;
  /** Per UDP try, and the longest silence on TCP. Default 5 s. */
  timeoutMs?: number;
  /** UDP sends before giving up. Default 3. */
  udpAttempts?: number;
  /** Send everything over TCP. Default false: UDP when a message fits 512 octets, TCP otherwise. */
  tcpOnly?: boolean;
}

const PROVIDER = "rfc2136";

/** Every DNS type the model has; ALIAS is a provider feature, not a DNS type, so RFC 2136 cannot carry it. */
const TYPES: ReadonlySet<RecordType> = new Set<RecordType>(Object.keys(TYPE_CODES) as WireType[]);

/** Well under TCP's 65535-octet message limit, leaving room for the TSIG record. */
const MAX_UPDATE_OCTETS = 60_000;

/** Polls while a provisioned zone appears or disappears: at most this many, 100 ms apart. */
const PROVISION_POLLS = 100;

/** SOA timers for new zones: RFC 1912's advice, in seconds, as the local provider uses. */
const SOA_DEFAULTS = { refresh: 10_800, retry: 3_600, expire: 604_800, minimum: 3_600 };

function resolveKey(options: Rfc2136Options): TsigKey | undefined {
  if (options.keyFile) return readBindKeyFile(options.keyFile, options.keyName);
  const key = options.key ?? process.env.RFC2136_KEY;
  if (key === undefined || key === "") return undefined;
  return typeof key === "string" ? parseKeyText(key) : tsigKey(key);
}

/** A serial for a new zone in the common YYYYMMDDnn form. */
function datedSerial(now: Date = new Date()): number {
  return (now.getUTCFullYear() * 10_000 + (now.getUTCMonth() + 1) * 100 + now.getUTCDate()) * 100;
}

interface ApexState {
  soa: RecordDataMap["SOA"];
  soaTtl: number;
  ns: RecordDataMap["NS"][];
  nsTtl: number;
}

export class Rfc2136Driver implements DnsDriver {
  readonly provider = PROVIDER;
  readonly recordTypes = TYPES;
  readonly client: DnsClient;
  private readonly key: TsigKey | undefined;

  constructor(private readonly options: Rfc2136Options = {}) {
    this.key = resolveKey(options);
    const port = options.port ?? Number(process.env.RFC2136_PORT ?? 53);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new InvalidInputError(`rfc2136: port ${port} is not a port number`);
    }
    this.client = new DnsClient({
      server: { host: options.server ?? process.env.RFC2136_SERVER ?? "127.0.0.1", port },
      key: this.key,
      timeoutMs: options.timeoutMs ?? 5_000,
      udpAttempts: options.udpAttempts ?? 3,
      tcpOnly: options.tcpOnly ?? false,
      provider: PROVIDER,
    });
  }

  // ---- zones ----

  async *listZones(signal?: AbortSignal): AsyncIterable<Zone> {
    const names = new Set((this.options.zones ?? []).map((z) => canonicalZoneName(z)));
    for (const z of (await this.options.provisioner?.listZones?.(signal)) ?? []) names.add(z);
    for (const name of [...names].sort()) {
      const zone = await this.probeZone(name, signal);
      if (zone) yield zone;
    }
  }

  async getZone(name: string, signal?: AbortSignal): Promise<Zone> {
    const zone = await this.probeZone(name, signal);
    if (!zone) throw this.noZone(name);
    return zone;
  }

  async createZone(request: CreateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    const provisioner = this.needProvisioner("create");
    if (await this.probeZone(request.name, signal)) {
      throw new AlreadyExistsError(`Zone ${request.name} exists on ${this.client.where} already`, {
        provider: PROVIDER,
      });
    }
    const nameservers = request.nameservers.length > 0 ? request.nameservers : ["localhost."];
    const soa: RecordDataMap["SOA"] = {
      mname: request.soa.mname ?? nameservers[0]!,
      rname: request.soa.rname ?? `hostmaster.${request.name}`,
      serial: datedSerial(),
      refresh: request.soa.refresh ?? SOA_DEFAULTS.refresh,
      retry: request.soa.retry ?? SOA_DEFAULTS.retry,
      expire: request.soa.expire ?? SOA_DEFAULTS.expire,
      minimum: request.soa.minimum ?? SOA_DEFAULTS.minimum,
    };
    const zoneFile = exportZoneFile({
      origin: request.name,
      sets: [
        { fqdn: request.name, type: "SOA", ttl: DEFAULT_TTL, values: [soa] },
        {
          fqdn: request.name,
          type: "NS",
          ttl: DEFAULT_TTL,
          values: nameservers.map((target) => ({ target })),
        },
      ],
      comments: [`Zone ${request.name}, created by omnicloud's rfc2136 provider through ${provisioner.tool}`],
    });
    await provisioner.addZone({ zone: request.name, zoneFile, keyName: this.key?.name }, signal);
    // The tool returns when the server has taken the zone, which may load it a moment later.
    for (let i = 0; i < PROVISION_POLLS; i++) {
      const zone = await this.probeZone(request.name, signal);
      if (zone) return zone;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw this.noZone(request.name, `${provisioner.tool} added it, but the server does not serve it`);
  }

  async updateZone(name: string, request: UpdateZoneRequest, signal?: AbortSignal): Promise<Zone> {
    // Read, then write with the read state as the prerequisite: a concurrent change makes the server answer
    // NXRRSET and nothing is applied, so the read is done again (a bounded number of times).
    for (let attempt = 1; ; attempt++) {
      const apex = await this.apex(name, signal);
      const prerequisites: ResourceRecord[] = setIsExactly(name, "SOA", [apex.soa]);
      const updates: ResourceRecord[] = [];
      if (Object.keys(request.soa).length > 0) {
        // RFC 2136 3.4.2.2: an SOA is replaced only by one with a higher serial (RFC 1982 arithmetic).
        const next = { ...apex.soa, ...request.soa, serial: (apex.soa.serial + 1) % 2 ** 32 };
        updates.push(addRecord(name, "SOA", apex.soaTtl, next));
      }
      if (request.nameservers !== undefined) {
        prerequisites.push(...setIsExactly(name, "NS", apex.ns));
        updates.push(
          ...this.apexNsChange(
            name,
            apex.ns,
            apex.nsTtl,
            request.nameservers.map((target) => ({ target })),
          ),
        );
      }
      if (updates.length === 0) return this.getZone(name, signal);
      try {
        await this.update(name, prerequisites, updates, signal);
        return this.getZone(name, signal);
      } catch (err) {
        if (attempt < 5 && (err as OmnicloudError).code === "NXRRSET") continue;
        throw err;
      }
    }
  }

  async deleteZone(name: string, signal?: AbortSignal): Promise<void> {
    const provisioner = this.needProvisioner("delete");
    if (!(await this.probeZone(name, signal))) throw this.noZone(name);
    await provisioner.removeZone(name, signal);
    for (let i = 0; i < PROVISION_POLLS; i++) {
      if (!(await this.probeZone(name, signal))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // ---- records ----

  async *listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
    signal?: AbortSignal,
  ): AsyncIterable<DriverRecordSet> {
    // AXFR is the one way RFC 2136 servers hand out a zone's contents; a name and type filter is applied
    // to the transfer, since single queries cannot see every type at a name (RFC 8482 ANY answers).
    const records = await this.zoneOp(zone, signal, () => this.client.transfer(zone, signal));
    for (const set of recordSets(zone, records, PROVIDER)) {
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
    let apexNs: { values: RecordDataMap["NS"][] } | undefined;
    const batches: ResourceRecord[][] = [[]];
    let size = 0;
    for (const change of changes) {
      const rrs: ResourceRecord[] = [];
      const type = change.action === "delete" ? change.type : change.set.type;
      const fqdn = change.action === "delete" ? change.fqdn : change.set.fqdn;
      if (type === "ALIAS" || type === "SOA") {
        throw new InvalidInputError(
          `${type} record "${fqdn}": ${type === "SOA" ? "change the SOA with updateZone" : "RFC 2136 servers have no ALIAS type"}`,
        );
      }
      if (change.action === "delete") {
        rrs.push(deleteSet(fqdn, type));
      } else if (type === "NS" && fqdn === zone) {
        // RFC 2136 3.4.2.4: deleting the apex NS set is ignored, so it is changed record by record.
        apexNs ??= await this.apex(zone, signal).then((a) => ({ values: a.ns }));
        const set = asLooseSet(change.set);
        rrs.push(...this.apexNsChange(zone, apexNs!.values, set.ttl, set.values as RecordDataMap["NS"][]));
      } else {
        const set = asLooseSet(change.set);
        rrs.push(deleteSet(fqdn, type), ...set.values.map((v) => addRecord(fqdn, type, set.ttl, v)));
      }
      const octets = rrs.reduce((n, rr) => n + rr.name.length + 12 + rr.rdata.length, 0);
      // One message per batch keeps it atomic; a batch too big for one message is sent in several.
      if (size + octets > MAX_UPDATE_OCTETS && batches[batches.length - 1]!.length > 0) {
        batches.push([]);
        size = 0;
      }
      batches[batches.length - 1]!.push(...rrs);
      size += octets;
    }
    for (const batch of batches) await this.update(zone, [], batch, signal);
  }

  async close(): Promise<void> {
    // Nothing is kept open: every exchange has its own socket.
  }

  // ---- helpers ----

  /** Add the new apex NS records first, then delete the old ones not kept: the zone never has none. */
  private apexNsChange(
    zone: string,
    current: readonly RecordDataMap["NS"][],
    ttl: number,
    wanted: readonly RecordDataMap["NS"][],
  ): ResourceRecord[] {
    const keep = new Set(wanted.map((v) => v.target));
    return [
      ...wanted.map((v) => addRecord(zone, "NS", ttl, v)),
      ...current.filter((v) => !keep.has(v.target)).map((v) => deleteRecord(zone, "NS", v)),
    ];
  }

  private async update(
    zone: string,
    prerequisites: ResourceRecord[],
    updates: ResourceRecord[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const message = updateMessage(zone, prerequisites, updates);
    await this.zoneOp(zone, signal, () => this.client.send(message, `UPDATE of ${zone}`, signal));
  }

  /**
   * Run an operation on a zone; when the server refuses it, find out whether it serves the zone at all,
   * so that a missing zone is a NotFoundError and only a real refusal a permission error.
   */
  private async zoneOp<T>(zone: string, signal: AbortSignal | undefined, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const code = (err as OmnicloudError).code ?? "";
      if (/^(REFUSED|NOTAUTH|NOTZONE)$/.test(code) && !(await this.probeZone(zone, signal))) {
        throw this.noZone(zone);
      }
      throw err;
    }
  }

  private needProvisioner(action: "create" | "delete"): ZoneProvisioner {
    const provisioner = this.options.provisioner;
    if (provisioner) return provisioner;
    throw new InvalidInputError(
      `rfc2136: cannot ${action} zones: RFC 2136 changes records in zones the server already has, and ` +
        "zones are added and removed out of band",
      {
        provider: PROVIDER,
        hint:
          "Pass { provisioner: createBindProvisioner(...) } or createKnotProvisioner(...), or " +
          `${action} the zone in the server's configuration`,
      },
    );
  }

  private noZone(zone: string, detail = "it does not serve it authoritatively"): NotFoundError {
    return new NotFoundError(`Zone ${zone} is not on ${this.client.where}: ${detail}`, {
      provider: PROVIDER,
      hint: "Create it with createZone (with a provisioner) or in the server's configuration",
    });
  }

  /** The zone as the server serves it, or undefined when it is not authoritative for it. */
  private async probeZone(zone: string, signal: AbortSignal | undefined): Promise<Zone | undefined> {
    const apex = await this.apex(zone, signal, true);
    if (!apex) return undefined;
    return {
      name: zone,
      id: zone,
      provider: PROVIDER,
      serial: apex.soa.serial,
      nameservers: apex.ns.map((v) => v.target),
    };
  }

  /** The apex SOA and NS by authoritative queries. */
  private async apex(zone: string, signal: AbortSignal | undefined): Promise<ApexState>;
  private async apex(
    zone: string,
    signal: AbortSignal | undefined,
    soft: true,
  ): Promise<ApexState | undefined>;
  private async apex(
    zone: string,
    signal: AbortSignal | undefined,
    soft = false,
  ): Promise<ApexState | undefined> {
    const soa = await this.answer(zone, "SOA", signal);
    if (soa?.values.length !== 1) {
      if (soft) return undefined;
      throw this.noZone(zone);
    }
    const ns = (await this.answer(zone, "NS", signal)) ?? { ttl: DEFAULT_TTL, values: [] };
    return {
      soa: soa.values[0] as RecordDataMap["SOA"],
      soaTtl: soa.ttl,
      ns: ns.values as RecordDataMap["NS"][],
      nsTtl: ns.ttl,
    };
  }

  /**
   * The records the server serves authoritatively for a name and type; undefined when it is not
   * authoritative (REFUSED, NOTAUTH, or an answer without the AA bit). TSIG failures are raised.
   */
  private async answer(
    fqdn: string,
    type: WireType,
    signal: AbortSignal | undefined,
  ): Promise<{ ttl: number; values: AnyRecordData[] } | undefined> {
    const { msg, tsigError } = await this.client.query(fqdn, type, signal);
    const rcode = rcodeOf(msg.flags);
    if (tsigError !== 0) this.client.check(msg, tsigError, `${type} query for ${fqdn}`);
    if (rcode === RCODE.REFUSED || rcode === RCODE.NOTAUTH || rcode === RCODE.NXDOMAIN) return undefined;
    if (rcode !== RCODE.NOERROR) this.client.check(msg, tsigError, `${type} query for ${fqdn}`);
    if ((msg.flags & FLAG_AA) === 0) return undefined;
    const found = msg.answer.filter((rr) => rr.name === fqdn && rr.type === TYPE_CODES[type]);
    if (found.length === 0) return undefined;
    const what = `${type} record "${fqdn}"`;
    return {
      ttl: Math.min(...found.map((rr) => rr.ttl)),
      values: found.map((rr) => decodeRdata(type, msg.raw, rr.rdataAt, rr.rdata.length, what)),
    };
  }
}

export function createRfc2136(options: Rfc2136Options = {}): Rfc2136Driver {
  return new Rfc2136Driver(options);
}
