/**
 * A real single-node Ceph (Debian's packages, see scripts/apt/ceph.txt) as children of the test process:
 * one monitor, one OSD keeping its objects in RAM (memstore) and radosgw serving S3 through its beast
 * frontend, all on 127.0.0.1 and free ports. ceph.conf, the monitor's store, the OSD's directory, admin
 * sockets and every log live in a fresh temp dir, so /etc/ceph and /var/lib/ceph are never read or touched
 * (every command gets `-c <state>/ceph.conf`).
 *
 * Cephx is off (auth "none"): this is a throwaway loopback cluster, and keyrings would only add steps.
 * Each daemon runs with `-f` (foreground, no fork), so the PID we spawn is the daemon, and stop() signals
 * exactly those PIDs: radosgw, then the OSD, then the monitor, the reverse of start.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { isOmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { freePort, inCi, isRunning, stopChild } from "./child-process.js";

const run = promisify(execFile);

export const CEPH_PACKAGES = ["radosgw", "ceph-mon", "ceph-osd", "ceph-common"];
const PROGRAMS = ["monmaptool", "ceph-mon", "ceph-osd", "ceph", "radosgw", "radosgw-admin"];

/** The S3 user created on every start (radosgw-admin takes the keys as given). */
export const CEPH_RGW_ACCESS_KEY = "OMNICLOUDTESTKEY0001";
export const CEPH_RGW_SECRET_KEY = "omnicloud-test-secret-for-local-ceph-rgw";

/**
 * RAM the OSD claims as its device size. It only bounds what memstore reports (and so when the cluster
 * calls itself full); pages are taken as objects are written. The suite writes a few hundred MiB at most.
 */
const MEMSTORE_BYTES = 2 * 1024 * 1024 * 1024;

export interface CephRgw {
  /** The radosgw origin, e.g. "http://127.0.0.1:40123" (path-style S3). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stateDir: string;
  /** radosgw, OSD and monitor PIDs. */
  pids: number[];
  /** Every command run, for reproducing a failure by hand. */
  commands: string[];
  /** How long start-up took, from an empty dir to a user that can sign requests. */
  startupMs: number;
  /** Reclaim deleted objects' space now (`radosgw-admin gc process --include-all`). */
  collectGarbage(): Promise<void>;
  /** SIGTERM radosgw, the OSD and the monitor in turn (SIGKILL after 10 s each), then remove the state dir. */
  stop(): Promise<void>;
}

/** Why Ceph cannot run here, or undefined when its programs are installed. */
export function cephRgwUnavailable(): string | undefined {
  const missing = PROGRAMS.filter(
    (p) => !["/usr/bin", "/usr/sbin", "/usr/local/bin"].some((d) => existsSync(join(d, p))),
  );
  return missing.length
    ? `Ceph radosgw is not installed (missing ${missing.join(", ")}): apt-get install -y --no-install-recommends ${CEPH_PACKAGES.join(" ")}`
    : undefined;
}

/**
 * Start Ceph with radosgw, or say why not: under CI a cluster that cannot start throws (a failure);
 * elsewhere the reason is returned so the suite can skip loudly.
 */
export async function startCephRgwOrSkip(): Promise<{ rgw?: CephRgw; skipped?: string }> {
  const missing = cephRgwUnavailable();
  if (missing) {
    if (inCi()) throw new Error(missing);
    console.warn(`SKIPPING Ceph radosgw tests: ${missing}`);
    return { skipped: missing };
  }
  try {
    return { rgw: await startCephRgw() };
  } catch (err) {
    if (inCi()) throw err;
    const reason = `Ceph radosgw did not start: ${(err as Error).message}`;
    console.warn(`SKIPPING Ceph radosgw tests: ${reason}`);
    return { skipped: reason };
  }
}

interface Ports {
  monV2: number;
  monV1: number;
  rgw: number;
}

