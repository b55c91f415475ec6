import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/version.js";

const repo = resolve(import.meta.dirname, "../..");

/** Run the CLI from source as a real subprocess, the way a user's shell would. */
function cli(args: string[], cwd = repo): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(repo, "src/cli/main.ts"), ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("omnicloud command line", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omnicloud-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints its version and help", () => {
    expect(cli(["--version"])).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    const help = cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: omnicloud");
    expect(help.stdout).toContain("Exit codes");
  });

  it("suggests the closest command and exits 2 on a typo", () => {
    const r = cli(["provders"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('did you mean "providers"');
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("exits 2 with one line on a bad option", () => {
    const r = cli(["demo", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("lists providers as JSON", () => {
    const r = cli(["providers", "--json"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ service: string; name: string; local: boolean }>;
    expect(rows).toContainEqual(expect.objectContaining({ service: "storage", name: "local", local: true }));
  });

  it("runs the main job on the local providers and leaves inspectable results", async () => {
    const root = join(dir, "demo");
    const r = cli(["demo", "--root", root]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("md5 verified");
    expect(existsSync(join(root, "storage", "site", "index.html"))).toBe(true);
    const report = JSON.parse(await readFile(join(root, "demo-report.json"), "utf8")) as {
      storage: { downloadVerified: boolean };
    };
    expect(report.storage.downloadVerified).toBe(true);
    // A second run reuses what is there.
    expect(cli(["demo", "--root", root]).code).toBe(0);
  });
});
