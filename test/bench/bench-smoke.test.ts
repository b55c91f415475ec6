import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Smoke test of `npm run bench -- --quick`: it builds, runs every suite with tiny fixed counts, and prints
 * each suite's ratio lines. It checks the shape of the report only, never a timing: the numbers of a quick
 * run on a shared machine mean nothing.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const RUN_TIMEOUT_MS = 240_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: readonly string[]): Promise<Run> {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  return new Promise((resolve) => {
    execFile(
      npm,
      ["run", "--silent", "bench", "--", ...args],
      { cwd: ROOT, timeout: RUN_TIMEOUT_MS, maxBuffer: 8 * 1024 * 1024, killSignal: "SIGKILL" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** The report split into its suites, by the "## name" headings. */
function sections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = stdout.split(/^## (\S+)\s*$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) out.set(parts[i]!, parts[i + 1]!);
  return out;
}

/** A ratio line: "ratio  <label>  <metric>  1.23x  <goal or information>". */
const RATIO = /^ratio {2}.+ \d+\.\d{2}x {3}(goal ≤ [\d.]+x: (met|NOT met)|\(no goal, information only\))$/;

function ratioLines(text: string): string[] {
  return text.split("\n").filter((line) => line.startsWith("ratio "));
}

describe("npm run bench -- --quick", () => {
  it("runs every suite and prints its ratios, with the goals as information", async () => {
    const run = await runBench(["--quick"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);

    const bySuite = sections(run.stdout);
    expect([...bySuite.keys()]).toEqual(["transport", "coldstart", "storage"]);

    const transport = ratioLines(bySuite.get("transport")!);
    for (const line of transport) expect(line).toMatch(RATIO);
    for (const scenario of ["PUT", "GET"]) {
      expect(
        transport.some((l) => l.includes(`${scenario} omnicloud / node:http`) && l.includes("CPU/req")),
      ).toBe(true);
      expect(
        transport.some((l) => l.includes(`${scenario} omnicloud / fetch`) && l.includes("CPU/req")),
      ).toBe(true);
    }
    // The goal is printed next to the PUT ratio against bare node:http.
    expect(transport.find((l) => l.includes("PUT omnicloud / node:http") && l.includes("CPU/req"))).toMatch(
      /goal ≤ 1\.3x: (met|NOT met)$/,
    );

    const coldstart = ratioLines(bySuite.get("coldstart")!);
    expect(coldstart.length).toBeGreaterThan(0);
    for (const line of coldstart) expect(line).toMatch(RATIO);
    expect(coldstart.some((l) => l.includes("import 'omnicloud' / node -e ''"))).toBe(true);
    expect(coldstart.find((l) => l.includes("import 'omnicloud'"))).toMatch(/goal ≤ 1\.5x: (met|NOT met)$/);

    // Storage: the four workloads, each comparing omnicloud with the other tools (opendal only where
    // its native binary loads), and a closing summary of the goals.
    const storageText = bySuite.get("storage")!;
    const storage = ratioLines(storageText);
    for (const line of storage) expect(line).toMatch(RATIO);
    const has = (label: string, metric: string): string | undefined =>
      storage.find((l) => l.includes(label) && new RegExp(`\\s${metric}\\s`).test(l));
    // W1 on the S3 sink carries the CPU goals, against the AWS SDK and the signed node:http baseline.
    for (const pass of ["seq", "x16"]) {
      expect(has(`W1 sink ${pass} omnicloud / @aws-sdk/client-s3`, "CPU")).toMatch(
        /goal ≤ 0\.25x: (met|NOT met)$/,
      );
      expect(has(`W1 sink ${pass} omnicloud / node:http+sigv4`, "CPU")).toMatch(
        /goal ≤ 1\.3x: (met|NOT met)$/,
      );
      expect(has(`W1 sink ${pass} omnicloud / node:http `, "CPU")).toMatch(/information only\)$/);
      expect(has(`W1 azurite ${pass} omnicloud / @azure/storage-blob`, "CPU")).toBeDefined();
    }
    // W2: the wall-time goal against the fastest peer and the peak RSS goal, both directions, both servers.
    for (const server of ["sink", "azurite"]) {
      for (const direction of ["upload", "download"]) {
        expect(has(`W2 ${server} ${direction} omnicloud / fastest peer`, "wall")).toMatch(
          /goal ≤ 1\.2x: (met|NOT met)$/,
        );
        expect(storageText).toMatch(
          new RegExp(
            `^goal {3}W2 ${server} ${direction} omnicloud peak RSS .* goal ≤ 100 MB: (met|NOT met)$`,
            "m",
          ),
        );
      }
    }
    // W3 lists on the real servers; W4 compares cold starts.
    expect(has("W3 s3rver omnicloud / @aws-sdk/client-s3", "CPU")).toBeDefined();
    expect(has("W3 azurite omnicloud / @azure/storage-blob", "CPU")).toBeDefined();
    expect(storageText).toMatch(
      /^goal {3}W3 s3rver omnicloud memory flat while listing: .*: (met|NOT met)$/m,
    );
    expect(storageText).toMatch(
      /^goal {3}W3 azurite omnicloud memory flat while listing: .*: (met|NOT met)$/m,
    );
    for (const metric of ["wall", "CPU"]) {
      expect(has("W4 omnicloud s3 / @aws-sdk/client-s3", metric)).toBeDefined();
      expect(has("W4 omnicloud azure-blob / @azure/storage-blob", metric)).toBeDefined();
    }
    expect(storageText).toMatch(/^### Summary/m);
    expect(storageText).toMatch(/^\d+ of \d+ goals met\.$/m);
  });

  it("runs only the suite it is asked for", async () => {
    const run = await runBench(["coldstart", "--quick"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect([...sections(run.stdout).keys()]).toEqual(["coldstart"]);
  });

  it("runs one storage workload when asked", async () => {
    const run = await runBench(["storage", "--quick", "--no-build", "--scenario", "W1"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const storage = ratioLines(sections(run.stdout).get("storage") ?? "");
    expect(storage.length).toBeGreaterThanOrEqual(8);
    expect(storage.every((l) => /^ratio {2}W1 (sink|azurite) (seq|x16) /.test(l))).toBe(true);
  });
});
