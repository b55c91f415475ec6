/**
 * Storage bench: omnicloud next to the SDKs users would otherwise pick, doing the same work against the
 * same local servers in the same run:
 *
 * - s3rver:  omnicloud `s3`         vs `@aws-sdk/client-s3` (+ `@aws-sdk/lib-storage` Upload for multipart)
 * - Azurite: omnicloud `azure-blob` vs `@azure/storage-blob`
 *
 * Scenarios: PUT and GET of many 1 MiB objects (4 at a time), and one 64 MiB object uploaded from a file
 * (multipart, 8 MiB parts, 4 at a time) and downloaded to a file.
 *
 * Each tool runs each scenario in a worker process of its own (storage-worker.ts), so `process.cpuUsage()`
 * counts that client only and its peak RSS is that scenario's. The servers are child processes too, on
 * 127.0.0.1, stopped by PID. Every worker warms up first; then rounds alternate between the tools (rotating
 * who goes first) and each tool's median is reported, with ratios taken per round.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { startAzurite } from "../test/support/azurite.js";
import { startS3rver } from "../test/support/s3rver.js";
import { DIST, ROOT } from "./dist.js";
import { fixed, median, ratioLine, table } from "./report.js";
import { PART_CONCURRENCY, PART_SIZE, type Target, TOOLS } from "./storage-clients.js";
import type { ScenarioName, WorkerConfig } from "./storage-worker.js";
import { buildWorker } from "./worker-build.js";

const MiB = 1024 * 1024;
/** The W2 goals for large transfers: wall within 1.2x of the fastest peer, peak RSS ≤ 100 MB. */
export const BIG_WALL_GOAL = 1.2;
export const BIG_RSS_GOAL_MB = 100;

export interface StorageBenchOptions {
  quick: boolean;
  /** Only these servers ("s3rver", "azurite"); both when empty. */
  servers?: readonly string[];
  /** Only these scenarios (e.g. "put-big"); all when empty. */
  scenarios?: readonly string[];
}

interface Counts {
  smallCount: number;
  smallSize: number;
  bigSize: number;
  smallRounds: number;
  bigRounds: number;
}

const FULL: Counts = { smallCount: 64, smallSize: MiB, bigSize: 64 * MiB, smallRounds: 5, bigRounds: 3 };
const QUICK: Counts = { smallCount: 4, smallSize: MiB, bigSize: 16 * MiB, smallRounds: 1, bigRounds: 1 };
const CONCURRENCY = 4;

interface Scenario {
  name: ScenarioName;
  label: (c: Counts) => string;
  big: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  { name: "put-small", label: (c) => `PUT ${c.smallCount} x ${c.smallSize / MiB} MiB`, big: false },
  { name: "get-small", label: (c) => `GET ${c.smallCount} x ${c.smallSize / MiB} MiB`, big: false },
  { name: "put-big", label: (c) => `PUT ${c.bigSize / MiB} MiB file`, big: true },
  { name: "get-big", label: (c) => `GET ${c.bigSize / MiB} MiB file`, big: true },
];

// ---------------------------------------------------------------------------------------------------------
// Workers.

interface Sample {
  cpuMs: number;
  wallMs: number;
}

interface Worker {
  tool: string;
  pid: number;
  baselineRss: number;
  /** Send a command and wait for its answer line (the part after the first word). */
  ask(command: string, expect: string): Promise<string>;
  kill(): Promise<void>;
}

const WORKER_TIMEOUT_MS = 600_000;

