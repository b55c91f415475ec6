/**
 * W2: one large object (512 MiB of random bytes) uploaded from a file, multipart (8 MiB parts, 4 at a
 * time, the same for every tool), and downloaded to a file in one streamed GET. The S3 tools use the S3
 * sink, the Azure tools Azurite. Uploads and downloads run in separate worker processes, so each peak RSS
 * belongs to one direction. Every download is checked against the source (size, and bytes at random
 * places). Goals: omnicloud's peak RSS ≤ 100 MB, and its wall time ≤ 1.2x the fastest peer's.
 */
import { randomFillSync, randomInt } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { type FileHandle, open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fixed, median, table } from "./report.js";
import { OMNICLOUD } from "./storage-clients.js";
import { absoluteGoal, mb, perRoundRatio, ratioCell, ratioWithGoal, seconds } from "./storage-report.js";
import {
  createContainers,
  rotated,
  type Server,
  type StorageContext,
  startWorkers,
  stopWorkers,
  type ToolWorker,
  toolsFor,
} from "./storage-setup.js";
import type { Sample } from "./storage-worker.js";

const MiB = 1024 * 1024;
const CONTAINER = "bench-w2";
export const WALL_GOAL = 1.2;
export const RSS_GOAL_MB = 100;

interface Counts {
  size: number;
  rounds: Record<"sink" | "azurite", number>;
}

const FULL: Counts = { size: 512 * MiB, rounds: { sink: 3, azurite: 2 } };
const QUICK: Counts = { size: 16 * MiB, rounds: { sink: 1, azurite: 1 } };

const DIRECTIONS = ["upload", "download"] as const;
type Direction = (typeof DIRECTIONS)[number];

interface ToolRun {
  tool: string;
  samples: Record<Direction, Sample[]>;
  peakRss: Record<Direction, number>;
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

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** The download is the source: same size, and the same bytes in 32 windows of 64 KiB (ends included). */
async function checkCopy(tool: string, source: string, copy: string): Promise<void> {
  const [a, b] = await Promise.all([stat(source), stat(copy)]);
  if (a.size !== b.size) throw new Error(`${tool}: downloaded ${b.size} bytes of ${a.size}`);
  const window = Math.min(64 * 1024, a.size);
  const places = [0, a.size - window, ...Array.from({ length: 30 }, () => randomInt(a.size - window + 1))];
  const [src, dst] = await Promise.all([open(source), open(copy)]);
  try {
    for (const at of places) {
      const [x, y] = await Promise.all([readAt(src, at, window), readAt(dst, at, window)]);
      if (!x.equals(y)) throw new Error(`${tool}: the download differs from the source near byte ${at}`);
    }
  } finally {
    await Promise.all([src.close(), dst.close()]);
  }
}

async function measure(
  ctx: StorageContext,
  server: Server,
  tools: readonly string[],
  source: string,
  rounds: number,
): Promise<ToolRun[]> {
  await createContainers(ctx, server.target, [CONTAINER]);
  const workers: Record<Direction, ToolWorker[]> = { upload: [], download: [] };
  try {
    workers.upload = await startWorkers(ctx, tools, server.target);
    workers.download = await startWorkers(ctx, tools, server.target);
    const runs: ToolRun[] = tools.map((tool) => ({
      tool,
      samples: { upload: [], download: [] },
      peakRss: { upload: 0, download: 0 },
    }));
    for (let round = 0; round < rounds; round++) {
      for (const i of rotated([...tools.keys()], round)) {
        const run = runs[i]!;
        const key = `w2/${run.tool.replace(/[^a-z0-9]+/gi, "-")}.bin`;
        const copy = join(ctx.dir, `w2-download-${i}.bin`);
        run.samples.upload.push(
          await workers.upload[i]!.run<Sample>({ op: "put-file", container: CONTAINER, key, path: source }),
        );
        run.samples.download.push(
          await workers.download[i]!.run<Sample>({ op: "get-file", container: CONTAINER, key, path: copy }),
        );
        await checkCopy(run.tool, source, copy);
        await rm(copy, { force: true });
      }
    }
    for (const [i, run] of runs.entries()) {
      run.peakRss.upload = await workers.upload[i]!.end();
      run.peakRss.download = await workers.download[i]!.end();
    }
    return runs;
  } finally {
    await stopWorkers([...workers.upload, ...workers.download]);
  }
}

function report(ctx: StorageContext, server: Server, runs: readonly ToolRun[], size: number, rounds: number) {
  const omni = runs.find((r) => r.tool === OMNICLOUD);
  for (const direction of DIRECTIONS) {
    console.log(
      `\nW2 ${server.name} ${direction}: one ${size / MiB} MiB object ${direction === "upload" ? "from" : "to"} ` +
        `a file; ${rounds} round(s), median shown. Ratios: omnicloud ÷ tool.\n`,
    );
    const med = (r: ToolRun, key: keyof Sample): number => median(r.samples[direction].map((s) => s[key]));
    console.log(
      table(
        ["tool", "CPU s", "wall s", "MiB/s", "peak RSS MB", "CPU ratio", "wall ratio", "RSS ratio"],
        runs.map((r) => {
          const own = r.tool === OMNICLOUD;
          return [
            r.tool,
            seconds(med(r, "cpuMs")),
            seconds(med(r, "wallMs")),
            fixed(size / MiB / (med(r, "wallMs") / 1000), 0),
            mb(r.peakRss[direction]),
            ratioCell(omni && med(omni, "cpuMs"), med(r, "cpuMs"), own),
            ratioCell(omni && med(omni, "wallMs"), med(r, "wallMs"), own),
            ratioCell(omni?.peakRss[direction], r.peakRss[direction], own),
          ];
        }),
      ),
    );
    console.log();
    if (!omni) continue;
    const peers = runs.filter((r) => r !== omni);
    for (const other of peers) {
      const label = `W2 ${server.name} ${direction} omnicloud / ${other.tool}`;
      ratioWithGoal(
        ctx.goals,
        "W2",
        label,
        "CPU",
        perRoundRatio(omni.samples[direction], other.samples[direction], "cpuMs"),
      );
    }
    if (peers.length > 0) {
      const fastest = peers.reduce((a, b) => (med(a, "wallMs") <= med(b, "wallMs") ? a : b));
      const label = `W2 ${server.name} ${direction} omnicloud / fastest peer (${fastest.tool})`;
      ratioWithGoal(ctx.goals, "W2", label, "wall", med(omni, "wallMs") / med(fastest, "wallMs"), WALL_GOAL);
    }
    const peak = omni.peakRss[direction] / 1e6;
    absoluteGoal(
      ctx.goals,
      "W2",
      `W2 ${server.name} ${direction} omnicloud peak RSS ${fixed(peak)} MB, goal ≤ ${RSS_GOAL_MB} MB`,
      peak <= RSS_GOAL_MB,
    );
  }
}

export async function runW2(ctx: StorageContext): Promise<void> {
  const counts = ctx.quick ? QUICK : FULL;
  console.log(`\n### W2: one ${counts.size / MiB} MiB object, from a file and to a file`);
  const source = join(ctx.dir, "w2-source.bin");
  await writeRandomFile(source, counts.size);
  try {
    for (const name of ["sink", "azurite"] as const) {
      const server = await ctx.server(name);
      console.log(`\n${server.label}.`);
      const tools = toolsFor(ctx, server.target.protocol);
      const runs = await measure(ctx, server, tools, source, counts.rounds[name]);
      report(ctx, server, runs, counts.size, counts.rounds[name]);
    }
  } finally {
    await rm(source, { force: true });
  }
}
