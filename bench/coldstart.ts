/**
 * Cold-start bench: the wall time of a whole `node` process that loads omnicloud, next to one that loads
 * nothing. Each run is a fresh process, spawned and waited for to its exit; the variants are interleaved
 * (rotating order each iteration) so drift in machine load falls on all of them alike.
 *
 * The package is imported by its own name, `omnicloud`, which resolves through package.json "exports" to
 * the built dist/, exactly as a user's `import "omnicloud"` would.
 */

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distPath, ROOT } from "./dist.js";
import { fixed, maxOf, median, minOf, ratioLine, table } from "./report.js";

/** The goal: a process importing omnicloud starts at most this much slower than bare `node`. */
export const COLDSTART_GOAL = 1.5;

export interface ColdstartBenchOptions {
  quick: boolean;
}

interface Variant {
  readonly name: string;
  /** Arguments to `node`. */
  readonly args: readonly string[];
  /** Files under dist/ the variant loads; it is skipped, saying why, while one is missing. */
  readonly needs?: readonly string[];
  readonly goal?: number;
}

/** A process that runs `code` as an ES module (imports resolve from the repository root). */
function esm(name: string, code: string, needs?: readonly string[], goal?: number): Variant {
  return { name, args: ["--input-type=module", "-e", code], needs, goal };
}

const LOCAL_ROOT = JSON.stringify(join(tmpdir(), "omnicloud-bench-coldstart"));

const BASELINE: Variant = { name: "node -e ''", args: ["-e", ""] };

/** What is measured against the baseline. Adding a variant is one `esm(name, code, needs, goal)` entry. */
const VARIANTS: readonly Variant[] = [
  esm("node ESM -e '' (loader only)", ""),
  // The heaviest built-ins the root entry pulls in (through storage/): their share of the import's cost.
  esm("import node:crypto + node:stream only", `import "node:crypto"; import "node:stream";`),
  esm("import 'omnicloud'", `import "omnicloud";`, ["index.js"], COLDSTART_GOAL),
  esm("import dist/core/transport", `import "./dist/core/transport/transport.js";`, [
    "core/transport/transport.js",
  ]),
  esm(
    "import 'omnicloud' + open local storage",
    // Opening touches no disk: the root need not exist.
    `import { openStorage } from "omnicloud"; const s = await openStorage("local", { root: ${LOCAL_ROOT} }); await s.close();`,
    ["index.js", "providers/local/storage.js"],
    COLDSTART_GOAL,
  ),
];

const FULL = { runs: 20, warmup: 2 };
const QUICK = { runs: 3, warmup: 1 };
const RUN_TIMEOUT_MS = 30_000;

/** The environment for each child: ours without NODE_OPTIONS, so no preload (tsx, a debugger) is counted. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/** Spawn one process and wait for its exit; milliseconds from spawn to exit. */
function timeOnce(variant: Variant, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, variant.args, {
      cwd: ROOT,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      if (stderr.length < 4_000) stderr += text;
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, RUN_TIMEOUT_MS);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      if (code === 0) resolve(ms);
      else reject(new Error(`${variant.name} exited with code ${code} signal ${signal}:\n${stderr.trim()}`));
    });
  });
}

export async function runColdstartBench(options: ColdstartBenchOptions): Promise<void> {
  const counts = options.quick ? QUICK : FULL;
  const env = childEnv();
  const ready: Variant[] = [BASELINE];
  const skipped: string[] = [];
  for (const variant of VARIANTS) {
    const missing = (variant.needs ?? []).filter((file) => !existsSync(distPath(file)));
    if (missing.length === 0) ready.push(variant);
    else skipped.push(`${variant.name}: skipped, dist/${missing.join(", dist/")} not built (no source yet?)`);
  }

  const times = new Map<Variant, number[]>(ready.map((v) => [v, []]));
  for (let i = 0; i < counts.warmup + counts.runs; i++) {
    for (let j = 0; j < ready.length; j++) {
      const variant = ready[(i + j) % ready.length]!;
      const ms = await timeOnce(variant, env);
      if (i >= counts.warmup) times.get(variant)!.push(ms);
    }
  }

  console.log(
    `\n${counts.runs} runs of each process, interleaved, after ${counts.warmup} warm-up run(s) each; ` +
      `wall ms from spawn to exit, median shown.\n`,
  );
  const base = median(times.get(BASELINE)!);
  console.log(
    table(
      ["process", "median ms", "min", "max", "vs node -e ''"],
      ready.map((v) => {
        const t = times.get(v)!;
        return [
          v.name,
          fixed(median(t)),
          fixed(minOf(t)),
          fixed(maxOf(t)),
          `${(median(t) / base).toFixed(2)}x`,
        ];
      }),
    ),
  );
  console.log();
  for (const variant of ready) {
    if (variant === BASELINE) continue;
    console.log(
      ratioLine(`${variant.name} / node -e ''`, "wall", median(times.get(variant)!) / base, variant.goal),
    );
  }
  for (const line of skipped) console.log(line);
}
