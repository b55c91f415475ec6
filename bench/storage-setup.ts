/**
 * What every storage workload shares: the servers (started on first use, stopped by PID at the end), the
 * tool workers (one process per tool, see storage-worker.ts), which tools take part, and the goals each
 * workload reports for the final summary.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Azurite, startAzurite } from "../test/support/azurite.js";
import { type S3rver, startS3rver } from "../test/support/s3rver.js";
import { childEnv, type LineChild, spawnLineChild } from "./child-lines.js";
import { DIST } from "./dist.js";
import { OMNICLOUD, OPENDAL, type Target, TOOLS } from "./storage-clients.js";
import type { WorkerCommand, WorkerConfig } from "./storage-worker.js";

export type ServerName = "sink" | "s3rver" | "azurite";

export interface Server {
  name: ServerName;
  /** A short description for the report: what it is, its PID and endpoint. */
  label: string;
  target: Target;
}

/** One goal of the issue as this run measured it, for the summary. */
export interface Goal {
  workload: string;
  text: string;
  met: boolean;
}

export interface StorageContext {
  quick: boolean;
  /** A temp folder for this run's files, removed at the end. */
  dir: string;
  workerEntry: string;
  sinkEntry: string;
  /** Only these tools when non-empty (omnicloud is the reference of every ratio, so keep it in). */
  only: readonly string[];
  /** Why opendal cannot be used here, when it cannot. */
  opendalProblem: string | undefined;
  /** Workers write CPU profiles here (node --cpu-prof) when set. */
  cpuProfDir: string | undefined;
  server(name: ServerName): Promise<Server>;
  goals: Goal[];
}

/** The tools of a protocol taking part in a workload; the PUT-only node:http baselines only with `putOnly`. */
export function toolsFor(ctx: StorageContext, protocol: Target["protocol"], putOnly = false): string[] {
  return TOOLS[protocol].filter(
    (tool) =>
      (putOnly || !tool.startsWith("node:http")) &&
      (ctx.only.length === 0 || ctx.only.includes(tool)) &&
      !(tool === OPENDAL && ctx.opendalProblem !== undefined),
  );
}

const SINK_START_MS = 20_000;

async function startSink(
  ctx: Pick<StorageContext, "dir" | "sinkEntry">,
): Promise<LineChild & { port: number }> {
  const dir = join(ctx.dir, "sink");
  await mkdir(dir, { recursive: true });
  const child = spawnLineChild("s3 sink", [ctx.sinkEntry, dir], childEnv());
  try {
    const port = Number(await child.expect("listening", SINK_START_MS));
    return Object.assign(child, { port });
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** Servers started on first use; `stopAll` stops each one started, by its PID. */
export function serverPool(ctx: Pick<StorageContext, "dir" | "sinkEntry">): {
  server(name: ServerName): Promise<Server>;
  stopAll(): Promise<void>;
} {
  const started = new Map<ServerName, Promise<{ server: Server; stop: () => Promise<void> }>>();
  const start = async (name: ServerName): Promise<{ server: Server; stop: () => Promise<void> }> => {
    if (name === "sink") {
      const sink = await startSink(ctx);
      const endpoint = `http://127.0.0.1:${sink.port}`;
      return {
        server: {
          name,
          label: `S3 sink (bench/s3-sink.ts), pid ${sink.pid}, ${endpoint}`,
          target: { protocol: "s3", endpoint, dist: DIST },
        },
        stop: () => sink.stop(),
      };
    }
    if (name === "s3rver") {
      const s3rver: S3rver = await startS3rver();
      return {
        server: {
          name,
          label: `s3rver, pid ${s3rver.pid}, ${s3rver.endpoint}`,
          target: { protocol: "s3", endpoint: s3rver.endpoint, dist: DIST },
        },
        stop: () => s3rver.stop(),
      };
    }
    const azurite: Azurite = await startAzurite();
    return {
      server: {
        name,
        label: `Azurite, pid ${azurite.pid}, ${azurite.accountUrl}`,
        target: { protocol: "azure", endpoint: azurite.accountUrl, dist: DIST },
      },
      stop: () => azurite.stop(),
    };
  };
  return {
    async server(name) {
      let entry = started.get(name);
      if (!entry) {
        entry = start(name);
        started.set(name, entry);
      }
      return (await entry).server;
    },
    async stopAll() {
      for (const entry of started.values()) {
        const running = await entry.catch(() => undefined);
        await running?.stop();
      }
      started.clear();
    },
  };
}

export interface ToolWorker {
  tool: string;
  pid: number;
  /** RSS once the client was made, before any work. */
  startRss: number;
  run<T>(command: WorkerCommand): Promise<T>;
  /** The process's peak RSS over its whole life; it then exits. */
  end(): Promise<number>;
  stop(): Promise<void>;
}

export async function startWorker(ctx: StorageContext, tool: string, target: Target): Promise<ToolWorker> {
  const config: WorkerConfig = { tool, target };
  const flags = ["--expose-gc"];
  if (ctx.cpuProfDir) flags.push("--cpu-prof", `--cpu-prof-dir=${ctx.cpuProfDir}`);
  const child = spawnLineChild(
    `${tool} worker`,
    [...flags, ctx.workerEntry, JSON.stringify(config)],
    childEnv(),
  );
  try {
    const { rss } = JSON.parse(await child.expect("ready")) as { rss: number };
    if (ctx.cpuProfDir) console.log(`(cpu profile of ${tool} on ${target.endpoint}: pid ${child.pid})`);
    return {
      tool,
      pid: child.pid,
      startRss: rss,
      run: async <T>(command: WorkerCommand) =>
        JSON.parse(await child.ask(JSON.stringify(command), "ok")) as T,
      async end() {
        const { peakRss } = JSON.parse(await child.ask(JSON.stringify({ op: "end" }), "ok")) as {
          peakRss: number;
        };
        await child.stop();
        return peakRss;
      },
      stop: () => child.stop(),
    };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** Make a bucket or container with omnicloud, in a short-lived worker (set-up, not measured). */
export async function createContainers(
  ctx: StorageContext,
  target: Target,
  names: readonly string[],
): Promise<void> {
  const worker = await startWorker(ctx, OMNICLOUD, target);
  try {
    for (const name of names) await worker.run({ op: "create", container: name });
  } finally {
    await worker.stop();
  }
}

/** Start one worker per tool, one after another (start-up is not measured, but should not overlap). */
export async function startWorkers(ctx: StorageContext, tools: readonly string[], target: Target) {
  const workers: ToolWorker[] = [];
  try {
    for (const tool of tools) workers.push(await startWorker(ctx, tool, target));
  } catch (err) {
    await stopWorkers(workers);
    throw err;
  }
  return workers;
}

export async function stopWorkers(workers: readonly ToolWorker[]): Promise<void> {
  for (const w of workers) await w.stop();
}

/** Each round, every worker once, the first one rotating so no tool always goes first or last. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  return items.map((_, i) => items[(i + round) % items.length]!);
}
