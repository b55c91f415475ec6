/**
 * Transport bench: the client-side CPU and wall time of one small request through omnicloud's Transport,
 * next to the clients a user would otherwise pick, against the same local server in the same run.
 *
 * - omnicloud: `new Transport({ provider: "bench" }).send(...)`, from the compiled dist/.
 * - node:http: `http.request` with a keep-alive Agent, one socket: the bare floor.
 * - fetch: Node's global fetch (the undici bundled inside Node).
 * - undici.request: the undici omnicloud itself is built on, with a pool like omnicloud's: shows how much of
 *   omnicloud's cost is its own and how much is undici's.
 *
 * The server runs in a child process, so `process.cpuUsage()` here counts the client only (plus whatever
 * else this process does: GC and libuv threads, equally for every client). Requests are sequential, one at a
 * time, each body read to its end. Every client is warmed up first; then rounds alternate the client order
 * and each client's median over the rounds is reported.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Agent as UndiciAgent, request as undiciRequest } from "undici";
import type * as TransportModule from "../src/core/transport/transport.js";
import { killByPid } from "./child-lines.js";
import { importDist, ROOT } from "./dist.js";
import { fixed, median, ratioLine, table } from "./report.js";

/** The goal: omnicloud's Transport costs at most this much client CPU per request as bare node:http. */
export const CPU_GOAL_VS_NODE_HTTP = 1.3;

export interface TransportBenchOptions {
  quick: boolean;
  /** Only these clients (by name), e.g. just omnicloud under a profiler; all when empty. */
  clients?: readonly string[];
  /** Only these scenarios (by name, e.g. "PUT"); all when empty. */
  scenarios?: readonly string[];
  /** Another build's dist/ to load omnicloud's Transport from, e.g. to measure a commit before a change. */
  dist?: string;
}

interface Counts {
  warmup: number;
  requests: number;
  rounds: number;
}

const FULL: Counts = { warmup: 500, requests: 2_000, rounds: 5 };
const QUICK: Counts = { warmup: 20, requests: 100, rounds: 1 };

const BODY_BYTES = 4 * 1024;

interface Scenario {
  readonly name: "PUT" | "GET";
  readonly describe: string;
  /** The CPU ratio goal vs node:http, when this scenario is the one the goal is about. */
  readonly goal?: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: "PUT", describe: "PUT with a 4 KiB Buffer body, 200 + ETag back", goal: CPU_GOAL_VS_NODE_HTTP },
  { name: "GET", describe: "GET of a 4 KiB body (information only)" },
];

/** One way of making the request. `call` resolves once the whole response is read and checked. */
interface Client {
  readonly name: string;
  call(): Promise<void>;
  close(): Promise<void>;
}

interface Sample {
  cpuUs: number;
  wallUs: number;
}

// ---------------------------------------------------------------------------------------------------------
// The server child process.

