/**
 * A real Knot DNS (`knotd`) as a child of the test process, set up as ../shared/SERVERS.md describes:
 * state (database, zones, control socket) in a fresh temp dir, DNS on 127.0.0.1 at a free port, TSIG
 * keys of every algorithm, an ACL "rw" allowing update and transfer to each key, zones added at run time
 * through `knotc` configuration transactions. Ready when it answers a real DNS query and `knotc status`;
 * stopped by its PID: SIGTERM, SIGKILL after 10 s, then wait for its exit.
 */
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type RunningServer, waitForDns } from "./bind.js";
import { freePort, stopChild } from "./child-process.js";
import { knotKeyConfig, makeTestKeys, type TestKey } from "./tsig-keys.js";

const run = promisify(execFile);

export interface Knot extends RunningServer {
  /** knotc's control socket. */
  socket: string;
  configPath: string;
  zoneDir: string;
  /** The ACL ids new zones get. */
  acl: string[];
}

export function knotConfig(o: {
  state: string;
  dnsPort: number;
  socket: string;
  zoneDir: string;
  keys: readonly TestKey[];
}): string {
  return `# Written by omnicloud's test harness: everything on 127.0.0.1, state in ${o.state}.
server:
  rundir: "${join(o.state, "run")}"
  listen: 127.0.0.1@${o.dnsPort}
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1

log:
  - target: stderr
    any: info

database:
  storage: "${join(o.state, "db")}"

control:
  listen: "${o.socket}"

key:
${knotKeyConfig(o.keys)}
acl:
  - id: rw
    key: [${o.keys.map((k) => k.name).join(", ")}]
    action: [update, transfer]

template:
  - id: default
    storage: "${o.zoneDir}"
    file: "%s.zone"
    # Write every change back to the zone file at once, so the file on disk is always current.
    zonefile-sync: 0
`;
}

export async function startKnot(): Promise<Knot> {
  let lastError: unknown;
  for (let tries = 0; tries < 3; tries++) {
    const state = await mkdtemp(join(tmpdir(), "omnicloud-knot-"));
    const zoneDir = join(state, "zones");
    await mkdir(zoneDir);
    await mkdir(join(state, "run"));
    await mkdir(join(state, "db"));
    const keys = makeTestKeys();
    const dnsPort = await freePort({ udp: true });
    const socket = join(state, "run", "knot.sock");
    const configPath = join(state, "knot.conf");
    await writeFile(configPath, knotConfig({ state, dnsPort, socket, zoneDir, keys }));
    const clean = async (): Promise<void> => {
      await rm(state, { recursive: true, force: true });
    };
    try {
      await run("knotc", ["-c", configPath, "conf-check"]);
    } catch (err) {
      await clean();
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error("knotc is not installed: install the packages in scripts/apt/dns-rfc2136.txt");
      }
      throw new Error(`knotc conf-check refused the config: ${(err as { stderr?: string }).stderr ?? err}`);
    }
    const log = await open(join(state, "knotd.log"), "a");
    const command = ["knotd", "-c", configPath];
    const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", log.fd, log.fd] });
    const spawnError = new Promise<never>((_, fail) => child.once("error", fail));
    spawnError.catch(() => {});
    await log.close();
    const stop = async (): Promise<void> => {
      await stopChild(child);
      await clean();
    };
    const knotcStatus = async (): Promise<void> => {
      await run("knotc", ["-s", socket, "status"]);
    };
    try {
      await Promise.race([waitForDns(child, "knotd", dnsPort, 300, knotcStatus), spawnError]);
      return {
        dnsPort,
        socket,
        configPath,
        zoneDir,
        acl: ["rw"],
        pid: child.pid!,
        command,
        stateDir: state,
        keys,
        stop,
      };
    } catch (err) {
      const output = await readFile(join(state, "knotd.log"), "utf8").catch(() => "");
      lastError = new Error(`${(err as Error).message}\n${output.slice(-4_000)}`);
      await stop();
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error("knotd is not installed: install the packages in scripts/apt/dns-rfc2136.txt");
      }
    }
  }
  throw lastError;
}
