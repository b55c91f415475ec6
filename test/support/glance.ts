/**
 * A real OpenStack Glance (Debian's glance-api, see scripts/apt/glance.txt) behind a real Keystone
 * (test/support/keystone.ts), as children of the test process, for the compute conformance tests of images.
 *
 * Setup, per ../shared/SERVERS.md: in Keystone (over its REST API, as the bootstrap admin) a "service"
 * project, a "glance" user with the admin role there, an "image" service and its three endpoints; then a
 * glance-api.conf in a fresh state dir (sqlite with WAL, the file store, staging and tasks stores and lock
 * dir all inside it, keystone auth against the test Keystone, paste pipeline "keystone" from a copy of the
 * package's paste file); `glance-manage db_sync`; `glance-api` on 127.0.0.1 and a free port, ready when
 * GET / answers (300 Multiple Choices). Stopped by PID; the packaged /etc/glance is never read or touched.
 *
 * When Glance cannot be installed or started: in CI the suite FAILS with the reason; elsewhere it is
 * skipped with a loud warning.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { isOmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { KeystoneTokenProvider } from "../../src/providers/openstack/keystone.js";
import { freePort, stopChild } from "./child-process.js";
import { describeWithServer } from "./describe-server.js";
import { type Keystone, keystoneMissing, startKeystone } from "./keystone.js";

export const GLANCE_PACKAGES = ["glance-api", "glance-common"];
const PASTE_INI = "/usr/share/glance-common/glance-api-paste.ini";

export interface Glance {
  /** Origin, e.g. "http://127.0.0.1:40124": the image endpoint registered in Keystone's catalog. */
  url: string;
  port: number;
  pid: number;
  stateDir: string;
  /** glance-manage and spawn-to-ready times, in ms. */
  setupMs: number;
  readyMs: number;
  commands: string[];
  /** SIGTERM (SIGKILL after 10 s) by PID, wait for exit, remove the state dir. */
  stop(): Promise<void>;
}

export interface GlanceEnv {
  keystone: Keystone;
  glance: Glance;
}

function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Why Glance (and the Keystone it needs) cannot run here, or undefined when everything is installed. */
export function glanceMissing(): string | undefined {
  const keystone = keystoneMissing();
  if (keystone) return keystone;
  const missing = [
    which("glance-api") ? "" : "glance-api",
    which("glance-manage") ? "" : "glance-manage",
    existsSync(PASTE_INI) ? "" : PASTE_INI,
  ].filter((m) => m !== "");
  return missing.length === 0
    ? undefined
    : `${missing.join(", ")} not found; install with: apt-get install -y --no-install-recommends ${GLANCE_PACKAGES.join(" ")}`;
}

