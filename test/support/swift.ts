/**
 * A real OpenStack Swift all-in-one (Debian's packages, see scripts/apt/swift.txt) as children of the test
 * process: one account, container and object server, a proxy with tempauth, s3api, tempurl, slo and bulk,
 * and memcached, all on 127.0.0.1 and free ports. Rings, configs, swift.conf and the device directory live
 * in a fresh temp dir named by `swift_dir`, so the packaged /etc/swift is never read or touched.
 *
 * Each server stays in the foreground of the process we spawn (it setsid()s itself, but does not fork
 * away), so every recorded PID is SIGTERMed and awaited on stop.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { isOmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { freePort, inCi, isRunning, stopChild } from "./child-process.js";

const run = promisify(execFile);

export const SWIFT_PACKAGES = [
  "swift",
  "swift-proxy",
  "swift-account",
  "swift-container",
  "swift-object",
  "memcached",
];
const PROGRAMS = [
  "swift-ring-builder",
  "swift-proxy-server",
  "swift-account-server",
  "swift-container-server",
  "swift-object-server",
  "memcached",
];

/** The tempauth account: Swift user "test:tester", key "testing"; s3api takes the same pair. */
export const SWIFT_USER = "test:tester";
export const SWIFT_KEY = "testing";

export interface Swift {
  /** The proxy origin, e.g. "http://127.0.0.1:40123". */
  url: string;
  /** tempauth's v1.0 auth URL. */
  authUrl: string;
  /** The test account's storage URL (…/v1/AUTH_test). */
  storageUrl: string;
  user: string;
  key: string;
  stateDir: string;
  pids: number[];
  /** Every command run, for reproducing a failure by hand. */
  commands: string[];
  /** SIGTERM every server (SIGKILL after 10 s), wait for each to exit, remove the state dir. */
  stop(): Promise<void>;
}

/** Why Swift cannot run here, or undefined when its programs are installed. */
export function swiftUnavailable(): string | undefined {
  const missing = PROGRAMS.filter(
    (p) => !["/usr/bin", "/usr/sbin", "/usr/local/bin"].some((d) => existsSync(join(d, p))),
  );
  return missing.length
    ? `Swift is not installed (missing ${missing.join(", ")}): apt-get install -y --no-install-recommends ${SWIFT_PACKAGES.join(" ")}`
    : undefined;
}

/**
 * Start Swift, or say why not: under CI a Swift that cannot start throws (a failure); elsewhere the
 * reason is returned so the suite can skip loudly.
 */
export async function startSwiftOrSkip(): Promise<{ swift?: Swift; skipped?: string }> {
  const missing = swiftUnavailable();
  if (missing) {
    if (inCi()) throw new Error(missing);
    console.warn(`SKIPPING Swift tests: ${missing}`);
    return { skipped: missing };
  }
  try {
    return { swift: await startSwift() };
  } catch (err) {
    if (inCi()) throw err;
    const reason = `Swift did not start: ${(err as Error).message}`;
    console.warn(`SKIPPING Swift tests: ${reason}`);
    return { skipped: reason };
  }
}

function backendConf(kind: "account" | "container" | "object", dir: string, port: number): string {
  // The background daemons (replicator, auditor, …) are never started, but the servers read their sections.
  const extra: Record<typeof kind, string[]> = {
    account: ["account-replicator", "account-auditor", "account-reaper"],
    container: [
      "container-replicator",
      "container-auditor",
      "container-updater",
      "container-sync",
      "container-sharder",
    ],
    object: ["object-replicator", "object-auditor", "object-updater", "object-reconstructor"],
  };
  return [
    "[DEFAULT]",
    "bind_ip = 127.0.0.1",
    `bind_port = ${port}`,
    "user = root",
    `swift_dir = ${dir}`,
    `devices = ${join(dir, "devices")}`,
    "mount_check = false",
    "workers = 1",
    "log_facility = LOG_LOCAL2",
    "",
    "[pipeline:main]",
    `pipeline = ${kind}-server`,
    "",
    `[app:${kind}-server]`,
    `use = egg:swift#${kind}`,
    "",
    ...extra[kind].flatMap((s) => [`[${s}]`, ""]),
  ].join("\n");
}

function proxyConf(dir: string, port: number, memcachePort: number): string {
  return [
    "[DEFAULT]",
    "bind_ip = 127.0.0.1",
    `bind_port = ${port}`,
    "user = root",
    `swift_dir = ${dir}`,
    "workers = 1",
    "",
    "[pipeline:main]",
    "pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit s3api tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server",
    "",
    "[app:proxy-server]",
    "use = egg:swift#proxy",
    "account_autocreate = true",
    "allow_account_management = true",
    "",
    "[filter:tempauth]",
    "use = egg:swift#tempauth",
    `user_test_tester = ${SWIFT_KEY} .admin`,
    `storage_url_scheme = default`,
    "",
    "[filter:s3api]",
    "use = egg:swift#s3api",
    "location = us-east-1",
    "",
    "[filter:cache]",
    "use = egg:swift#memcache",
    `memcache_servers = 127.0.0.1:${memcachePort}`,
    "",
    ...[
      "catch_errors",
      "gatekeeper",
      "healthcheck",
      "proxy-logging",
      "listing_formats",
      "bulk",
      "tempurl",
      "ratelimit",
      "copy",
      "container-quotas",
      "account-quotas",
      "slo",
      "dlo",
      "versioned_writes",
      "symlink",
    ].flatMap((f) => [`[filter:${f}]`, `use = egg:swift#${f.replace("-", "_")}`, ""]),
  ].join("\n");
}

