import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import type { DeployStep, HostKeyPolicy, SshTarget, StepResult } from "../../deploy/index.js";
import { installKey, deploy as runDeploy, runScript, uploadFile } from "../../deploy/index.js";
import {
  type CommandRun,
  expectArgs,
  type FlagValues,
  flagBool,
  flagList,
  flagString,
  type Invocation,
} from "../command-spec.js";
import { type Cli, note } from "../context.js";
import { formatBytes, formatSeconds, parseDuration } from "../format.js";
import { printResult, renderTable } from "../output.js";
import { UsageError } from "../usage-error.js";

const USAGE =
  "deploy run <host>[:port] [--user USER] [--key FILE] [--known-hosts FILE | --fingerprint SHA256:… | --insecure-accept-any-host-key] [--install-key PUBFILE]... [--upload SRC:DST[:MODE]]... [--script FILE | --run COMMAND]...";

/** The flags that are steps, in the order the user gave them. */
const STEP_FLAGS = new Set(["install-key", "upload", "script", "run"]);

/** `host`, `host:port`, `user@host:port`, `[v6]:port`. */
export function parseHost(text: string): { host: string; port?: number; user?: string } {
  let rest = text.trim();
  let user: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at > 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (rest.indexOf(":") === rest.lastIndexOf(":") && rest.includes(":")) {
    host = rest.slice(0, rest.indexOf(":"));
    portText = rest.slice(rest.indexOf(":") + 1);
  }
  if (host === "") throw new UsageError(`"${text}" names no host; usage: omnicloud ${USAGE}`);
  if (portText === undefined) return { host, ...(user ? { user } : {}) };
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port < 1 || port > 65535)
    throw new UsageError(`the port in "${text}" must be a number from 1 to 65535`);
  return { host, port, ...(user ? { user } : {}) };
}

/** `SRC:DST[:MODE]`; MODE is octal permission bits (644, 0750). */
export function parseUpload(spec: string): { src: string; dst: string; mode?: number } {
  const parts = spec.split(":");
  let mode: number | undefined;
  if (parts.length >= 3 && /^[0-7]{3,4}$/.test(parts[parts.length - 1]!))
    mode = Number.parseInt(parts.pop()!, 8);
  const [src, ...dstParts] = parts;
  const dst = dstParts.join(":");
  if (!src || !dst) throw new UsageError(`--upload takes SRC:DST[:MODE], not "${spec}"`);
  return { src, dst, ...(mode === undefined ? {} : { mode }) };
}

function duration(values: FlagValues, name: string, fallback: string): number {
  const text = flagString(values, name) ?? fallback;
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new UsageError(`--${name} takes seconds or 90s, 10m, 1h; not "${text}"`);
  return seconds * 1000;
}

function hostKeyPolicy(values: FlagValues): HostKeyPolicy | undefined {
  const files = flagList(values, "known-hosts");
  const fingerprints = flagList(values, "fingerprint");
  if (flagBool(values, "insecure-accept-any-host-key")) {
    if (files.length > 0 || fingerprints.length > 0)
      throw new UsageError(
        "--insecure-accept-any-host-key cannot be combined with --known-hosts or --fingerprint",
      );
    return { insecureAcceptAny: true };
  }
  if (files.length === 0 && fingerprints.length === 0) return undefined; // the default known_hosts files
  return {
    ...(files.length > 0 ? { knownHostsFile: files } : {}),
    ...(fingerprints.length > 0 ? { fingerprint: fingerprints } : {}),
  };
}

/** --key, else the agent (the library's default when SSH_AUTH_SOCK is set), else the usual key files. */
function keyFile(cli: Cli, values: FlagValues): string | undefined {
  const given = flagString(values, "key");
  if (given !== undefined) return given;
  if (cli.env.SSH_AUTH_SOCK) return undefined;
  const home = cli.env.HOME || homedir();
  return ["id_ed25519", "id_ecdsa", "id_rsa"].map((n) => join(home, ".ssh", n)).find((p) => existsSync(p));
}

function passphrase(cli: Cli, values: FlagValues): string | undefined {
  const variable = flagString(values, "passphrase-env");
  if (variable === undefined) return undefined;
  const value = cli.env[variable];
  if (value === undefined)
    throw new UsageError(`--passphrase-env ${variable}: that environment variable is not set`);
  return value;
}

