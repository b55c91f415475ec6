/**
 * W1: small PUTs. Each tool PUTs 4 KiB objects, first one at a time, then 16 at a time, into the S3 sink
 * (a server that is not the bottleneck, so the client's CPU is what differs), next to two bare node:http
 * clients: one unsigned, one sending exactly what omnicloud sends (Content-MD5, unsigned payload, SigV4
 * Authorization). The issue's goals are judged on the sink: omnicloud's CPU ≤ 1/4 of @aws-sdk/client-s3's,
 * and ≤ 1.3x node:http doing the same requests (the signed one; the unsigned ratio is shown too). The same
 * PUTs against Azurite compare the Azure tools, for information.
 */
import { fixed, table } from "./report.js";
import { AWS_SDK, HTTP_SOCKETS, NODE_HTTP, NODE_HTTP_SIGNED, OMNICLOUD } from "./storage-clients.js";
import { mb, perRoundRatio, ratioCell, ratioWithGoal, seconds } from "./storage-report.js";
import {
  createContainers,
  rotated,
  type Server,
  type StorageContext,
  startWorkers,
  stopWorkers,
  toolsFor,
} from "./storage-setup.js";
import type { Sample } from "./storage-worker.js";

const BODY_BYTES = 4 * 1024;
const BUCKET = "bench-w1";
export const CPU_GOAL_VS_AWS = 0.25;
export const CPU_GOAL_VS_NODE_HTTP = 1.3;

interface Counts {
  puts: number;
  warmup: number;
  rounds: number;
}

const FULL: Record<"sink" | "azurite", Counts> = {
  sink: { puts: 2_000, warmup: 300, rounds: 3 },
  // Azurite is the slow side of each PUT here: one round is enough for information.
  azurite: { puts: 2_000, warmup: 100, rounds: 1 },
};
const QUICK: Counts = { puts: 40, warmup: 10, rounds: 1 };

const PASSES = [
  { name: "sequential", width: 1 },
  { name: `${HTTP_SOCKETS} at a time`, width: HTTP_SOCKETS },
] as const;

interface ToolRun {
  tool: string;
  /** Samples per pass, one per round. */
  passes: Sample[][];
  peakRss: number;
}

async function measure(ctx: StorageContext, server: Server, tools: string[], counts: Counts) {
  await createContainers(ctx, server.target, [BUCKET]);
  const workers = await startWorkers(ctx, tools, server.target);
  try {
    const prefix = (tool: string): string => `w1/${tool.replace(/[^a-z0-9]+/gi, "-")}/`;
    for (const w of workers) {
      // Warm-up: sockets open, JIT settles, modules loaded lazily on first use are in.
      const put = { op: "puts", container: BUCKET, count: counts.warmup, size: BODY_BYTES } as const;
      await w.run({ ...put, prefix: `warm/${prefix(w.tool)}`, width: 1 });
      await w.run({ ...put, prefix: `warm/${prefix(w.tool)}`, width: HTTP_SOCKETS });
    }
    const runs: ToolRun[] = workers.map((w) => ({ tool: w.tool, passes: PASSES.map(() => []), peakRss: 0 }));
    for (let round = 0; round < counts.rounds; round++) {
      for (const [p, pass] of PASSES.entries()) {
        for (const w of rotated(workers, round)) {
          const sample = await w.run<Sample>({
            op: "puts",
            container: BUCKET,
            prefix: prefix(w.tool),
            count: counts.puts,
            width: pass.width,
            size: BODY_BYTES,
          });
          runs.find((r) => r.tool === w.tool)!.passes[p]!.push(sample);
        }
      }
    }
    for (const [i, w] of workers.entries()) runs[i]!.peakRss = await w.end();
    return runs;
  } finally {
    await stopWorkers(workers);
  }
}

function middle(samples: readonly Sample[]): Sample {
  const sorted = [...samples].sort((a, b) => a.cpuMs - b.cpuMs);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function report(
  ctx: StorageContext,
  server: Server,
  runs: readonly ToolRun[],
  counts: Counts,
  goals: boolean,
) {
  const omni = runs.find((r) => r.tool === OMNICLOUD);
  for (const [p, pass] of PASSES.entries()) {
    console.log(
      `\nW1 ${server.name}: ${counts.puts} PUTs of ${BODY_BYTES / 1024} KiB, ${pass.name}; ${counts.rounds} ` +
        `round(s) after ${counts.warmup} warm-up PUTs; the round with the median CPU is shown, ratio lines ` +
        `are the median of per-round ratios. Ratios: omnicloud ÷ tool.\n`,
    );
    const o = omni ? middle(omni.passes[p]!) : undefined;
    console.log(
      table(
        [
          "tool",
          "CPU µs/PUT",
          "CPU s",
          "wall s",
          "PUT/s",
          "peak RSS MB",
          "CPU ratio",
          "wall ratio",
          "RSS ratio",
        ],
        runs.map((r) => {
          const s = middle(r.passes[p]!);
          const own = r.tool === OMNICLOUD;
          return [
            r.tool,
            fixed((s.cpuMs * 1000) / counts.puts, 0),
            seconds(s.cpuMs),
            seconds(s.wallMs),
            fixed(counts.puts / (s.wallMs / 1000), 0),
            mb(r.peakRss),
            ratioCell(o?.cpuMs, s.cpuMs, own),
            ratioCell(o?.wallMs, s.wallMs, own),
            ratioCell(omni?.peakRss, r.peakRss, own),
          ];
        }),
      ),
    );
    console.log();
    if (!omni) continue;
    for (const other of runs) {
      if (other === omni) continue;
      const label = `W1 ${server.name} ${pass.name === "sequential" ? "seq" : `x${pass.width}`} omnicloud / ${other.tool}`;
      const goal = !goals
        ? undefined
        : other.tool === AWS_SDK
          ? CPU_GOAL_VS_AWS
          : other.tool === NODE_HTTP_SIGNED
            ? CPU_GOAL_VS_NODE_HTTP
            : undefined;
      const cpu = perRoundRatio(omni.passes[p]!, other.passes[p]!, "cpuMs");
      ratioWithGoal(ctx.goals, "W1", label, "CPU", cpu, goal);
    }
  }
  console.log(
    `Peak RSS is each worker's over its whole W1 run (warm-up and both passes). ${NODE_HTTP_SIGNED} sends ` +
      `omnicloud's request (Content-MD5, x-amz-content-sha256: UNSIGNED-PAYLOAD, SigV4 header signature) ` +
      `with a signer written in the bench; ${NODE_HTTP} sends the body alone. The goal "≤ ${CPU_GOAL_VS_NODE_HTTP}x ` +
      `bare node:http doing the same requests" is judged against ${NODE_HTTP_SIGNED}.`,
  );
}

export async function runW1(ctx: StorageContext): Promise<void> {
  const sink = await ctx.server("sink");
  console.log(`\n### W1: small PUTs\n\nS3 tools against ${sink.label}.`);
  const sinkCounts = ctx.quick ? QUICK : FULL.sink;
  report(ctx, sink, await measure(ctx, sink, toolsFor(ctx, "s3", true), sinkCounts), sinkCounts, true);

  const azurite = await ctx.server("azurite");
  console.log(`\nAzure tools against ${azurite.label} (no goal: Azurite, not the client, bounds these).`);
  const azCounts = ctx.quick ? QUICK : FULL.azurite;
  report(ctx, azurite, await measure(ctx, azurite, toolsFor(ctx, "azure", true), azCounts), azCounts, false);
}
