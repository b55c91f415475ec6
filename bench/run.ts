/**
 * `npm run bench` — builds (`npm run build`), then runs every suite against the compiled dist/.
 *
 *   npm run bench                      all suites
 *   npm run bench -- transport         one suite (or: coldstart, storage)
 *   npm run bench -- storage --scenario W1
 *                                      one storage workload (W1 small PUTs, W2 512 MiB file, W3 listing,
 *                                      W4 cold start); --client omnicloud (repeatable) keeps only those tools
 *   npm run bench -- storage --scenario W1 --client omnicloud --cpu-prof-dir /tmp/prof
 *                                      each storage tool worker under node --cpu-prof, profiles in that folder
 *   npm run bench -- --quick           tiny fixed counts, for the smoke test; the numbers mean little
 *   npm run bench -- --no-build        measure dist/ as it is
 *   node --cpu-prof --import tsx bench/run.ts transport --no-build --client omnicloud --scenario PUT
 *                                      one client and scenario, under the profiler
 *   npm run bench -- transport --dist /tmp/old/dist
 *                                      omnicloud's Transport from another build (e.g. before a change)
 *
 * A build that reports type errors still emits dist/; the bench says so and measures it (type errors are
 * the typecheck's business, and an unfinished file elsewhere should not stop a measurement).
 *
 * It prints tables and ratios, with each goal and whether this run met it, as information. It never fails
 * on a timing; it fails only if a request or a process goes wrong.
 */

import { spawnSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { runColdstartBench } from "./coldstart.js";
import { ROOT, staleBuildFiles } from "./dist.js";
import { suiteHeading } from "./report.js";
import { runStorageBench } from "./storage.js";
import { runTransportBench } from "./transport.js";

interface RunOptions {
  quick: boolean;
  clients: string[];
  scenarios: string[];
  dist: string | undefined;
  cpuProfDir: string | undefined;
}

const SUITES: Record<string, (options: RunOptions) => Promise<void>> = {
  transport: (o) =>
    runTransportBench({ quick: o.quick, clients: o.clients, scenarios: o.scenarios, dist: o.dist }),
  coldstart: (o) => runColdstartBench({ quick: o.quick }),
  storage: (o) =>
    runStorageBench({ quick: o.quick, scenarios: o.scenarios, tools: o.clients, cpuProfDir: o.cpuProfDir }),
};

const BUILD_TIMEOUT_MS = 300_000;

/** `npm run build`; its errors are printed (first lines) but do not stop the bench if dist/ was emitted. */
function build(): void {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["run", "--silent", "build"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: BUILD_TIMEOUT_MS,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const lines = `${result.stdout}${result.stderr}`.trim().split("\n");
    console.log(
      `WARNING: \`npm run build\` exited with ${result.status}; dist/ as emitted is measured. First lines:`,
    );
    for (const line of lines.slice(0, 10)) console.log(`  ${line}`);
  }
}

function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
      client: { type: "string", multiple: true },
      scenario: { type: "string", multiple: true },
      dist: { type: "string" },
      "cpu-prof-dir": { type: "string" },
    },
  });
  const unknown = positionals.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    throw new Error(`unknown suite ${unknown.join(", ")}; known: ${Object.keys(SUITES).join(", ")}`);
  }
  const suites = positionals.length > 0 ? positionals : Object.keys(SUITES);
  const options: RunOptions = {
    quick: values.quick ?? false,
    clients: values.client ?? [],
    scenarios: values.scenario ?? [],
    dist: values.dist,
    cpuProfDir: values["cpu-prof-dir"],
  };

  console.log(
    `omnicloud bench${options.quick ? " (--quick: tiny counts, numbers not meaningful)" : ""}: ` +
      `node ${process.versions.node}, ${availableParallelism()} CPU(s), load average ${load()}`,
  );
  console.log("Measures the built dist/. Other busy processes on this machine make the numbers noisy.");
  if (!values["no-build"]) build();
  const stale = staleBuildFiles();
  if (stale.length > 0) {
    console.log(
      `WARNING: dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(", ")}…);`,
    );
    console.log("they are not measured (a file that failed to compile, or one written since the build).");
  }

  for (const name of suites) {
    console.log(suiteHeading(name));
    await SUITES[name]!(options);
  }
  console.log(`\nload average at the end: ${load()}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
