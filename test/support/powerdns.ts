/**
 * A real PowerDNS Authoritative server (Debian's pdns-server with the sqlite3 backend) as a child of the
 * test process, set up as ../shared/SERVERS.md describes: state in a fresh temp dir, the schema loaded
 * with sqlite3, DNS and API on 127.0.0.1 at free ports, no syslog, no security poll (no outbound DNS).
 * Stopped by its PID: SIGTERM, SIGKILL after 10 s, then wait for its exit.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { isOmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { freePort, stopChild } from "./child-process.js";
import { queryDns } from "./dns-query.js";

const run = promisify(execFile);

export interface PowerDns {
  /** The API base URL, e.g. "http://127.0.0.1:40123". */
  apiUrl: string;
  apiKey: string;
  apiPort: number;
  /** UDP and TCP. */
  dnsPort: number;
  pid: number;
  /** The command line, for the report and to reproduce a failure by hand. */
  command: string[];
  /** The pdns.conf written. */
  config: string;
  stateDir: string;
  stop(): Promise<void>;
}

const KNOWN_SCHEMA = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql";

/** The sqlite schema shipped by pdns-backend-sqlite3 (the full one, not an upgrade script). */
async function findSchema(): Promise<string> {
  try {
    const { stdout } = await run("dpkg", ["-L", "pdns-backend-sqlite3"]);
    const found = stdout.split("\n").find((line) => line.endsWith("/schema/schema.sqlite3.sql"));
    if (found) return found;
  } catch {
    // Not Debian, or the package is missing: try the known path, then say what is missing.
  }
  if (existsSync(KNOWN_SCHEMA)) return KNOWN_SCHEMA;
  throw new Error(
    "the pdns-backend-sqlite3 schema was not found: install the packages in scripts/apt/dns.txt",
  );
}

export function powerDnsConfig(o: {
  state: string;
  db: string;
  dnsPort: number;
  apiPort: number;
  apiKey: string;
}): string {
  return [
    "launch=gsqlite3",
    `gsqlite3-database=${o.db}`,
    "local-address=127.0.0.1",
    `local-port=${o.dnsPort}`,
    "api=yes",
    `api-key=${o.apiKey}`,
    "webserver=yes",
    "webserver-address=127.0.0.1",
    `webserver-port=${o.apiPort}`,
    "webserver-allow-from=127.0.0.0/8",
    `socket-dir=${join(o.state, "sock")}`,
    "guardian=no",
    "daemon=no",
    "disable-syslog=yes",
    "write-pid=no",
    // Empty: no security-status query, so the server makes no outbound DNS request.
    "security-poll-suffix=",
    "default-soa-content=ns1.example.test. hostmaster.@ 0 10800 3600 604800 3600",
    // The tests query right after each API change; with the caches off every answer comes from the
    // database, so no test waits for a cache to expire.
    "cache-ttl=0",
    "negquery-cache-ttl=0",
    "query-cache-ttl=0",
    // And no zone cache: zones loaded beside the API (pdnsutil load-zone) are served at once.
    "zone-cache-refresh-interval=0",
    // Small, on a shared 2-core machine.
    "receiver-threads=1",
    "distributor-threads=1",
    "",
  ].join("\n");
}

/**
 * Poll, every 100 ms and at most `attempts` times, until the API answers (any status) and the DNS port
 * answers a query (any rcode); give up at once if the child exits.
 */
async function waitReady(
  child: ChildProcess,
  p: { apiUrl: string; apiKey: string; dnsPort: number },
  attempts: number,
): Promise<void> {
  const probe = new Transport({ provider: "pdns-probe", retry: false, connectTimeoutMs: 1_000 });
  let apiUp = false;
  try {
    for (let i = 0; i < attempts; i++) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `pdns_server exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`,
        );
      }
      if (!apiUp) {
        try {
          await probe.send({
            method: "GET",
            url: `${p.apiUrl}/api/v1/servers/localhost`,
            headers: { "x-api-key": p.apiKey },
            timeoutMs: 2_000,
          });
          apiUp = true;
        } catch (err) {
          if (isOmnicloudError(err) && err.status !== undefined) apiUp = true;
        }
      }
      if (apiUp) {
        try {
          await queryDns("example.invalid.", "SOA", { port: p.dnsPort, timeoutMs: 200, attempts: 1 });
          return;
        } catch {
          // Not answering DNS yet.
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`pdns_server did not become ready after ${attempts} probes`);
  } finally {
    await probe.close();
  }
}

export async function startPowerDns(): Promise<PowerDns> {
  const schema = await findSchema();
  let lastError: unknown;
  // A port can be taken between our probe and the server's bind; try a few times.
  for (let tries = 0; tries < 3; tries++) {
    const state = await mkdtemp(join(tmpdir(), "omnicloud-pdns-"));
    await mkdir(join(state, "sock"));
    const db = join(state, "pdns.sqlite3");
    await run("sqlite3", [db, `.read ${schema}`]);
    const dnsPort = await freePort({ udp: true });
    const apiPort = await freePort();
    const apiKey = `test-${Math.random().toString(36).slice(2)}`;
    const config = powerDnsConfig({ state, db, dnsPort, apiPort, apiKey });
    await writeFile(join(state, "pdns.conf"), config);
    const log = await open(join(state, "pdns.log"), "a");
    const command = ["pdns_server", `--config-dir=${state}`];
    const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", log.fd, log.fd] });
    const spawnError = new Promise<never>((_, fail) => child.once("error", fail));
    spawnError.catch(() => {});
    await log.close();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const stop = async (): Promise<void> => {
      await stopChild(child);
      await rm(state, { recursive: true, force: true });
    };
    try {
      await Promise.race([waitReady(child, { apiUrl, apiKey, dnsPort }, 300), spawnError]);
      return { apiUrl, apiKey, apiPort, dnsPort, pid: child.pid!, command, config, stateDir: state, stop };
    } catch (err) {
      const output = await readFile(join(state, "pdns.log"), "utf8").catch(() => "");
      lastError = new Error(`${(err as Error).message}\n${output.slice(-4_000)}`);
      await stop();
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error("pdns_server is not installed: install the packages in scripts/apt/dns.txt");
      }
    }
  }
  throw lastError;
}
