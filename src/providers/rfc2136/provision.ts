/**
 * Zones are created and deleted out of band in RFC 2136: the protocol changes records in zones a server
 * already has. A `ZoneProvisioner` is the optional hook that does it with the server's own control tool
 * (BIND's `rndc addzone/delzone`, Knot's `knotc conf-*`); without one, createZone and deleteZone say so.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInputError, ProviderError } from "../../core/errors.js";
import { splitLabels } from "../../dns/names.js";

export interface ZoneProvisionRequest {
  /** Absolute, canonical: "example.com.". */
  zone: string;
  /** The zone file to start from (SOA and apex NS), in RFC 1035 master-file form. */
  zoneFile: string;
  /** The driver's TSIG key name ("update-key."), which the new zone should allow to update and transfer. */
  keyName: string | undefined;
}

export interface ZoneProvisioner {
  /** Shown in messages: "rndc", "knotc". */
  readonly tool: string;
  /** Make the server serve the zone. AlreadyExistsError when it has it. */
  addZone(request: ZoneProvisionRequest, signal?: AbortSignal): Promise<void>;
  /** Make the server drop the zone and its files. NotFoundError when it has none. */
  removeZone(zone: string, signal?: AbortSignal): Promise<void>;
  /** Every zone the server has, when the tool can tell. */
  listZones?(signal?: AbortSignal): Promise<string[]>;
}

/** The zone file's name: zone names become file names, so only plain labels are allowed. */
export function zoneFileName(zone: string): string {
  const bare = zone.slice(0, -1);
  if (!splitLabels(bare).every((label) => /^[a-z0-9_-]+$/.test(label))) {
    throw new InvalidInputError(
      `Zone ${zone}: zone files are named after their zone, so the name may only use letters, digits, '-' and '_'`,
    );
  }
  return `${bare}.zone`;
}

/** Write the zone's first file into `dir`, returning its path. */
export async function writeZoneFile(dir: string, request: ZoneProvisionRequest): Promise<string> {
  const path = join(dir, zoneFileName(request.zone));
  await writeFile(path, request.zoneFile, { encoding: "utf8", mode: 0o644 });
  return path;
}

export interface ToolResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Run a control tool without a shell (arguments are passed as they are), bounded by `timeoutMs`. A tool
 * that is not installed is an error that says so; a failing one is returned, for the caller to read.
 */
export function runTool(
  command: string,
  args: readonly string[],
  options: { provider: string; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs, signal: options.signal, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
          reject(
            new ProviderError(`${command} is not installed (or not on PATH)`, {
              provider: options.provider,
              hint: `Install it, or give its path in the provisioner's options`,
            }),
          );
          return;
        }
        if (err && (err as NodeJS.ErrnoException).code === "ABORT_ERR") {
          reject(err);
          return;
        }
        resolve({ ok: !err, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** The tool's complaint, for messages: the last non-empty lines of stderr, else stdout. */
export function complaint(result: ToolResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-3).join(" / ");
  return text === "" ? "no output" : text;
}
