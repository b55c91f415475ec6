/**
 * Storage bench: omnicloud next to what users would otherwise pick, `@aws-sdk/client-s3` (with
 * `@aws-sdk/lib-storage`), `@azure/storage-blob` and Apache OpenDAL's Node binding (`opendal`), doing the
 * same work in one run against the same local servers. The workloads are the issue's:
 *
 *   W1  2,000 sequential 4 KiB PUTs, then the same 16 at a time           (storage-w1.ts)
 *   W2  a 512 MiB upload from a file and download to a file              (storage-w2.ts)
 *   W3  listing 10,000 objects                                           (storage-w3.ts)
 *   W4  cold start: import plus open                                     (storage-w4.ts)
 *
 * Servers: the CPU figures of W1 and W2 come from a minimal S3 sink (bench/s3-sink.ts) that is not the
 * bottleneck; the Azure tools use Azurite; W3 lists on the real servers, s3rver and Azurite. Every server
 * is a child process on 127.0.0.1, stopped by its PID. Each tool works in a process of its own
 * (storage-worker.ts), run as plain JavaScript (worker-build.ts), so its client CPU (user + system) and peak
 * RSS are its own. Each workload prints a table with ratios to omnicloud; a summary of the goals closes it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { childEnv } from "./child-lines.js";
import { prepareOpendal } from "./opendal-binding.js";
import { HTTP_SOCKETS, PART_CONCURRENCY, PART_SIZE } from "./storage-clients.js";
import { printSummary } from "./storage-report.js";
import { type StorageContext, serverPool } from "./storage-setup.js";
import { runW1 } from "./storage-w1.js";
import { runW2 } from "./storage-w2.js";
import { runW3 } from "./storage-w3.js";
import { runW4 } from "./storage-w4.js";
import { buildWorker } from "./worker-build.js";

export interface StorageBenchOptions {
  quick: boolean;
  /** Only these workloads ("W1".."W4", any case); all when empty. */
  scenarios?: readonly string[];
  /** Only these tools (e.g. "omnicloud"); all when empty. */
  tools?: readonly string[];
  /** Write a CPU profile of every tool worker into this folder (node --cpu-prof). */
  cpuProfDir?: string;
}

const WORKLOADS: Record<string, (ctx: StorageContext) => Promise<void>> = {
  W1: runW1,
  W2: runW2,
  W3: runW3,
  W4: runW4,
};

const WORKER_SOURCES = [
  "storage-worker.ts",
  "storage-clients.ts",
  "storage-sigv4.ts",
  "peak-rss.ts",
  "opendal-module.ts",
];

export async function runStorageBench(options: StorageBenchOptions): Promise<void> {
  const wanted = (options.scenarios ?? []).map((s) => s.toUpperCase());
  const unknown = wanted.filter((s) => !(s in WORKLOADS));
  if (unknown.length > 0) {
    throw new Error(
      `unknown storage scenario ${unknown.join(", ")}; known: ${Object.keys(WORKLOADS).join(", ")}`,
    );
  }
  const workloads = Object.keys(WORKLOADS).filter((w) => wanted.length === 0 || wanted.includes(w));
  const dir = await mkdtemp(join(tmpdir(), "omnicloud-bench-storage-"));
  const workerEntry = await buildWorker(WORKER_SOURCES);
  const sinkEntry = await buildWorker(["s3-sink.ts"]);
  const pool = serverPool({ dir, sinkEntry });
  const ctx: StorageContext = {
    quick: options.quick,
    dir,
    workerEntry,
    sinkEntry,
    only: options.tools ?? [],
    opendalProblem: prepareOpendal(!options.quick, childEnv()),
    cpuProfDir: options.cpuProfDir === undefined ? undefined : resolve(options.cpuProfDir),
    server: pool.server,
    goals: [],
  };
  console.log(
    `Every tool runs in its own worker process (plain JavaScript, no tsx loader), one at a time; servers ` +
      `are child processes on 127.0.0.1. Multipart for every tool: ${PART_SIZE / 1024 / 1024} MiB parts, ` +
      `${PART_CONCURRENCY} at a time. Small PUTs: one at a time, then ${HTTP_SOCKETS} at a time. ` +
      `Sizes in MB are 10^6 bytes; ratios are omnicloud ÷ the other tool (below 1: omnicloud uses less).`,
  );
  if (ctx.opendalProblem) {
    console.log(`opendal is left out: ${ctx.opendalProblem}`);
  }
  try {
    for (const name of workloads) await WORKLOADS[name]!(ctx);
  } finally {
    await pool.stopAll();
    await rm(dir, { recursive: true, force: true });
  }
  printSummary(ctx.goals);
}