function cephConf(dir: string, fsid: string, ports: Ports): string {
  return [
    "[global]",
    `fsid = ${fsid}`,
    `mon host = [v2:127.0.0.1:${ports.monV2},v1:127.0.0.1:${ports.monV1}]`,
    "public addr = 127.0.0.1",
    "ms bind ipv6 = false",
    // The daemons' default "secure" mode needs cephx; with auth none they would retry the monitor forever.
    "ms mon client mode = crc secure",
    "auth cluster required = none",
    "auth service required = none",
    "auth client required = none",
    "auth supported = none",
    // One OSD: pools of one replica, few PGs, and no autoscaler or health nagging about it.
    "osd pool default size = 1",
    "osd pool default min size = 1",
    "osd pool default pg num = 8",
    "osd pool default pgp num = 8",
    "osd pool default pg autoscale mode = off",
    "mon allow pool size one = true",
    "mon warn on pool no redundancy = false",
    "osd crush chooseleaf type = 0",
    "osd objectstore = memstore",
    `memstore device bytes = ${MEMSTORE_BYTES}`,
    "osd max object size = 1073741824",
    // Every pool radosgw creates on first start is a new osdmap epoch, and the monitor batches map changes
    // for 1 s by default: lowering that cuts start-up from about 13 s to about 4 s. One monitor has no peers
    // to flood with proposals.
    "paxos propose interval = 0.1",
    // Everything a daemon writes stays under the state dir ($name expands to mon.a, osd.0, client.rgw.a, …).
    `run dir = ${join(dir, "run")}`,
    `admin socket = ${join(dir, "run", "$name.asok")}`,
    `log file = ${join(dir, "log", "$name.log")}`,
    `pid file = ${join(dir, "run", "$name.pid")}`,
    `keyring = ${join(dir, "keyring")}`,
    `mon data = ${join(dir, "mon", "$name")}`,
    `osd data = ${join(dir, "osd", "$name")}`,
    "",
    "[client.rgw.a]",
    `rgw frontends = beast endpoint=127.0.0.1:${ports.rgw}`,
    `rgw data = ${join(dir, "rgw")}`,
    "rgw dns name = 127.0.0.1",
    "rgw thread pool size = 64",
    // Deleted objects' tails wait 2 h for garbage collection by default; in a RAM store that fills the OSD.
    "rgw gc obj min wait = 0",
    "rgw gc processor period = 5",
    "",
  ].join("\n");
}

/** The last `chars` of every log in the state dir, for an error message that explains itself. */
async function logTails(dir: string, chars = 2_000): Promise<string> {
  const logDir = join(dir, "log");
  const names = await readdir(logDir).catch(() => [] as string[]);
  const parts: string[] = [];
  for (const name of names.sort()) {
    const text = await readFile(join(logDir, name), "utf8").catch(() => "");
    if (text.trim()) parts.push(`--- ${name} (tail) ---\n${text.slice(-chars)}`);
  }
  return parts.join("\n");
}

export async function startCephRgw(): Promise<CephRgw> {
  let lastError: unknown;
  // Ports are picked free but only bound later by the daemons: another process can take one in between.
  // Only that case is retried, so a real failure is reported after one attempt.
  for (let tries = 0; tries < 3; tries++) {
    try {
      return await startOnce();
    } catch (err) {
      lastError = err;
      if (!/Address already in use|failed to bind/i.test((err as Error).message)) throw err;
    }
  }
  throw lastError;
}

