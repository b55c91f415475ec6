/**
 * W3: listing 10,000 objects on the real servers, s3rver and Azurite, each tool with its own paginating
 * lister (omnicloud's `store.list`, `paginateListObjectsV2`, `listBlobsFlat`, OpenDAL's `lister`). The
 * objects (1 byte each) are put once per server with omnicloud, 32 at a time, unmeasured, and every tool
 * lists the same container. A tool that sees another count than it should fails the bench.
 *
 * Timed rounds first, each tool with its default page size; then one more listing per tool in pages of
 * 1,000 that stops every 1,000 entries to force a GC and read live memory (heap in use, compiled code left
 * out, plus Buffers), so what a lister keeps shows and garbage does not. Ten pages rather than Azure's
 * default two make growth per page visible; the comparison starts at the second page, since every client
 * here (the SDKs too) steps up once when its second response arrives and stays level after. "Flat" means
 * live memory grows by less than FLAT_BYTES from there to the end: a lister keeping its entries would
 * grow by several hundred bytes per entry, megabytes over the 8,000 entries.
 */
import { fixed, median, table } from "./report.js";
import { OMNICLOUD } from "./storage-clients.js";
import { absoluteGoal, mb, perRoundRatio, ratioCell, ratioWithGoal, seconds } from "./storage-report.js";
import {
  createContainers,
  rotated,
  type Server,
  type StorageContext,
  startWorker,
  startWorkers,
  stopWorkers,
  toolsFor,
} from "./storage-setup.js";
import type { ListSample, MemoryPoint, Sample } from "./storage-worker.js";

const CONTAINER = "bench-w3";
/** Live memory may grow this much over the last 8 pages and still count as flat (~125 bytes per entry). */
export const FLAT_BYTES = 1_000_000;
/** Seeding is set-up: wide enough to keep the (single-threaded) servers busy. */
const SEED_WIDTH = 32;

interface Counts {
  objects: number;
  every: number;
  rounds: number;
}

const FULL: Counts = { objects: 10_000, every: 1_000, rounds: 3 };
const QUICK: Counts = { objects: 300, every: 100, rounds: 1 };

interface ToolRun {
  tool: string;
  samples: Sample[];
  memory: MemoryPoint[];
  peakRss: number;
}

async function seed(ctx: StorageContext, server: Server, count: number): Promise<number> {
  await createContainers(ctx, server.target, [CONTAINER]);
  const worker = await startWorker(ctx, OMNICLOUD, server.target);
  try {
    const put = {
      op: "puts",
      container: CONTAINER,
      prefix: "obj-",
      count,
      width: SEED_WIDTH,
      size: 1,
    } as const;
    return (await worker.run<Sample>(put)).wallMs;
  } finally {
    await worker.stop();
  }
}

function checkCount(tool: string, sample: ListSample, want: number): void {
  if (sample.count !== want) throw new Error(`W3: ${tool} listed ${sample.count} objects, not ${want}`);
}

async function measure(ctx: StorageContext, server: Server, tools: readonly string[], counts: Counts) {
  const workers = await startWorkers(ctx, tools, server.target);
  try {
    const runs: ToolRun[] = tools.map((tool) => ({ tool, samples: [], memory: [], peakRss: 0 }));
    for (let round = 0; round < counts.rounds; round++) {
      for (const i of rotated([...tools.keys()], round)) {
        const sample = await workers[i]!.run<ListSample>({
          op: "list",
          container: CONTAINER,
          every: 0,
          gc: false,
        });
        checkCount(tools[i]!, sample, counts.objects);
        runs[i]!.samples.push(sample);
      }
    }
    for (const [i, w] of workers.entries()) {
      const sample = await w.run<ListSample>({
        op: "list",
        container: CONTAINER,
        every: counts.every,
        gc: true,
        pageSize: counts.every,
      });
      checkCount(tools[i]!, sample, counts.objects);
      runs[i]!.memory = sample.memory;
      runs[i]!.peakRss = await w.end();
    }
    return runs;
  } finally {
    await stopWorkers(workers);
  }
}

/** Live bytes and RSS once the second page is in hand, and at the end. */
function growth(memory: readonly MemoryPoint[], every: number) {
  const first = memory.find((m) => m.entries >= 2 * every) ?? memory[0]!;
  const last = memory.at(-1)!;
  return { first, last, live: last.live - first.live, rss: last.rss - first.rss };
}

function report(ctx: StorageContext, server: Server, runs: readonly ToolRun[], counts: Counts) {
  const omni = runs.find((r) => r.tool === OMNICLOUD);
  const med = (r: ToolRun, key: keyof Sample): number => median(r.samples.map((s) => s[key]));
  console.log(
    `\nW3 ${server.name}: list ${counts.objects} objects; ${counts.rounds} timed round(s), median shown; then ` +
      `one listing in pages of ${counts.every} with a forced GC every ${counts.every} entries for the memory ` +
      `columns (from ${2 * counts.every} entries to the end). Ratios: omnicloud ÷ tool.\n`,
  );
  console.log(
    table(
      [
        "tool",
        "CPU s",
        "wall s",
        "entries/s",
        "peak RSS MB",
        `live MB @${2 * counts.every}`,
        "live growth KB",
        `RSS MB @${2 * counts.every}`,
        "RSS @end",
        "CPU ratio",
        "wall ratio",
        "RSS ratio",
      ],
      runs.map((r) => {
        const g = growth(r.memory, counts.every);
        const own = r.tool === OMNICLOUD;
        return [
          r.tool,
          seconds(med(r, "cpuMs")),
          seconds(med(r, "wallMs")),
          fixed(counts.objects / (med(r, "wallMs") / 1000), 0),
          mb(r.peakRss),
          mb(g.first.live),
          fixed(g.live / 1e3, 0),
          mb(g.first.rss),
          mb(g.last.rss),
          ratioCell(omni && med(omni, "cpuMs"), med(r, "cpuMs"), own),
          ratioCell(omni && med(omni, "wallMs"), med(r, "wallMs"), own),
          ratioCell(omni?.peakRss, r.peakRss, own),
        ];
      }),
    ),
  );
  console.log();
  if (!omni) return;
  for (const other of runs) {
    if (other === omni) continue;
    const label = `W3 ${server.name} omnicloud / ${other.tool}`;
    ratioWithGoal(ctx.goals, "W3", label, "CPU", perRoundRatio(omni.samples, other.samples, "cpuMs"));
  }
  const g = growth(omni.memory, counts.every);
  absoluteGoal(
    ctx.goals,
    "W3",
    `W3 ${server.name} omnicloud memory flat while listing: live ${fixed(g.live / 1e3, 0)} KB growth ` +
      `${g.first.entries}→${g.last.entries} entries, goal < ${FLAT_BYTES / 1e3} KB`,
    g.live < FLAT_BYTES,
  );
}

export async function runW3(ctx: StorageContext): Promise<void> {
  const counts = ctx.quick ? QUICK : FULL;
  console.log(`\n### W3: listing ${counts.objects} objects on the real servers`);
  for (const name of ["s3rver", "azurite"] as const) {
    const server = await ctx.server(name);
    const seedMs = await seed(ctx, server, counts.objects);
    console.log(
      `\n${server.label}: ${counts.objects} objects of 1 byte put by omnicloud ${SEED_WIDTH} at a time ` +
        `in ${seconds(seedMs)} s (set-up, not compared).`,
    );
    report(ctx, server, await measure(ctx, server, toolsFor(ctx, server.target.protocol), counts), counts);
  }
}