async function startWorker(entry: string, config: WorkerConfig): Promise<Worker> {
  const child: ChildProcess = spawn(process.execPath, [entry, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the ${config.tool} worker`);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (stderr.length < 8_192) stderr += chunk.toString("utf8");
  });
  const lines: Interface = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiters: Array<(line: string | undefined) => void> = [];
  lines.on("line", (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else queue.push(line);
  });
  const exited = once(child, "exit");
  void exited.then(() => {
    for (const waiter of waiters.splice(0)) waiter(undefined);
  });
  const next = (what: string): Promise<string> => {
    const queued = queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (child.exitCode !== null || child.signalCode !== null) {
      return Promise.reject(new Error(`${config.tool} worker exited before ${what}:\n${stderr}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${config.tool} worker: no ${what} in time`)),
        WORKER_TIMEOUT_MS,
      );
      waiters.push((line) => {
        clearTimeout(timer);
        if (line === undefined) reject(new Error(`${config.tool} worker exited before ${what}:\n${stderr}`));
        else resolve(line);
      });
    });
  };
  const answer = async (expect: string): Promise<string> => {
    const line = await next(expect);
    const [word, ...rest] = line.split(" ");
    if (word !== expect) throw new Error(`${config.tool} worker said "${line}", expected ${expect}`);
    return rest.join(" ");
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }, 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const baselineRss = Number(await answer("ready"));
    return {
      tool: config.tool,
      pid,
      baselineRss,
      ask: async (command, expect) => {
        child.stdin!.write(`${command}\n`);
        return answer(expect);
      },
      kill,
    };
  } catch (err) {
    await kill();
    throw err;
  }
}

interface ToolResult {
  tool: string;
  samples: Sample[];
  cpuMs: number;
  wallMs: number;
  peakRss: number;
  baselineRss: number;
}

async function runScenario(
  entry: string,
  target: Target,
  scenario: Scenario,
  counts: Counts,
  files: { bigFile: string; dir: string },
): Promise<ToolResult[]> {
  const tools = TOOLS[target.server];
  const workers: Worker[] = [];
  const rounds = scenario.big ? counts.bigRounds : counts.smallRounds;
  try {
    // Started one after another: a worker's set-up (seeding objects) is not measured, but should not
    // overlap another's either.
    for (const tool of tools) {
      workers.push(
        await startWorker(entry, {
          tool,
          target,
          scenario: scenario.name,
          smallCount: counts.smallCount,
          smallSize: counts.smallSize,
          concurrency: CONCURRENCY,
          bigFile: files.bigFile,
          dir: files.dir,
        }),
      );
    }
    for (const w of workers) await w.ask("warmup", "done");
    const samples = new Map<string, Sample[]>(workers.map((w) => [w.tool, []]));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < workers.length; i++) {
        const w = workers[(i + round) % workers.length]!;
        samples.get(w.tool)!.push(JSON.parse(await w.ask("round", "sample")) as Sample);
      }
    }
    const results: ToolResult[] = [];
    for (const w of workers) {
      const { peakRss } = JSON.parse(await w.ask("end", "end")) as { peakRss: number };
      const s = samples.get(w.tool)!;
      results.push({
        tool: w.tool,
        samples: s,
        cpuMs: median(s.map((x) => x.cpuMs)),
        wallMs: median(s.map((x) => x.wallMs)),
        peakRss,
        baselineRss: w.baselineRss,
      });
    }
    return results;
  } finally {
    for (const w of workers) await w.kill();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report.

function bytesOf(scenario: Scenario, counts: Counts): number {
  return scenario.big ? counts.bigSize : counts.smallCount * counts.smallSize;
}

function printScenario(
  server: string,
  scenario: Scenario,
  counts: Counts,
  results: readonly ToolResult[],
): void {
  const label = scenario.label(counts);
  const rounds = scenario.big ? counts.bigRounds : counts.smallRounds;
  console.log(`\n${server} ${label}: ${rounds} round(s) after a warm-up pass, median shown.\n`);
  const mbps = (r: ToolResult): string => fixed(bytesOf(scenario, counts) / MiB / (r.wallMs / 1000), 0);
  const byRound = (values: number[]): string => values.map((v) => fixed(v, 0)).join(" ");
  console.log(
    table(
      [
        "tool",
        "CPU ms",
        "wall ms",
        "MiB/s",
        "peak RSS MiB",
        "RSS at start",
        "CPU ms by round",
        "wall ms by round",
      ],
      results.map((r) => [
        r.tool,
        fixed(r.cpuMs),
        fixed(r.wallMs),
        mbps(r),
        fixed(r.peakRss / MiB),
        fixed(r.baselineRss / MiB),
        byRound(r.samples.map((s) => s.cpuMs)),
        byRound(r.samples.map((s) => s.wallMs)),
      ]),
    ),
  );
  console.log();
  const [omni, ...others] = results;
  if (!omni) return;
  for (const other of others) {
    const name = `${server} ${scenario.name} omnicloud / ${other.tool}`;
    const perRound = (key: keyof Sample): number =>
      median(omni.samples.map((s, i) => s[key] / other.samples[i]![key]));
    console.log(ratioLine(name, "CPU", perRound("cpuMs")));
    console.log(ratioLine(name, "wall", perRound("wallMs"), scenario.big ? BIG_WALL_GOAL : undefined));
    console.log(ratioLine(name, "peak RSS", omni.peakRss / other.peakRss));
  }
  if (scenario.big) {
    const mb = omni.peakRss / 1e6;
    console.log(
      `omnicloud peak RSS ${fixed(mb)} MB; goal ≤ ${BIG_RSS_GOAL_MB} MB: ${mb <= BIG_RSS_GOAL_MB ? "met" : "NOT met"}`,
    );
  }
}

/** A file of `size` random bytes, written in 1 MiB chunks. */
async function writeRandomFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = Buffer.alloc(MiB);
  for (let written = 0; written < size; written += chunk.length) {
    randomFillSync(chunk);
    const piece = size - written < chunk.length ? chunk.subarray(0, size - written) : chunk;
    if (!out.write(piece)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

export async function runStorageBench(options: StorageBenchOptions): Promise<void> {
  const counts = options.quick ? QUICK : FULL;
  const servers = (["s3rver", "azurite"] as const).filter(
    (s) => !options.servers?.length || options.servers.includes(s),
  );
  const scenarios = SCENARIOS.filter((s) => !options.scenarios?.length || options.scenarios.includes(s.name));
  const dir = await mkdtemp(join(tmpdir(), "omnicloud-bench-storage-"));
  try {
    const entry = await buildWorker(["storage-worker.ts", "storage-clients.ts"]);
    const bigFile = join(dir, "big.bin");
    await writeRandomFile(bigFile, counts.bigSize);
    console.log(
      `Multipart for every tool: ${PART_SIZE / MiB} MiB parts, ${PART_CONCURRENCY} at a time; small objects ` +
        `${CONCURRENCY} at a time. Each tool and scenario runs in its own worker process (CPU and peak RSS ` +
        `are that client's, run as plain JavaScript without the tsx loader); servers are child processes ` +
        `on 127.0.0.1.`,
    );
    for (const server of servers) {
      const started = server === "s3rver" ? await startS3rver() : await startAzurite();
      try {
        const endpoint = "endpoint" in started ? started.endpoint : started.accountUrl;
        console.log(`\n### ${server}: pid ${started.pid}, ${endpoint}`);
        for (const scenario of scenarios) {
          const target = { server, endpoint, dist: DIST };
          const results = await runScenario(entry, target, scenario, counts, { bigFile, dir });
          printScenario(server, scenario, counts, results);
        }
      } finally {
        await started.stop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
