/**
 * One tool in a process of its own, so its CPU time (all threads: `process.cpuUsage()` is the process's
 * rusage) and peak RSS are its own: a process's peak RSS never comes down, so tools sharing one would blur
 * each other's. The parent steers it over stdin, one JSON command per line, so tools can take turns:
 *
 *   (start)                          → "ready {rss}"    once the client is made
 *   {"op":"create",...}              → "ok {}"          make a bucket or container (set-up, unmeasured)
 *   {"op":"puts",...}                → "ok {sample}"    `count` PUTs of `size` bytes, `width` at a time
 *   {"op":"put-file"|"get-file",...} → "ok {sample}"    one large object from or to a file
 *   {"op":"list",...}                → "ok {sample}"    list a container to its end, counting entries
 *   {"op":"end"}                     → "ok {peakRss}"   then it exits
 *
 * A sample is the client's CPU (user + system) and wall time for that command alone. A failed command
 * answers "fail <message>" and the worker goes on. It exits when stdin closes (the parent went away) and
 * after a fixed lifetime at most.
 */
import { randomFillSync } from "node:crypto";
import { createInterface } from "node:readline";
import { getHeapSpaceStatistics } from "node:v8";
import { peakRss } from "./peak-rss.js";
import { makeTool, type StorageTool, type Target } from "./storage-clients.js";

export interface WorkerConfig {
  tool: string;
  target: Target;
}

export type WorkerCommand =
  | { op: "create"; container: string }
  | { op: "puts"; container: string; prefix: string; count: number; width: number; size: number }
  | { op: "put-file" | "get-file"; container: string; key: string; path: string }
  /**
   * `every`: take a memory point each that many entries (0: none); `gc`: force a GC before each;
   * `pageSize`: entries per page, else the tool's default.
   */
  | { op: "list"; container: string; every: number; gc: boolean; pageSize?: number }
  | { op: "end" };

export interface Sample {
  cpuMs: number;
  wallMs: number;
}

/** Live memory at one point of a listing: after a forced GC when asked, so only what is kept counts. */
export interface MemoryPoint {
  entries: number;
  /** V8 heap in use (compiled code left out) plus memory outside it held by JS objects (Buffers). */
  live: number;
  rss: number;
}

export interface ListSample extends Sample {
  count: number;
  memory: MemoryPoint[];
}

const MAX_LIFETIME_MS = 45 * 60_000;

/** Runs `work(i)` for i in 0..count-1, `width` at a time. */
async function pool(count: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) await work(i);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
}

async function measured<T extends object>(work: () => Promise<T>): Promise<T & Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const extra = await work();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ...extra, cpuMs: (used.user + used.system) / 1000, wallMs };
}

/** V8 heap spaces that hold compiled code: they grow as the JIT warms up, whatever the lister keeps. */
const CODE_SPACES = new Set(["code_space", "code_large_object_space"]);

function memoryPoint(entries: number, gc: boolean): MemoryPoint {
  if (gc) (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  let code = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (CODE_SPACES.has(space.space_name)) code += space.space_used_size;
  }
  return { entries, live: m.heapUsed - code + m.external, rss: m.rss };
}

const bodies = new Map<number, Buffer>();

function bodyOf(size: number): Buffer {
  let body = bodies.get(size);
  if (!body) {
    body = randomFillSync(Buffer.alloc(size));
    bodies.set(size, body);
  }
  return body;
}

function need<K extends keyof StorageTool>(tool: StorageTool, method: K): NonNullable<StorageTool[K]> {
  const fn = tool[method];
  if (typeof fn !== "function") throw new Error(`${tool.name} has no ${String(method)} here`);
  return (fn as (...args: unknown[]) => unknown).bind(tool) as NonNullable<StorageTool[K]>;
}

async function run(tool: StorageTool, c: Exclude<WorkerCommand, { op: "end" }>): Promise<object> {
  switch (c.op) {
    case "create":
      await need(tool, "createContainer")(c.container);
      return {};
    case "puts": {
      const body = bodyOf(c.size);
      const key = (i: number): string => `${c.prefix}${String(i).padStart(6, "0")}`;
      return measured(async () => {
        await pool(c.count, c.width, (i) => tool.putBuffer(c.container, key(i), body));
        return {};
      });
    }
    case "put-file":
      return measured(async () => {
        await need(tool, "putFile")(c.container, c.key, c.path);
        return {};
      });
    case "get-file":
      return measured(async () => {
        await need(tool, "getFile")(c.container, c.key, c.path);
        return {};
      });
    case "list": {
      const list = need(tool, "list");
      const memory: MemoryPoint[] = [];
      let count = 0;
      const sample = await measured(async () => {
        if (c.every > 0) memory.push(memoryPoint(0, c.gc));
        await list(
          c.container,
          () => {
            count++;
            if (c.every > 0 && count % c.every === 0) memory.push(memoryPoint(count, c.gc));
          },
          c.pageSize,
        );
        return {};
      });
      return { ...sample, count, memory };
    }
  }
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? "{}") as WorkerConfig;
  setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
  const say = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const tool = await makeTool(config.tool, config.target);
  say(`ready ${JSON.stringify({ rss: process.memoryUsage().rss })}`);
  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line) as WorkerCommand;
    if (command.op === "end") {
      say(`ok ${JSON.stringify({ peakRss: peakRss() })}`);
      break;
    }
    try {
      say(`ok ${JSON.stringify(await run(tool, command))}`);
    } catch (err) {
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      say(`fail ${command.op}: ${text.replace(/\s*\n\s*/g, " | ")}`);
    }
  }
  await tool.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
