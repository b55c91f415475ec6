/**
 * One tool running one storage scenario, in a process of its own, so its CPU time and peak RSS are its own
 * (a process's peak RSS never comes down, so tools and scenarios sharing one would blur each other's).
 * The parent (storage.ts) steers it over stdin, one command per line, so the tools' rounds can alternate:
 *
 *   (start)   → "ready <rss bytes>"      after the client is made and the scenario's data is in place
 *   warmup    → "done"                   one unmeasured pass
 *   round     → "sample <json>"          one measured pass: client CPU (user + system) and wall time
 *   end       → "end <json>"             peak RSS of the whole process, then it exits
 *
 * It exits on its own when stdin closes (the parent went away) and after a fixed lifetime at most.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { makeTool, type StorageTool, type Target } from "./storage-clients.js";

export type ScenarioName = "put-small" | "get-small" | "put-big" | "get-big";

export interface WorkerConfig {
  tool: string;
  target: Target;
  scenario: ScenarioName;
  /** Small objects per pass, their size, and how many are in flight at once. */
  smallCount: number;
  smallSize: number;
  concurrency: number;
  /** The large object's source file (written by the parent) and a folder for downloads. */
  bigFile: string;
  dir: string;
}

const MAX_LIFETIME_MS = 20 * 60_000;

/** Runs `work(i)` for i in 0..count-1, `width` at a time. */
async function pool(count: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) await work(i);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
}

async function prepare(c: WorkerConfig, tool: StorageTool, container: string): Promise<() => Promise<void>> {
  const key = (i: number): string => `small/${String(i).padStart(5, "0")}`;
  const body = Buffer.alloc(c.smallSize, 0x5a);
  switch (c.scenario) {
    case "put-small":
      return () => pool(c.smallCount, c.concurrency, (i) => tool.putBuffer(container, key(i), body));
    case "get-small": {
      await pool(c.smallCount, c.concurrency, (i) => tool.putBuffer(container, key(i), body));
      return () =>
        pool(c.smallCount, c.concurrency, async (i) => {
          const size = await tool.getBuffer(container, key(i));
          if (size !== c.smallSize) throw new Error(`${c.tool}: read ${size} bytes of ${key(i)}`);
        });
    }
    case "put-big":
      return () => tool.putFile(container, "big/upload.bin", c.bigFile);
    case "get-big": {
      await tool.putFile(container, "big/seed.bin", c.bigFile);
      const out = join(c.dir, `download-${process.pid}.bin`);
      return async () => {
        await tool.getFile(container, "big/seed.bin", out);
        await rm(out, { force: true });
      };
    }
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig;
  setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
  const tool = await makeTool(config.tool, config.target);
  const container = `bench-${config.scenario}-${process.pid}`;
  await tool.createContainer(container);
  const pass = await prepare(config, tool, container);
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  say(`ready ${process.memoryUsage().rss}`);
  const lines = createInterface({ input: process.stdin });
  for await (const command of lines) {
    if (command === "warmup") {
      await pass();
      say("done");
    } else if (command === "round") {
      const cpu = process.cpuUsage();
      const start = performance.now();
      await pass();
      const wallMs = performance.now() - start;
      const used = process.cpuUsage(cpu);
      say(`sample ${JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs })}`);
    } else if (command === "end") {
      // maxRSS is in KiB, for the whole life of this process: set-up, warm-up and rounds of one scenario.
      say(`end ${JSON.stringify({ peakRss: process.resourceUsage().maxRSS * 1024 })}`);
      break;
    }
  }
  await tool.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
