/**
 * A real OpenStack Keystone (Debian's packages, see scripts/apt/keystone.txt) as a child of the test process:
 * sqlite and fernet keys in a fresh temp dir, served by uwsgi on 127.0.0.1 and a free port, stopped by PID.
 * The packaged /etc/keystone and its service are never touched: every path comes from our own config file.
 *
 * Setup (`keystone-manage` four times, each a Python start-up) takes several seconds; suites start one
 * Keystone in beforeAll and share it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync } from "node:fs";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { isOmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { freePort, stopChild } from "./child-process.js";
import { describeWithServer } from "./describe-server.js";

export const KEYSTONE_PACKAGES = ["keystone", "uwsgi-core", "uwsgi-plugin-python3", "sqlite3"];
const PYTHON3_PLUGIN = "/usr/lib/uwsgi/plugins/python3_plugin.so";

export interface Keystone {
  /** Origin, e.g. "http://127.0.0.1:40123". */
  url: string;
  /** The identity v3 base, e.g. "http://127.0.0.1:40123/v3"; also every catalog endpoint's URL. */
  authUrl: string;
  port: number;
  pid: number;
  region: string;
  admin: { user: string; password: string; project: string; domain: string };
  stateDir: string;
  /** keystone-manage time (db_sync, key setup, bootstrap), in ms. */
  setupMs: number;
  /** uwsgi spawn to the first answer on /v3, in ms. */
  readyMs: number;
  /** Every command run, for the report and for reproducing a failure by hand (no secrets in them). */
  commands: string[];
  /** SIGTERM, then SIGKILL after 10 s; resolves once uwsgi has exited. Removes the state dir. */
  stop(): Promise<void>;
}

export interface KeystoneOptions {
  /** `[token] expiration` in seconds; Keystone's default is 3600. */
  tokenExpirationSeconds?: number;
}

/** The executable `name` on PATH (plus the sbin dirs a non-login root shell may lack), or undefined. */
function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

interface Tools {
  manage: string;
  uwsgi: string;
  wsgiApp: string;
  sqlite3: string;
}

function findTools(): Tools | string {
  const manage = which("keystone-manage");
  const uwsgi = which("uwsgi-core") ?? which("uwsgi");
  const wsgiApp = which("keystone-wsgi-public");
  const sqlite3 = which("sqlite3");
  const missing = [
    manage ? "" : "keystone-manage",
    uwsgi ? "" : "uwsgi",
    wsgiApp ? "" : "keystone-wsgi-public",
    sqlite3 ? "" : "sqlite3",
    existsSync(PYTHON3_PLUGIN) ? "" : PYTHON3_PLUGIN,
  ].filter((m) => m !== "");
  if (missing.length > 0 || !manage || !uwsgi || !wsgiApp || !sqlite3) {
    return `${missing.join(", ")} not found; install with: apt-get install -y --no-install-recommends ${KEYSTONE_PACKAGES.join(" ")}`;
  }
  return { manage, uwsgi, wsgiApp, sqlite3 };
}

/** Why Keystone cannot run here, or undefined when its programs are installed. */
export function keystoneMissing(): string | undefined {
  const tools = findTools();
  return typeof tools === "string" ? tools : undefined;
}

/** The environment without OS_* variables: keystone-manage lets OS_BOOTSTRAP_* override its flags. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OS_")) env[k] = v;
  return { ...env, ...extra };
}

/** Run a command to completion (bounded by `timeoutMs`), its output appended to `log`; throws on failure. */
async function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; log: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<void> {
  const out = await open(opts.log, "a");
  try {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? cleanEnv(),
      stdio: ["ignore", out.fd, out.fd],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((ok, fail) => {
      child.once("error", fail);
      child.once("exit", (c, s) => ok([c, s]));
    }).finally(() => clearTimeout(timer));
    if (code !== 0) {
      throw new Error(
        `${cmd} ${args.join(" ")} failed (code ${code}, signal ${signal})\n${await tail(opts.log)}`,
      );
    }
  } finally {
    await out.close();
  }
}

