/**
 * A real BIND 9 (`named`) as a child of the test process, set up as ../shared/SERVERS.md describes: state
 * in a fresh temp dir, DNS on 127.0.0.1 at a free port (UDP and TCP), rndc's control channel and the JSON
 * statistics channel on 127.0.0.1, TSIG keys of every algorithm, `allow-new-zones` so zones are added at
 * run time with `rndc addzone`. Foreground (`-g`), ready when it answers a real DNS query and rndc status;
 * stopped by its PID: SIGTERM, SIGKILL after 10 s, then wait for its exit.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { formatRdata } from "../../src/dns/presentation.js";
import type { RecordType } from "../../src/dns/types.js";
import { freePort, stopChild } from "./child-process.js";
import { queryDns } from "./dns-query.js";
import { bindKeyConfig, makeTestKeys, type TestKey } from "./tsig-keys.js";

const run = promisify(execFile);

export interface RunningServer {
  dnsPort: number;
  pid: number;
  /** The command line, for the report and to reproduce a failure by hand. */
  command: string[];
  stateDir: string;
  /** Every key the server knows; keys[0] is the suite's main key (hmac-sha256). */
  keys: TestKey[];
  stop(): Promise<void>;
}

export interface Bind extends RunningServer {
  controlPort: number;
  rndcKeyFile: string;
  statisticsUrl: string;
  /** Where new zone files go (the server reads them by absolute path). */
  zoneDir: string;
}

/**
 * Poll every 100 ms, at most `attempts` times, until the DNS port answers a query (any rcode) and
 * `extra` (if given) succeeds; give up at once if the child exits.
 */
export async function waitForDns(
  child: ChildProcess,
  name: string,
  dnsPort: number,
  attempts: number,
  extra?: () => Promise<void>,
): Promise<void> {
  let dnsUp = false;
  for (let i = 0; i < attempts; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`,
      );
    }
    if (!dnsUp) {
      try {
        await queryDns("example.invalid.", "SOA", { port: dnsPort, timeoutMs: 200, attempts: 1 });
        dnsUp = true;
      } catch {
        // Not answering DNS yet.
      }
    }
    if (dnsUp) {
      if (!extra) return;
      try {
        await extra();
        return;
      } catch {
        // The control channel is not up yet.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready after ${attempts} probes`);
}

export function namedConfig(o: {
  state: string;
  dnsPort: number;
  controlPort: number;
  statsPort: number;
}): string {
  return `// Written by omnicloud's test harness: everything on 127.0.0.1, state in ${o.state}.
include "${join(o.state, "keys.conf")}";
include "${join(o.state, "rndc.key")}";

options {
  directory "${o.state}";
  pid-file "${join(o.state, "named.pid")}";
  session-keyfile "${join(o.state, "session.key")}";
  managed-keys-directory "${o.state}";
  listen-on port ${o.dnsPort} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  allow-new-zones yes;
  notify no;
};

controls {
  inet 127.0.0.1 port ${o.controlPort} allow { 127.0.0.1; } keys { "rndc-key"; };
};

statistics-channels {
  inet 127.0.0.1 port ${o.statsPort} allow { 127.0.0.1; };
};

logging {
  channel to_stderr { stderr; severity info; print-time yes; print-category yes; };
  category default { to_stderr; };
  category update { to_stderr; };
  category xfer-out { to_stderr; };
};
`;
}

export async function startBind(): Promise<Bind> {
  let lastError: unknown;
  // A port can be taken between our probe and the server's bind; try a few times.
  for (let tries = 0; tries < 3; tries++) {
    const state = await mkdtemp(join(tmpdir(), "omnicloud-bind-"));
    const zoneDir = join(state, "zones");
    await mkdir(zoneDir);
    const keys = makeTestKeys();
    await writeFile(join(state, "keys.conf"), bindKeyConfig(keys));
    const rndcKeyFile = join(state, "rndc.key");
    const rndcSecret = randomBytes(32).toString("base64");
    await writeFile(
      rndcKeyFile,
      `key "rndc-key" {\n  algorithm hmac-sha256;\n  secret "${rndcSecret}";\n};\n`,
    );
    const dnsPort = await freePort({ udp: true });
    const controlPort = await freePort();
    const statsPort = await freePort();
    const configPath = join(state, "named.conf");
    await writeFile(configPath, namedConfig({ state, dnsPort, controlPort, statsPort }));
    const stop0 = async (): Promise<void> => {
      await rm(state, { recursive: true, force: true });
    };
    try {
      await run("named-checkconf", [configPath]);
    } catch (err) {
      await stop0();
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error(
          "named-checkconf is not installed: install the packages in scripts/apt/dns-rfc2136.txt",
        );
      }
      throw new Error(`named-checkconf refused the config: ${(err as { stderr?: string }).stderr ?? err}`);
    }
    const log = await open(join(state, "named.log"), "a");
    // -g: foreground, logging to stderr; -n 1: one worker thread on this shared 2-core machine.
    const command = ["named", "-g", "-n", "1", "-c", configPath];
    const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", log.fd, log.fd] });
    const spawnError = new Promise<never>((_, fail) => child.once("error", fail));
    spawnError.catch(() => {});
    await log.close();
    const stop = async (): Promise<void> => {
      await stopChild(child);
      await stop0();
    };
    const rndcStatus = async (): Promise<void> => {
      await run("rndc", ["-s", "127.0.0.1", "-p", String(controlPort), "-k", rndcKeyFile, "status"]);
    };
    try {
      await Promise.race([waitForDns(child, "named", dnsPort, 300, rndcStatus), spawnError]);
      return {
        dnsPort,
        controlPort,
        rndcKeyFile,
        statisticsUrl: `http://127.0.0.1:${statsPort}`,
        zoneDir,
        pid: child.pid!,
        command,
        stateDir: state,
        keys,
        stop,
      };
    } catch (err) {
      const output = await readFile(join(state, "named.log"), "utf8").catch(() => "");
      lastError = new Error(`${(err as Error).message}\n${output.slice(-4_000)}`);
      await stop();
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error("named is not installed: install the packages in scripts/apt/dns-rfc2136.txt");
      }
    }
  }
  throw lastError;
}

/**
 * What a server serves for a name and type, by a real query to its DNS port: the answer section, or for
 * NS below the apex (a delegation) the referral in the authority section. For the conformance suite.
 */
export function observeByQuery(
  dnsPort: number,
): (zone: string, fqdn: string, type: RecordType) => Promise<{ ttl: number; values: string[] } | undefined> {
  return async (_zone, fqdn, type) => {
    if (type === "ALIAS") return undefined;
    const answer = await queryDns(fqdn, type, { port: dnsPort });
    let found = answer.answers.filter((r) => r.name === fqdn && r.type === type);
    if (found.length === 0 && type === "NS") {
      found = answer.authority.filter((r) => r.name === fqdn && r.type === "NS");
    }
    if (found.length === 0) return undefined;
    return { ttl: found[0]!.ttl, values: found.map((r) => formatRdata(type, r.data!)).sort() };
  };
}