/** Poll GET `url` every 100 ms until it answers (any status), giving up if a child exits. */
async function waitReady(
  children: ChildProcess[],
  url: string,
  attempts: number,
  headers: Record<string, string> = {},
) {
  const probe = new Transport({ provider: "swift-probe", retry: false, connectTimeoutMs: 1_000 });
  try {
    for (let i = 0; i < attempts; i++) {
      const dead = children.find((c) => !isRunning(c));
      if (dead) throw new Error(`${dead.spawnfile} exited (code ${dead.exitCode}) before Swift was ready`);
      try {
        return await probe.send({ method: "GET", url, headers, timeoutMs: 5_000 });
      } catch (err) {
        if (isOmnicloudError(err) && err.status !== undefined && err.status < 500) return undefined;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Swift did not answer at ${url} after ${attempts} probes`);
  } finally {
    await probe.close();
  }
}

export async function startSwift(): Promise<Swift> {
  const dir = await mkdtemp(join(tmpdir(), "omnicloud-swift-"));
  const commands: string[] = [];
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    // Reverse order: the proxy first, so nothing is half-served while the backends go.
    for (const child of [...children].reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mkdir(join(dir, "devices", "d1"), { recursive: true });
    await writeFile(
      join(dir, "swift.conf"),
      [
        "[swift-hash]",
        `swift_hash_path_suffix = ${randomBytes(8).toString("hex")}`,
        `swift_hash_path_prefix = ${randomBytes(8).toString("hex")}`,
        "",
        "[storage-policy:0]",
        "name = Policy-0",
        "default = yes",
        "",
      ].join("\n"),
    );
    const ports = { account: await freePort(), container: await freePort(), object: await freePort() };
    const proxyPort = await freePort();
    const memcachePort = await freePort();
    // Rings: part power 6, one replica, one device per ring.
    for (const kind of ["account", "container", "object"] as const) {
      const builder = join(dir, `${kind}.builder`);
      for (const args of [
        [builder, "create", "6", "1", "1"],
        [builder, "add", `r1z1-127.0.0.1:${ports[kind]}/d1`, "100"],
        [builder, "rebalance"],
      ]) {
        commands.push(`swift-ring-builder ${args.join(" ")}`);
        await run("swift-ring-builder", args, { cwd: dir, env: { ...process.env, SWIFT_DIR: dir } }).catch(
          (err: { code?: number; stdout?: string; stderr?: string }) => {
            // rebalance exits 1 for "balanced with warnings", which is fine for one device.
            if (err.code !== 1)
              throw new Error(`swift-ring-builder ${args.join(" ")}: ${err.stderr ?? err.stdout}`);
          },
        );
      }
    }
    const log = await open(join(dir, "servers.log"), "a");
    const spawnLogged = (cmd: string, args: string[]): ChildProcess => {
      commands.push(`${cmd} ${args.join(" ")}`);
      const child = spawn(cmd, args, {
        cwd: dir,
        env: { ...process.env, SWIFT_DIR: dir, PYTHONUNBUFFERED: "1" },
        stdio: ["ignore", log.fd, log.fd],
      });
      children.push(child);
      return child;
    };
    spawnLogged("memcached", [
      "-l",
      "127.0.0.1",
      "-p",
      String(memcachePort),
      "-U",
      "0",
      "-m",
      "64",
      "-u",
      "root",
    ]);
    for (const kind of ["account", "container", "object"] as const) {
      const conf = join(dir, `${kind}-server.conf`);
      await writeFile(conf, backendConf(kind, dir, ports[kind]));
      spawnLogged(`swift-${kind}-server`, [conf]);
    }
    const proxy = join(dir, "proxy-server.conf");
    await writeFile(proxy, proxyConf(dir, proxyPort, memcachePort));
    spawnLogged("swift-proxy-server", [proxy]);
    await log.close();
    const url = `http://127.0.0.1:${proxyPort}`;
    try {
      // Bounded: 600 probes at 100 ms is a minute for Python start-up on a busy 2-core machine.
      await waitReady(children, `${url}/healthcheck`, 600);
      for (const kind of ["account", "container", "object"] as const) {
        await waitReady(children, `http://127.0.0.1:${ports[kind]}/`, 600);
      }
      const auth = await waitReady(children, `${url}/auth/v1.0`, 100, {
        "x-auth-user": SWIFT_USER,
        "x-auth-key": SWIFT_KEY,
      });
      const storageUrl = auth?.headers["x-storage-url"];
      if (typeof storageUrl !== "string") throw new Error("tempauth gave no X-Storage-Url");
      return {
        url,
        authUrl: `${url}/auth/v1.0`,
        storageUrl,
        user: SWIFT_USER,
        key: SWIFT_KEY,
        stateDir: dir,
        pids: children.map((c) => c.pid!),
        commands,
        stop,
      };
    } catch (err) {
      const logText = await readFile(join(dir, "servers.log"), "utf8").catch(() => "");
      throw new Error(`${(err as Error).message}\n${logText.slice(-4_000)}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