interface Server {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

const SERVER_START_TIMEOUT_MS = 20_000;
const SERVER_STOP_TIMEOUT_MS = 5_000;

async function startServer(): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench", "server.ts")], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, BENCH_GET_BYTES: String(BODY_BYTES) },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the bench server process");

  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Killed by its own PID, never by name. Closing stdin alone would also make it exit.
    child.stdin?.end();
    await killByPid(pid, exited, SERVER_STOP_TIMEOUT_MS);
  };

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench server did not start within ${SERVER_START_TIMEOUT_MS} ms`)),
        SERVER_START_TIMEOUT_MS,
      );
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (line) => {
        const match = /^listening (\d+)$/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`bench server exited early (code ${code}, signal ${signal})`));
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return { port, pid, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The clients.

function check(
  name: string,
  status: number,
  etag: string | null | undefined,
  received: number,
  want: number,
) {
  if (status !== 200 || !etag || received !== want) {
    throw new Error(`${name}: unexpected answer: status ${status}, etag ${etag}, ${received} body bytes`);
  }
}

async function omnicloudClient(
  url: string,
  scenario: Scenario,
  body: Buffer,
  dist: string | undefined,
): Promise<Client> {
  const { Transport } = await importDist<typeof TransportModule>("core/transport/transport.js", dist);
  // Default options, except the proxy: without `proxy: false` an HTTP(S)_PROXY in the environment would
  // route omnicloud (only) through it. The other clients connect directly, so this one does too.
  const transport = new Transport({ provider: "bench", proxy: false });
  const want = scenario.name === "GET" ? BODY_BYTES : 0;
  const request =
    scenario.name === "PUT" ? { method: "PUT" as const, url, body } : { method: "GET" as const, url };
  return {
    name: "omnicloud",
    async call() {
      const res = await transport.send(request);
      const etag = res.headers.etag;
      check("omnicloud", res.status, Array.isArray(etag) ? etag[0] : etag, res.body.length, want);
    },
    close: () => transport.close(),
  };
}

function nodeHttpClient(url: string, scenario: Scenario, body: Buffer): Client {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  const want = scenario.name === "GET" ? BODY_BYTES : 0;
  const options = {
    agent,
    host: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    method: scenario.name,
    headers: scenario.name === "PUT" ? { "content-length": String(body.length) } : {},
  };
  return {
    name: "node:http",
    call() {
      return new Promise<void>((resolve, reject) => {
        const req = httpRequest(options, (res: IncomingMessage) => {
          let received = 0;
          res.on("data", (chunk: Buffer) => {
            received += chunk.length;
          });
          res.on("end", () => {
            try {
              check("node:http", res.statusCode ?? 0, res.headers.etag, received, want);
              resolve();
            } catch (err) {
              reject(err);
            }
          });
          res.on("error", reject);
        });
        req.on("error", reject);
        if (scenario.name === "PUT") req.end(body);
        else req.end();
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

function fetchClient(url: string, scenario: Scenario, body: Buffer): Client {
  const want = scenario.name === "GET" ? BODY_BYTES : 0;
  const init: RequestInit = scenario.name === "PUT" ? { method: "PUT", body } : { method: "GET" };
  return {
    name: "fetch",
    async call() {
      const res = await fetch(url, init);
      const data = await res.arrayBuffer();
      check("fetch", res.status, res.headers.get("etag"), data.byteLength, want);
    },
    // The global dispatcher belongs to Node; its idle socket closes itself.
    async close() {},
  };
}

function undiciClient(url: string, scenario: Scenario, body: Buffer): Client {
  // The pool options omnicloud uses by default, so the comparison isolates omnicloud's own work.
  const dispatcher = new UndiciAgent({
    connections: 32,
    keepAliveTimeout: 4_000,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
    connect: { timeout: 10_000 },
  });
  const want = scenario.name === "GET" ? BODY_BYTES : 0;
  const options =
    scenario.name === "PUT"
      ? { dispatcher, method: "PUT" as const, body }
      : { dispatcher, method: "GET" as const };
  return {
    name: "undici.request",
    async call() {
      const res = await undiciRequest(url, options);
      const data = await res.body.arrayBuffer();
      const etag = res.headers.etag;
      check("undici.request", res.statusCode, Array.isArray(etag) ? etag[0] : etag, data.byteLength, want);
    },
    close: () => dispatcher.close(),
  };
}

/** Every client the suite knows, in table order. node:http and fetch are the baselines of the ratios. */
const CLIENT_NAMES = ["omnicloud", "node:http", "fetch", "undici.request"] as const;

async function makeClient(
  name: string,
  url: string,
  scenario: Scenario,
  body: Buffer,
  dist: string | undefined,
): Promise<Client> {
  switch (name) {
    case "omnicloud":
      return omnicloudClient(url, scenario, body, dist);
    case "node:http":
      return nodeHttpClient(url, scenario, body);
    case "fetch":
      return fetchClient(url, scenario, body);
    case "undici.request":
      return undiciClient(url, scenario, body);
    default:
      throw new Error(`unknown client ${name}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Measuring.

async function runMany(client: Client, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await client.call();
}

/** `count` sequential calls; client CPU (user + system) and wall time per call, in microseconds. */
async function measure(client: Client, count: number): Promise<Sample> {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await runMany(client, count);
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { cpuUs: (cpu.user + cpu.system) / count, wallUs: (wallMs * 1000) / count };
}

interface ClientResult {
  name: string;
  samples: Sample[];
  cpuUs: number;
  wallUs: number;
}