async function tail(file: string, bytes = 4_000): Promise<string> {
  try {
    const text = await readFile(file, "utf8");
    return text.slice(-bytes);
  } catch {
    return "(no log)";
  }
}

class BindError extends Error {}

/** Poll GET /v3 every 100 ms (any HTTP status counts), at most `tries` times; stop early if uwsgi exits. */
async function waitReady(child: ChildProcess, url: string, log: string, tries: number): Promise<void> {
  const probe = new Transport({ provider: "keystone-probe", retry: false, connectTimeoutMs: 1_000 });
  try {
    for (let i = 0; i < tries; i++) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const text = await tail(log);
        const message = `uwsgi exited (code ${child.exitCode}, signal ${child.signalCode}) before Keystone was ready\n${text}`;
        throw /Address already in use/.test(text) ? new BindError(message) : new Error(message);
      }
      try {
        await probe.send({ method: "GET", url, timeoutMs: 5_000 });
        return;
      } catch (err) {
        if (isOmnicloudError(err) && err.status !== undefined) return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Keystone did not answer at ${url} after ${tries} probes\n${await tail(log)}`);
  } finally {
    await probe.close();
  }
}

function keystoneConf(state: string, options: KeystoneOptions): string {
  const lines = [
    "[DEFAULT]",
    // Logs to stderr (our log file), never to /var/log/keystone.
    "use_stderr = true",
    "log_file =",
    "log_dir =",
    "[database]",
    `connection = sqlite:///${join(state, "keystone.db")}`,
    "[token]",
    "provider = fernet",
    ...(options.tokenExpirationSeconds ? [`expiration = ${options.tokenExpirationSeconds}`] : []),
    "[fernet_tokens]",
    `key_repository = ${join(state, "fernet-keys")}`,
    "[fernet_receipts]",
    `key_repository = ${join(state, "fernet-receipts")}`,
    "[credential]",
    `key_repository = ${join(state, "credential-keys")}`,
    "[catalog]",
    "driver = sql",
    // Policy files are looked up beside the config and in /etc/keystone: pin them into the state dir so a
    // host's customised policy cannot change what the tests see. Absent files mean the built-in defaults.
    "[oslo_policy]",
    `policy_file = ${join(state, "policy.yaml")}`,
    `policy_dirs = ${join(state, "policy.d")}`,
  ];
  return `${lines.join("\n")}\n`;
}

function uwsgiIni(state: string, port: number, tools: Tools): string {
  const lines = [
    "[uwsgi]",
    "plugins = python3",
    `http-socket = 127.0.0.1:${port}`,
    `wsgi-file = ${tools.wsgiApp}`,
    `env = OS_KEYSTONE_CONFIG_FILES=${join(state, "keystone.conf")}`,
    `chdir = ${state}`,
    "master = true",
    // One process and one thread: sqlite allows one writer, and threads gave "database is locked".
    "processes = 1",
    "threads = 1",
    "lazy-apps = true",
    // SIGTERM stops it (without this, uwsgi reloads on SIGTERM).
    "die-on-term = true",
    // Exit at once if the app cannot load, so readiness fails fast with the traceback in the log.
    "need-app = true",
    "buffer-size = 65535",
    // uwsgi drops idle keep-alive connections silently; a pooled client would see ECONNRESET.
    "add-header = Connection: close",
  ];
  return `${lines.join("\n")}\n`;
}