async function startOnce(): Promise<CephRgw> {
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), "omnicloud-ceph-"));
  const conf = join(dir, "ceph.conf");
  const commands: string[] = [];
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    // Reverse order of start: radosgw first so no request is half-served, the monitor last so the OSD
    // can report its shutdown to it.
    for (const child of [...children].reverse()) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };

  /** A one-shot Ceph tool against this cluster, bounded in time; its stdout. */
  const tool = async (cmd: string, args: string[], timeoutMs = 30_000): Promise<string> => {
    const full = [...(cmd === "monmaptool" ? [] : ["-c", conf]), ...args];
    commands.push(`${cmd} ${full.join(" ")}`);
    try {
      const { stdout } = await run(cmd, full, { cwd: dir, timeout: timeoutMs, killSignal: "SIGKILL" });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; killed?: boolean; message: string };
      const why = e.killed ? `timed out after ${timeoutMs} ms` : (e.stderr || e.stdout || e.message).trim();
      throw new Error(`${cmd} ${full.join(" ")}: ${why}`);
    }
  };

  const daemon = async (name: string, cmd: string, args: string[]): Promise<void> => {
    const full = ["-c", conf, ...args];
    commands.push(`${cmd} ${full.join(" ")}`);
    // Ceph writes its own log under log/ ($name.log); stdout/stderr (start-up errors, assert traces) go here.
    const out = await open(join(dir, "log", `${name}.out`), "a");
    try {
      children.push(spawn(cmd, full, { cwd: dir, stdio: ["ignore", out.fd, out.fd] }));
    } finally {
      await out.close();
    }
  };

  /** Retry `probe` every 200 ms until it returns true, failing if a daemon exits or `ms` pass. */
  const waitFor = async (what: string, ms: number, probe: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + ms;
    let last = "";
    for (;;) {
      const dead = children.find((c) => !isRunning(c));
      if (dead)
        throw new Error(
          `${dead.spawnfile} exited (code ${dead.exitCode}, signal ${dead.signalCode}) while waiting for ${what}`,
        );
      try {
        if (await probe()) return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline)
        throw new Error(`${what} not ready after ${ms} ms${last ? ` (last: ${last})` : ""}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  try {
    for (const sub of ["run", "log", "mon", "osd/osd.0", "rgw"])
      await mkdir(join(dir, sub), { recursive: true });
    const ports: Ports = { monV2: await freePort(), monV1: await freePort(), rgw: await freePort() };
    const fsid = randomUUID();
    await writeFile(conf, cephConf(dir, fsid, ports));
    try {
      // 1. The monitor: a monmap naming only itself, its store, then the daemon.
      const monmap = join(dir, "monmap");
      const addrs = `[v2:127.0.0.1:${ports.monV2},v1:127.0.0.1:${ports.monV1}]`;
      await tool("monmaptool", ["--create", "--fsid", fsid, "--addv", "a", addrs, monmap]);
      await tool("ceph-mon", ["--mkfs", "-i", "a", "--monmap", monmap]);
      await daemon("mon.a", "ceph-mon", ["-i", "a", "-f"]);
      // Readiness is a real monitor round trip (the CLI's status command), not a port check.
      await waitFor("the monitor", 60_000, async () => {
        await tool("ceph", ["--connect-timeout", "5", "-s"], 15_000);
        return true;
      });

      // 2. One OSD, registered with the monitor first so its id (0) and uuid are known to the cluster.
      const osdUuid = randomUUID();
      const id = (await tool("ceph", ["--connect-timeout", "10", "osd", "new", osdUuid])).trim();
      if (id !== "0") throw new Error(`expected the first OSD to get id 0, got "${id}"`);
      await tool("ceph-osd", ["-i", "0", "--mkfs", "--osd-uuid", osdUuid], 60_000);
      await daemon("osd.0", "ceph-osd", ["-i", "0", "-f"]);
      await waitFor("the OSD", 60_000, async () => {
        const stat = JSON.parse(
          await tool("ceph", ["--connect-timeout", "5", "osd", "stat", "-f", "json"], 15_000),
        ) as { num_up_osds?: number };
        return (stat.num_up_osds ?? 0) >= 1;
      });

      // 3. radosgw: it creates its pools on first start, which is most of the wait.
      await daemon("client.rgw.a", "radosgw", ["-n", "client.rgw.a", "-f"]);
      const endpoint = `http://127.0.0.1:${ports.rgw}`;
      const probe = new Transport({ provider: "ceph-rgw-probe", retry: false, connectTimeoutMs: 1_000 });
      try {
        // An anonymous ListBuckets: any S3 answer (200 with an empty list, or an S3 error) means it serves.
        await waitFor("radosgw", 90_000, async () => {
          try {
            await probe.send({ method: "GET", url: `${endpoint}/`, timeoutMs: 5_000 });
            return true;
          } catch (err) {
            if (isOmnicloudError(err) && err.status !== undefined && err.status < 500) return true;
            throw err;
          }
        });
      } finally {
        await probe.close();
      }

      // 4. The S3 user, with the keys the tests sign with.
      await tool("radosgw-admin", [
        "user",
        "create",
        "--uid=omnicloud",
        "--display-name=omnicloud tests",
        `--access-key=${CEPH_RGW_ACCESS_KEY}`,
        `--secret=${CEPH_RGW_SECRET_KEY}`,
      ]);

      return {
        endpoint,
        accessKeyId: CEPH_RGW_ACCESS_KEY,
        secretAccessKey: CEPH_RGW_SECRET_KEY,
        stateDir: dir,
        pids: [...children].reverse().map((c) => c.pid!),
        commands,
        startupMs: Date.now() - started,
        collectGarbage: async () => {
          await tool("radosgw-admin", ["gc", "process", "--include-all"], 120_000);
        },
        stop,
      };
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${await logTails(dir)}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
