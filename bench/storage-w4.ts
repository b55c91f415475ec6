/**
 * W4: cold start. Each run is a fresh `node` process (storage-coldstart-child.ts) that imports one tool's
 * package and opens a client; a second variant also makes one 1-byte PUT, since clients defer work (and
 * module loading) to their first request. Wall time is from spawn to exit, measured here; CPU time and
 * peak RSS are the child's own. Runs are interleaved across tools and variants, rotating the order each
 * iteration (as bench/coldstart.ts does), after a warm-up run each; medians are shown. No goal: the issue
 * names this workload for comparison only.
 */
import { spawn } from "node:child_process";
import { childEnv } from "./child-lines.js";
import { fixed, median, ratioLine, table } from "./report.js";
import { AWS_SDK, AZURE_SDK, OMNICLOUD, OPENDAL, type Target } from "./storage-clients.js";
import type { ColdstartConfig, ColdstartResult } from "./storage-coldstart-child.js";
import { mb } from "./storage-report.js";
import { createContainers, type StorageContext, toolsFor } from "./storage-setup.js";
import { buildWorker } from "./worker-build.js";

const CONTAINER = "bench-w4";
const FULL = { runs: 10, warmup: 1 };
const QUICK = { runs: 2, warmup: 0 };
const RUN_TIMEOUT_MS = 60_000;

interface Row {
  label: string;
  /** Which omnicloud row this one is compared with. */
  base?: string;
  config: ColdstartConfig;
  wallMs: number[];
  cpuMs: number[];
  peakRss: number[];
}

interface Timed extends ColdstartResult {
  wallMs: number;
}

function runOnce(entry: string, config: ColdstartConfig): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [entry, JSON.stringify(config)], {
      env: childEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      out += t;
    });
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      if (err.length < 4_000) err += t;
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, RUN_TIMEOUT_MS);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code, signal) => {
      const wallMs = performance.now() - started;
      clearTimeout(timer);
      if (code !== 0) {
        reject(
          new Error(`cold start of ${config.tool ?? "nothing"} exited ${code ?? signal}:\n${err.trim()}`),
        );
        return;
      }
      resolve({ ...(JSON.parse(out) as ColdstartResult), wallMs });
    });
  });
}

function rowsFor(ctx: StorageContext, sink: Target, azurite: Target): Row[] {
  const row = (label: string, config: ColdstartConfig, base?: string): Row => ({
    label,
    config,
    ...(base ? { base } : {}),
    wallMs: [],
    cpuMs: [],
    peakRss: [],
  });
  const rows: Row[] = [row("node + bench child, no tool", { target: sink })];
  const names: Record<string, Record<Target["protocol"], string>> = {
    [OMNICLOUD]: { s3: "omnicloud s3", azure: "omnicloud azure-blob" },
    [AWS_SDK]: { s3: AWS_SDK, azure: AWS_SDK },
    [AZURE_SDK]: { s3: AZURE_SDK, azure: AZURE_SDK },
    [OPENDAL]: { s3: "opendal s3", azure: "opendal azblob" },
  };
  for (const put of [false, true]) {
    for (const target of [sink, azurite]) {
      const omni = `${names[OMNICLOUD]![target.protocol]}${put ? " + 1 PUT" : ""}`;
      for (const tool of toolsFor(ctx, target.protocol)) {
        const label = `${names[tool]![target.protocol]}${put ? " + 1 PUT" : ""}`;
        const config: ColdstartConfig = {
          tool,
          target,
          ...(put ? { put: { container: CONTAINER, key: "w4/cold" } } : {}),
        };
        rows.push(row(label, config, tool === OMNICLOUD ? undefined : omni));
      }
    }
  }
  return rows;
}

export async function runW4(ctx: StorageContext): Promise<void> {
  const counts = ctx.quick ? QUICK : FULL;
  const entry = await buildWorker([
    "storage-coldstart-child.ts",
    "storage-clients.ts",
    "storage-sigv4.ts",
    "peak-rss.ts",
    "opendal-module.ts",
  ]);
  const sink = await ctx.server("sink");
  const azurite = await ctx.server("azurite");
  await createContainers(ctx, sink.target, [CONTAINER]);
  await createContainers(ctx, azurite.target, [CONTAINER]);
  console.log(
    `\n### W4: cold start, import plus open\n\n${counts.runs} fresh processes per row, interleaved, after ` +
      `${counts.warmup} warm-up run(s) each; median shown. "+ 1 PUT" rows also make one 1-byte PUT ` +
      `(S3 tools: the sink; Azure tools: Azurite). Wall: spawn to exit; CPU and peak RSS: the child's own.\n`,
  );
  const rows = rowsFor(ctx, sink.target, azurite.target);
  for (let i = 0; i < counts.warmup + counts.runs; i++) {
    for (let j = 0; j < rows.length; j++) {
      const row = rows[(i + j) % rows.length]!;
      const t = await runOnce(entry, row.config);
      if (i < counts.warmup) continue;
      row.wallMs.push(t.wallMs);
      row.cpuMs.push(t.cpuMs);
      row.peakRss.push(t.peakRss);
    }
  }
  const byLabel = new Map(rows.map((r) => [r.label, r]));
  const ratio = (r: Row, key: "wallMs" | "cpuMs"): string => {
    const omni = r.base === undefined ? undefined : byLabel.get(r.base);
    return omni ? `${(median(omni[key]) / median(r[key])).toFixed(2)}x` : "";
  };
  console.log(
    table(
      ["process", "wall ms", "CPU ms", "peak RSS MB", "wall ratio", "CPU ratio"],
      rows.map((r) => [
        r.label,
        fixed(median(r.wallMs)),
        fixed(median(r.cpuMs)),
        mb(median(r.peakRss)),
        ratio(r, "wallMs"),
        ratio(r, "cpuMs"),
      ]),
    ),
  );
  console.log();
  for (const r of rows) {
    const omni = r.base === undefined ? undefined : byLabel.get(r.base);
    if (!omni) continue;
    for (const key of ["wallMs", "cpuMs"] as const) {
      const value = median(omni[key]) / median(r[key]);
      console.log(ratioLine(`W4 ${omni.label} / ${r.label}`, key === "wallMs" ? "wall" : "CPU", value));
    }
  }
}