async function buildSteps(cli: Cli, invocation: Invocation): Promise<DeployStep[]> {
  const values = invocation.values;
  const timeoutMs = duration(values, "timeout", "10m");
  const onOutput = flagBool(values, "stream")
    ? (chunk: { text: string }): void => {
        cli.stderr.write(chunk.text);
      }
    : undefined;
  const script = { timeoutMs, ...(onOutput ? { onOutput } : {}) };
  // Each step flag's values, consumed in the order the flags were given.
  const queues = new Map<string, string[]>([...STEP_FLAGS].map((name) => [name, flagList(values, name)]));
  const order = invocation.order ?? [...STEP_FLAGS].flatMap((name) => queues.get(name)!.map(() => name));
  const steps: DeployStep[] = [];
  for (const name of order) {
    if (!STEP_FLAGS.has(name)) continue;
    const value = queues.get(name)!.shift();
    if (value === undefined) continue;
    if (name === "install-key") {
      const lines = (await readFile(value, "utf8")).split(/\r?\n/).map((l) => l.trim());
      const keys = lines.filter((l) => l !== "" && !l.startsWith("#"));
      if (keys.length === 0) throw new UsageError(`--install-key ${value}: the file holds no public key`);
      for (const key of keys) steps.push(installKey(key, { name: `install-key ${basename(value)}` }));
    } else if (name === "upload") {
      const { src, dst, mode } = parseUpload(value);
      if (!existsSync(src)) throw new UsageError(`--upload ${value}: no local file "${src}"`);
      steps.push(
        uploadFile(src, dst, {
          name: `upload ${basename(src)} to ${dst}`,
          ...(mode === undefined ? {} : { mode }),
        }),
      );
    } else if (name === "script") {
      if (!existsSync(value)) throw new UsageError(`--script ${value}: no such file`);
      steps.push(runScript({ file: value }, { name: `script ${basename(value)}`, ...script }));
    } else {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      steps.push(runScript(value, { name: `run ${shown}`, interpreter: ["/bin/sh"], ...script }));
    }
  }
  if (steps.length === 0)
    throw new UsageError(
      "deploy run needs at least one step",
      "Give --install-key, --upload, --script or --run",
    );
  return steps;
}

function detail(r: StepResult): string {
  if (r.bytes !== undefined)
    return `${formatBytes(r.bytes)}, mode ${(r.mode ?? 0o644).toString(8).padStart(4, "0")}`;
  if (r.changed !== undefined) return r.changed ? "key added" : "key already there";
  if (r.signal !== undefined) return `signal ${r.signal}`;
  return "";
}

export const deployRunCommand: CommandRun = async (cli, invocation) => {
  const [where] = expectArgs(invocation, 1, 1, USAGE);
  const values = invocation.values;
  const address = parseHost(where!);
  const hostKey = hostKeyPolicy(values);
  const key = keyFile(cli, values);
  const secret = passphrase(cli, values);
  const steps = await buildSteps(cli, invocation);
  const user = flagString(values, "user") ?? address.user ?? "root";
  const target: SshTarget = {
    host: address.host,
    user,
    ...(address.port === undefined ? {} : { port: address.port }),
    ...(key === undefined ? {} : { privateKeyPath: key }),
    ...(secret === undefined ? {} : { passphrase: secret }),
    ...(hostKey === undefined ? {} : { hostKey }),
  };
  if (hostKey?.insecureAcceptAny) {
    note(
      cli,
      `omnicloud: warning: --insecure-accept-any-host-key: the host key of ${address.host} is NOT verified; anyone on the path could impersonate the server`,
    );
  }
  const result = await runDeploy(target, steps, {
    signal: cli.signal,
    connectTimeoutMs: duration(values, "connect-timeout", "2m"),
    // The failure itself is reported once, as the error line; the log's lines show only with --debug.
    log: (entry) => {
      if (cli.debug) note(cli, `omnicloud deploy ${entry.level}: ${entry.message.replace(/\s+/g, " ")}`);
    },
  });
  printResult(cli, result, () => {
    const rows = result.steps.map((r) => [
      r.step,
      r.exitCode === undefined ? "-" : String(r.exitCode),
      formatSeconds(r.durationMs),
      detail(r),
    ]);
    const table = renderTable(["STEP", "EXIT", "DURATION", "RESULT"], rows, [false, true, true, false]);
    const by = result.hostKey.verifiedBy;
    return [
      table,
      `deployed ${result.steps.length} step(s) to ${result.user}@${result.host}:${result.port} (host key ${result.hostKey.type} ${result.hostKey.fingerprint}, ${by === "insecure" ? "NOT verified" : `verified by ${by}`})`,
    ];
  });
  return 0;
};