async function runScenario(
  origin: string,
  scenario: Scenario,
  names: readonly string[],
  counts: Counts,
  dist: string | undefined,
): Promise<ClientResult[]> {
  const body = randomFillSync(Buffer.alloc(BODY_BYTES));
  const url = `${origin}/bench/object-4k`;
  const clients: Client[] = [];
  try {
    for (const name of names) clients.push(await makeClient(name, url, scenario, body, dist));
    // Warm-up: connections open, JIT settles, undici loads (omnicloud imports it on the first request).
    for (const client of clients) await runMany(client, counts.warmup);
    const samples = new Map<string, Sample[]>(clients.map((c) => [c.name, []]));
    for (let round = 0; round < counts.rounds; round++) {
      // Rotate the order each round, so no client always runs first or last (after another's garbage).
      for (let i = 0; i < clients.length; i++) {
        const client = clients[(i + round) % clients.length]!;
        samples.get(client.name)!.push(await measure(client, counts.requests));
      }
    }
    return clients.map((c) => {
      const s = samples.get(c.name)!;
      return {
        name: c.name,
        samples: s,
        cpuUs: median(s.map((x) => x.cpuUs)),
        wallUs: median(s.map((x) => x.wallUs)),
      };
    });
  } finally {
    for (const client of clients) await client.close();
  }
}

function printScenario(scenario: Scenario, results: readonly ClientResult[], counts: Counts): void {
  console.log(
    `\n${scenario.name}: ${scenario.describe}; ${counts.requests} sequential requests x ${counts.rounds} ` +
      `round(s), median shown; ${counts.warmup} warm-up requests per client first.\n`,
  );
  const rounds = (values: number[]): string => values.map((v) => fixed(v, 0)).join(" ");
  console.log(
    table(
      ["client", "CPU µs/req", "wall µs/req", "CPU µs/req by round", "wall µs/req by round"],
      results.map((r) => [
        r.name,
        fixed(r.cpuUs),
        fixed(r.wallUs),
        rounds(r.samples.map((s) => s.cpuUs)),
        rounds(r.samples.map((s) => s.wallUs)),
      ]),
    ),
  );
  console.log();
  const byName = new Map(results.map((r) => [r.name, r]));
  const omni = byName.get("omnicloud");
  if (!omni) return;
  const pairs: Array<[string, string, "cpuUs" | "wallUs", number | undefined]> = [
    ["node:http", "CPU/req", "cpuUs", scenario.goal],
    ["fetch", "CPU/req", "cpuUs", undefined],
    ["undici.request", "CPU/req", "cpuUs", undefined],
    ["node:http", "wall/req", "wallUs", undefined],
    ["fetch", "wall/req", "wallUs", undefined],
  ];
  console.log(
    "Ratios: the median over the rounds of each round's ratio (a round runs every client back to back, so\n" +
      "load that drifts during the run falls on both sides of a ratio alike).\n",
  );
  for (const [base, metric, key, goal] of pairs) {
    const other = byName.get(base);
    if (!other) continue;
    const perRound = omni.samples.map((s, i) => s[key] / other.samples[i]![key]);
    console.log(ratioLine(`${scenario.name} omnicloud / ${base}`, metric, median(perRound), goal));
  }
}

export async function runTransportBench(options: TransportBenchOptions): Promise<void> {
  const counts = options.quick ? QUICK : FULL;
  const wanted = options.clients?.length ? options.clients : CLIENT_NAMES;
  for (const n of wanted) {
    if (!(CLIENT_NAMES as readonly string[]).includes(n)) {
      throw new Error(`unknown client ${n}; known: ${CLIENT_NAMES.join(", ")}`);
    }
  }
  // A ratio prints only when both of its clients ran.
  const names = CLIENT_NAMES.filter((n) => wanted.includes(n));
  const scenarios = options.scenarios?.length
    ? SCENARIOS.filter((s) => options.scenarios!.some((w) => w.toUpperCase() === s.name))
    : SCENARIOS;

  const server = await startServer();
  try {
    const origin = `http://127.0.0.1:${server.port}`;
    if (options.dist) console.log(`omnicloud's Transport is loaded from ${options.dist}`);
    console.log(
      `server: node:http in a child process (pid ${server.pid}) on ${origin}; one connection per client`,
    );
    for (const scenario of scenarios) {
      const results = await runScenario(origin, scenario, names, counts, options.dist);
      printScenario(scenario, results, counts);
    }
  } finally {
    await server.stop();
  }
}
