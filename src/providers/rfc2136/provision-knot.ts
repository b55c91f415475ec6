/**
 * Zones on Knot DNS through `knotc` configuration transactions (conf-begin, conf-set, conf-commit), as
 * Knot's documentation describes for zones added at run time. New zones get the ACLs named in the
 * options, which must allow the driver's key to update and transfer.
 */
import { AlreadyExistsError, NotFoundError, ProviderError } from "../../core/errors.js";
import { canonicalZoneName } from "../../dns/names.js";
import {
  complaint,
  runTool,
  type ToolResult,
  writeZoneFile,
  type ZoneProvisioner,
  type ZoneProvisionRequest,
} from "./provision.js";

export interface KnotProvisionerOptions {
  /** A folder knotd can read, where new zones' files are written (set as each zone's `file`). */
  zoneDir: string;
  /** knotc's path. Default "knotc". */
  knotc?: string;
  /** knotc -s: the control socket. Default: knotc's own. */
  socket?: string;
  /** knotc -c: the server's configuration file, when knotc needs it to find the socket. */
  config?: string;
  /** ACL ids for new zones, e.g. ["update-acl"]; they must allow the driver's key. Default none. */
  acl?: readonly string[];
  /** Per tool run. Default 30 s. */
  timeoutMs?: number;
}

const PROVIDER = "rfc2136";

export class KnotProvisioner implements ZoneProvisioner {
  readonly tool = "knotc";

  constructor(private readonly options: KnotProvisionerOptions) {}

  private knotc(args: string[], signal: AbortSignal | undefined): Promise<ToolResult> {
    const o = this.options;
    const base: string[] = [];
    if (o.socket) base.push("-s", o.socket);
    if (o.config) base.push("-c", o.config);
    return runTool(o.knotc ?? "knotc", [...base, ...args], {
      provider: PROVIDER,
      timeoutMs: o.timeoutMs ?? 30_000,
      signal,
    });
  }

  /**
   * Run `steps` inside one configuration transaction: committed when all succeed, aborted otherwise, so
   * a failed step leaves the server's configuration as it was.
   */
  private async transaction(
    steps: string[][],
    signal: AbortSignal | undefined,
  ): Promise<{ failed?: { step: string[]; said: string } }> {
    const begin = await this.knotc(["conf-begin"], signal);
    if (!begin.ok) {
      throw new ProviderError(`knotc conf-begin failed: ${complaint(begin)}`, {
        provider: PROVIDER,
        hint: "Another configuration transaction may be open; knotc conf-abort ends it",
      });
    }
    for (const step of steps) {
      const result = await this.knotc(step, signal);
      if (!result.ok) {
        await this.knotc(["conf-abort"], undefined);
        return { failed: { step, said: complaint(result) } };
      }
    }
    const commit = await this.knotc(["conf-commit"], signal);
    if (!commit.ok) {
      await this.knotc(["conf-abort"], undefined);
      return { failed: { step: ["conf-commit"], said: complaint(commit) } };
    }
    return {};
  }

  async addZone(request: ZoneProvisionRequest, signal?: AbortSignal): Promise<void> {
    const path = await writeZoneFile(this.options.zoneDir, request);
    const id = `zone[${request.zone}]`;
    const steps = [
      ["conf-set", id],
      ["conf-set", `${id}.file`, path],
    ];
    if (this.options.acl && this.options.acl.length > 0)
      steps.push(["conf-set", `${id}.acl`, ...this.options.acl]);
    const { failed } = await this.transaction(steps, signal);
    if (!failed) return;
    if (/duplicate identifier/i.test(failed.said)) {
      throw new AlreadyExistsError(
        `Zone ${request.zone} exists on the server already (knotc: ${failed.said})`,
        {
          provider: PROVIDER,
        },
      );
    }
    throw new ProviderError(`knotc ${failed.step.join(" ")} failed: ${failed.said}`, { provider: PROVIDER });
  }

  async removeZone(zone: string, signal?: AbortSignal): Promise<void> {
    // Purged first, while the zone is still configured (Knot 3.2 purges only configured zones): its file,
    // journal and timers go, so a zone created again under the name starts empty. -b waits for it.
    const purge = await this.knotc(["-b", "zone-purge", "-f", zone], signal);
    if (!purge.ok) {
      const said = complaint(purge);
      if (/no such zone|not found/i.test(said)) {
        throw new NotFoundError(`Zone ${zone} is not on the server (knotc: ${said})`, { provider: PROVIDER });
      }
      throw new ProviderError(`knotc zone-purge ${zone} failed: ${said}`, { provider: PROVIDER });
    }
    const { failed } = await this.transaction([["conf-unset", `zone[${zone}]`]], signal);
    if (failed) {
      if (/invalid identifier|not found/i.test(failed.said)) {
        throw new NotFoundError(`Zone ${zone} is not on the server (knotc: ${failed.said})`, {
          provider: PROVIDER,
        });
      }
      throw new ProviderError(`knotc ${failed.step.join(" ")} failed: ${failed.said}`, {
        provider: PROVIDER,
      });
    }
  }

  async listZones(signal?: AbortSignal): Promise<string[]> {
    const result = await this.knotc(["conf-read", "zone.domain"], signal);
    if (!result.ok) {
      // No zone configured at all reads as an error in some Knot versions.
      if (/not exists|no data|not found/i.test(complaint(result))) return [];
      throw new ProviderError(`knotc conf-read zone.domain failed: ${complaint(result)}`, {
        provider: PROVIDER,
      });
    }
    const zones: string[] = [];
    for (const line of result.stdout.split("\n")) {
      const match = /^zone\.domain\s*=\s*(.+)$/.exec(line.trim());
      // One zone per line, or several on one line, depending on the version.
      for (const name of match ? match[1]!.trim().split(/\s+/) : []) zones.push(canonicalZoneName(name));
    }
    return zones;
  }
}

export function createKnotProvisioner(options: KnotProvisionerOptions): KnotProvisioner {
  return new KnotProvisioner(options);
}