/** The environment without OS_* variables, so nothing of the caller's cloud leaks into the servers. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OS_")) env[k] = v;
  return env;
}

async function tail(file: string, bytes = 4_000): Promise<string> {
  try {
    return (await readFile(file, "utf8")).slice(-bytes);
  } catch {
    return "(no log)";
  }
}

async function run(
  cmd: string,
  args: string[],
  cwd: string,
  log: string,
  timeoutMs = 180_000,
): Promise<void> {
  const out = await open(log, "a");
  try {
    const child = spawn(cmd, args, { cwd, env: cleanEnv(), stdio: ["ignore", out.fd, out.fd] });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((ok, fail) => {
      child.once("error", fail);
      child.once("exit", (c, s) => ok([c, s]));
    }).finally(() => clearTimeout(timer));
    if (code !== 0) {
      throw new Error(`${cmd} ${args.join(" ")} failed (code ${code}, signal ${signal})\n${await tail(log)}`);
    }
  } finally {
    await out.close();
  }
}

/** Poll GET / every 100 ms (any HTTP status counts), at most `tries` times; stop early if glance-api exits. */
async function waitReady(child: ChildProcess, url: string, log: string, tries: number): Promise<void> {
  const probe = new Transport({ provider: "glance-probe", retry: false, connectTimeoutMs: 1_000 });
  try {
    for (let i = 0; i < tries; i++) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `glance-api exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready\n${await tail(log)}`,
        );
      }
      try {
        await probe.send({ method: "GET", url, timeoutMs: 5_000 });
        return;
      } catch (err) {
        if (isOmnicloudError(err) && err.status !== undefined) return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Glance did not answer at ${url} after ${tries} probes\n${await tail(log)}`);
  } finally {
    await probe.close();
  }
}

/**
 * The service project, the glance user (admin on it) and the image service with its endpoints, made in
 * Keystone through its REST API as the bootstrap admin.
 */
async function registerInKeystone(keystone: Keystone, glanceUrl: string, password: string): Promise<void> {
  const transport = new Transport({ provider: "keystone-setup", retry: false });
  const admin = new KeystoneTokenProvider({
    authUrl: keystone.authUrl,
    auth: {
      method: "password",
      user: { name: keystone.admin.user, domain: { name: keystone.admin.domain } },
      password: keystone.admin.password,
    },
    scope: { project: { name: keystone.admin.project, domain: { name: keystone.admin.domain } } },
    transport,
  });
  const call = async (
    method: "GET" | "POST" | "PUT",
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>> => {
    const res = await transport.sendJson({
      method,
      url: `${keystone.authUrl}${path}`,
      headers: {
        "x-auth-token": (await admin.token()).token,
        ...(body ? { "content-type": "application/json" } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (res.body ?? {}) as Record<string, unknown>;
  };
  const idOf = (doc: Record<string, unknown>, key: string): string => String((doc[key] as { id: string }).id);
  try {
    const project = idOf(
      await call("POST", "/projects", { project: { name: "service", domain_id: "default" } }),
      "project",
    );
    const user = idOf(
      await call("POST", "/users", {
        user: { name: "glance", password, domain_id: "default", default_project_id: project },
      }),
      "user",
    );
    const roles = (await call("GET", "/roles?name=admin")).roles as { id: string }[];
    await call("PUT", `/projects/${project}/users/${user}/roles/${roles[0]!.id}`);
    const service = idOf(
      await call("POST", "/services", { service: { type: "image", name: "glance" } }),
      "service",
    );
    for (const iface of ["public", "internal", "admin"]) {
      await call("POST", "/endpoints", {
        endpoint: { service_id: service, interface: iface, url: glanceUrl, region_id: keystone.region },
      });
    }
  } finally {
    await admin.close();
    await transport.close();
  }
}

function glanceConf(state: string, port: number, keystone: Keystone, password: string): string {
  const lines = [
    "[DEFAULT]",
    "use_stderr = true",
    "log_file =",
    "log_dir =",
    "bind_host = 127.0.0.1",
    `bind_port = ${port}`,
    "workers = 1",
    "enabled_backends = fs:file",
    // Copy-on-import and web-download would reach out; nothing here needs them.
    "enabled_import_methods = [glance-direct]",
    "[database]",
    `connection = sqlite:///${join(state, "glance.db")}`,
    "[glance_store]",
    "default_backend = fs",
    "[fs]",
    `filesystem_store_datadir = ${join(state, "images")}`,
    "[os_glance_staging_store]",
    `filesystem_store_datadir = ${join(state, "staging")}`,
    "[os_glance_tasks_store]",
    `filesystem_store_datadir = ${join(state, "tasks")}`,
    "[oslo_concurrency]",
    `lock_path = ${join(state, "lock")}`,
    "[keystone_authtoken]",
    `www_authenticate_uri = ${keystone.authUrl}`,
    `auth_url = ${keystone.authUrl}`,
    "auth_type = password",
    "project_domain_name = Default",
    "user_domain_name = Default",
    "project_name = service",
    "username = glance",
    `password = ${password}`,
    `region_name = ${keystone.region}`,
    "[paste_deploy]",
    "flavor = keystone",
    `config_file = ${join(state, "glance-api-paste.ini")}`,
    "[oslo_policy]",
    "enforce_scope = false",
    "enforce_new_defaults = false",
    `policy_file = ${join(state, "policy.yaml")}`,
    `policy_dirs = ${join(state, "policy.d")}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Register Glance in `keystone`'s catalog, set it up in a fresh state dir and start it. */
export async function startGlance(keystone: Keystone): Promise<Glance> {
  const api = which("glance-api");
  const manage = which("glance-manage");
  const sqlite3 = which("sqlite3");
  if (!api || !manage || !sqlite3)
    throw new Error(`Glance cannot run: ${glanceMissing() ?? "sqlite3 missing"}`);
  const state = await mkdtemp(join(tmpdir(), "omnicloud-glance-"));
  const log = join(state, "glance.log");
  const conf = join(state, "glance-api.conf");
  const commands: string[] = [];
  const password = randomBytes(18).toString("base64url");
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (child) await stopChild(child);
    await rm(state, { recursive: true, force: true });
  };
  try {
    for (const dir of ["images", "staging", "tasks", "lock", "policy.d"]) await mkdir(join(state, dir));
    await copyFile(PASTE_INI, join(state, "glance-api-paste.ini"));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const setupStarted = performance.now();
    await registerInKeystone(keystone, url, password);
    await writeFile(conf, glanceConf(state, port, keystone, password), { mode: 0o600 });
    commands.push(`glance-manage --config-file ${conf} db_sync`);
    await run(manage, ["--config-file", conf, "db_sync"], state, log);
    // Without WAL, a read during a write fails with "database is locked".
    commands.push(`sqlite3 ${join(state, "glance.db")} 'PRAGMA journal_mode=WAL;'`);
    await run(sqlite3, [join(state, "glance.db"), "PRAGMA journal_mode=WAL;"], state, log);
    const setupMs = performance.now() - setupStarted;
    commands.push(`glance-api --config-file ${conf}`);
    const out = await open(log, "a");
    const spawned = performance.now();
    child = spawn(api, ["--config-file", conf], {
      cwd: state,
      env: cleanEnv(),
      stdio: ["ignore", out.fd, out.fd],
    });
    await out.close();
    // 600 probes at 100 ms: a minute at most; a healthy start takes about 4 s.
    await waitReady(child, `${url}/`, log, 600);
    return {
      url,
      port,
      pid: child.pid!,
      stateDir: state,
      setupMs: Math.round(setupMs),
      readyMs: Math.round(performance.now() - spawned),
      commands,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * `describe` for a suite on a real Glance behind a real Keystone, both started once in beforeAll and stopped
 * in afterAll (see describeWithServer). `fn` gets a getter for the running pair.
 */
export function describeGlance(name: string, fn: (env: () => GlanceEnv) => void): void {
  describeWithServer<GlanceEnv>(
    name,
    {
      what: "Glance",
      missing: glanceMissing,
      aptFiles: "scripts/apt/glance.txt, scripts/apt/keystone.txt",
      async start() {
        const keystone = await startKeystone();
        try {
          return { keystone, glance: await startGlance(keystone) };
        } catch (err) {
          await keystone.stop();
          throw err;
        }
      },
      async stop({ keystone, glance }) {
        await glance.stop();
        await keystone.stop();
      },
      started: ({ keystone, glance }) =>
        `Glance on ${glance.url} (pid ${glance.pid}; setup ${glance.setupMs} ms, ready ${glance.readyMs} ms) behind Keystone on ${keystone.url} (pid ${keystone.pid})`,
      // Keystone's four keystone-manage runs, Glance's db_sync and two Python start-ups: ~20 s on 2 cores.
      startTimeoutMs: 300_000,
    },
    fn,
  );
}
