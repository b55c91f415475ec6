/**
 * Zones on BIND 9 through `rndc addzone` / `rndc delzone -clean` (the server needs `allow-new-zones yes`),
 * listed through BIND's JSON statistics channel when one is configured. The zone file is written where
 * the server can read it, and the new zone allows UPDATE and AXFR to the driver's key unless told otherwise.
 */
import { AlreadyExistsError, NotFoundError, ProviderError } from "../../core/errors.js";
import { Transport } from "../../core/transport/transport.js";
import { canonicalZoneName } from "../../dns/names.js";
import {
  complaint,
  runTool,
  writeZoneFile,
  type ZoneProvisioner,
  type ZoneProvisionRequest,
} from "./provision.js";

export interface BindProvisionerOptions {
  /** A folder `named` can read, where new zones' files are written. */
  zoneDir: string;
  /** rndc's path. Default "rndc". */
  rndc?: string;
  /** The control channel (rndc -s/-p). Default 127.0.0.1:953. */
  controlHost?: string;
  controlPort?: number;
  /** rndc -k: the control key's file. Default: rndc's own configuration. */
  rndcKeyFile?: string;
  /** rndc -c: an rndc.conf. */
  rndcConfig?: string;
  /**
   * The zone statement's options besides type and file. Default: allow-update and allow-transfer for the
   * driver's key. Given as text, it is used as it is, so it must be valid named.conf.
   */
  zoneOptions?: string | ((request: ZoneProvisionRequest) => string);
  /** BIND's statistics channel ("http://127.0.0.1:8053"), read to list zones (/json/v1/zones). */
  statisticsUrl?: string;
  /** Per tool run. Default 30 s. */
  timeoutMs?: number;
}

const PROVIDER = "rfc2136";

export class BindProvisioner implements ZoneProvisioner {
  readonly tool = "rndc";

  constructor(private readonly options: BindProvisionerOptions) {
    if (/["\\]/.test(options.zoneDir)) {
      throw new ProviderError(`the zone folder "${options.zoneDir}" may not hold quotes or backslashes`, {
        provider: PROVIDER,
      });
    }
  }

  private rndc(args: string[], signal: AbortSignal | undefined) {
    const o = this.options;
    const base = ["-s", o.controlHost ?? "127.0.0.1", "-p", String(o.controlPort ?? 953)];
    if (o.rndcKeyFile) base.push("-k", o.rndcKeyFile);
    if (o.rndcConfig) base.push("-c", o.rndcConfig);
    return runTool(o.rndc ?? "rndc", [...base, ...args], {
      provider: PROVIDER,
      timeoutMs: o.timeoutMs ?? 30_000,
      signal,
    });
  }

  private zoneOptions(request: ZoneProvisionRequest): string {
    const given = this.options.zoneOptions;
    if (typeof given === "function") return given(request);
    if (typeof given === "string") return given;
    if (!request.keyName) return "";
    const key = request.keyName.slice(0, -1);
    return `allow-update { key "${key}"; }; allow-transfer { key "${key}"; };`;
  }

  async addZone(request: ZoneProvisionRequest, signal?: AbortSignal): Promise<void> {
    const path = await writeZoneFile(this.options.zoneDir, request);
    const config = `{ type primary; file "${path}"; ${this.zoneOptions(request)} };`;
    const result = await this.rndc(["addzone", request.zone.slice(0, -1), config], signal);
    if (result.ok) return;
    const said = complaint(result);
    if (/already exists/i.test(said)) {
      throw new AlreadyExistsError(`Zone ${request.zone} exists on the server already (rndc: ${said})`, {
        provider: PROVIDER,
      });
    }
    throw new ProviderError(`rndc addzone ${request.zone} failed: ${said}`, {
      provider: PROVIDER,
      hint: "The server needs `allow-new-zones yes;` and rndc a working control channel",
    });
  }

  async removeZone(zone: string, signal?: AbortSignal): Promise<void> {
    // -clean: also remove the zone's file and journal, so a zone created again starts empty.
    const result = await this.rndc(["delzone", "-clean", zone.slice(0, -1)], signal);
    if (result.ok) return;
    const said = complaint(result);
    if (/not found|no matching zone/i.test(said)) {
      throw new NotFoundError(`Zone ${zone} is not on the server (rndc: ${said})`, { provider: PROVIDER });
    }
    throw new ProviderError(`rndc delzone ${zone} failed: ${said}`, { provider: PROVIDER });
  }

  async listZones(signal?: AbortSignal): Promise<string[]> {
    const url = this.options.statisticsUrl;
    if (!url) return [];
    const http = new Transport({ provider: PROVIDER, retry: false });
    try {
      const res = await http.sendJson({
        method: "GET",
        url: `${url.replace(/\/+$/, "")}/json/v1/zones`,
        ...(signal ? { signal } : {}),
        operation: "bind:statistics-zones",
      });
      return zonesOf(res.body);
    } finally {
      await http.close();
    }
  }
}

/** The zones of every view in BIND's /json/v1/zones document, skipping its built-in ones. */
function zonesOf(doc: unknown): string[] {
  const views = (doc as { views?: Record<string, { zones?: { name?: unknown; class?: unknown }[] }> }).views;
  const out = new Set<string>();
  for (const [view, content] of Object.entries(views ?? {})) {
    // "_bind" is BIND's own CHAOS view (version.bind and the like), never a user's zone.
    if (view === "_bind") continue;
    for (const z of content.zones ?? []) {
      if (typeof z.name !== "string" || (z.class !== undefined && z.class !== "IN")) continue;
      try {
        out.add(canonicalZoneName(z.name));
      } catch {
        // A built-in zone with a name omnicloud cannot use (e.g. the root's hints) is not listed.
      }
    }
  }
  return [...out];
}

export function createBindProvisioner(options: BindProvisionerOptions): BindProvisioner {
  return new BindProvisioner(options);
}