/** Set up and start Keystone; the admin user, project and region come from `keystone-manage bootstrap`. */
export async function startKeystone(options: KeystoneOptions = {}): Promise<Keystone> {
  const tools = findTools();
  if (typeof tools === "string") throw new Error(`Keystone cannot run: ${tools}`);
  const state = await mkdtemp(join(tmpdir(), "omnicloud-keystone-"));
  const log = join(state, "keystone.log");
  const conf = join(state, "keystone.conf");
  const commands: string[] = [];
  const region = "RegionOne";
  const admin = {
    user: "admin",
    password: randomBytes(18).toString("base64url"),
    project: "admin",
    domain: "Default",
  };
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (child) await stopChild(child);
    await rm(state, { recursive: true, force: true });
  };
  try {
    for (const dir of ["fernet-keys", "fernet-receipts", "credential-keys", "policy.d"]) {
      await mkdir(join(state, dir), { mode: 0o700 });
    }
    await writeFile(conf, keystoneConf(state, options));
    const manage = async (args: string[], env?: NodeJS.ProcessEnv): Promise<void> => {
      const full = ["--config-file", conf, ...args];
      commands.push(`keystone-manage ${full.join(" ")}`);
      await run(tools.manage, full, { cwd: state, log, env });
    };
    // As root, keystone-manage insists on knowing whom the key files belong to.
    const owner = process.getuid?.() === 0 ? ["--keystone-user", "root", "--keystone-group", "root"] : [];
    const setupStarted = performance.now();
    await manage(["db_sync"]);
    await manage(["fernet_setup", ...owner]);
    await manage(["credential_setup", ...owner]);
    // Without WAL, concurrent reads and the writer collide: "database is locked" 500s after 5 s.
    commands.push(`sqlite3 ${join(state, "keystone.db")} 'PRAGMA journal_mode=WAL;'`);
    await run(tools.sqlite3, [join(state, "keystone.db"), "PRAGMA journal_mode=WAL;"], { cwd: state, log });
    let setupMs = performance.now() - setupStarted;

    // The endpoints name the port, so a port lost to another process between our probe and uwsgi's bind
    // means a new port and a new bootstrap (it updates the endpoints in place); three tries.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const authUrl = `${url}/v3`;
      const bootStarted = performance.now();
      // The password travels in the environment, not argv, so it is in no process listing or report.
      await manage(
        [
          "bootstrap",
          "--bootstrap-username",
          admin.user,
          "--bootstrap-project-name",
          admin.project,
          "--bootstrap-role-name",
          "admin",
          "--bootstrap-service-name",
          "keystone",
          "--bootstrap-region-id",
          region,
          "--bootstrap-admin-url",
          authUrl,
          "--bootstrap-internal-url",
          authUrl,
          "--bootstrap-public-url",
          authUrl,
        ],
        cleanEnv({ OS_BOOTSTRAP_PASSWORD: admin.password }),
      );
      setupMs += performance.now() - bootStarted;
      const ini = join(state, "uwsgi.ini");
      await writeFile(ini, uwsgiIni(state, port, tools));
      commands.push(`${tools.uwsgi} --ini ${ini}`);
      const out = await open(log, "a");
      const spawned = performance.now();
      child = spawn(tools.uwsgi, ["--ini", ini], {
        cwd: state,
        env: cleanEnv(),
        stdio: ["ignore", out.fd, out.fd],
      });
      await out.close();
      try {
        // 600 probes at 100 ms plus probe time: a minute at most; a healthy start takes about 2 s.
        await waitReady(child, authUrl, log, 600);
      } catch (err) {
        await stopChild(child);
        child = undefined;
        if (err instanceof BindError && attempt < 3) continue;
        throw err;
      }
      return {
        url,
        authUrl,
        port,
        pid: child.pid!,
        region,
        admin,
        stateDir: state,
        setupMs: Math.round(setupMs),
        readyMs: Math.round(performance.now() - spawned),
        commands,
        stop,
      };
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * `describe` for a suite on a real Keystone, started once in beforeAll and stopped in afterAll (see
 * describeWithServer). `fn` gets a getter for the running Keystone.
 */
export function describeKeystone(
  name: string,
  options: KeystoneOptions,
  fn: (keystone: () => Keystone) => void,
): void {
  describeWithServer(
    name,
    {
      what: "Keystone",
      missing: keystoneMissing,
      aptFiles: "scripts/apt/keystone.txt",
      start: () => startKeystone(options),
      stop: (k) => k.stop(),
      started: (k) => `Keystone on ${k.url} (pid ${k.pid}): setup ${k.setupMs} ms, ready ${k.readyMs} ms`,
      // Four keystone-manage runs and a uwsgi start: ~10 s on a busy 2-core machine; leave plenty of room.
      startTimeoutMs: 180_000,
    },
    fn,
  );
}
