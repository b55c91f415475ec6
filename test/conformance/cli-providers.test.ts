import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(repo, "src/cli/main.ts"), ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("omnicloud providers, help and completion", () => {
  it("lists providers with what each supports, filtered by service", () => {
    const table = cli(["providers", "--service", "storage"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^SERVICE\s+PROVIDER\s+DESCRIPTION\s+SUPPORTS$/);
    expect(table.stdout).toMatch(/^storage\s+s3\s+Amazon S3\s+multipart, server-side-copy/m);
    expect(table.stdout).not.toMatch(/^dns /m);
    const rows = JSON.parse(cli(["providers", "dns", "--json"]).stdout) as Array<{
      service: string;
      name: string;
    }>;
    expect(new Set(rows.map((r) => r.service))).toEqual(new Set(["dns"]));
    const bad = cli(["providers", "--service", "storag"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown service "storag"; did you mean "storage"\?/);
  });

  it("prints help for the CLI, a service and a verb", () => {
    const main = cli(["--help"]).stdout;
    for (const group of ["storage", "dns", "compute", "config", "providers", "completion", "demo"]) {
      expect(main).toMatch(new RegExp(`^  ${group}\\s`, "m"));
    }
    const storage = cli(["storage", "--help"]);
    expect(storage.code).toBe(0);
    for (const verb of ["ls", "mb", "rb", "put", "get", "cp", "rm", "stat", "sign"]) {
      expect(storage.stdout).toMatch(new RegExp(`^  ${verb}\\s`, "m"));
    }
    expect(storage.stdout).toContain("local://container/key");
    const cp = cli(["storage", "cp", "--help"]).stdout;
    expect(cp).toMatch(/^Usage: omnicloud storage cp <src> <dst> \[options\]$/m);
    expect(cp).toContain("--limit-rate RATE");
    expect(cli(["dns", "apply", "-h"]).stdout).toContain("--yes");
  });

  it("prints completion scripts, and suggests the shell on a typo", () => {
    expect(cli(["completion", "bash"]).stdout).toContain("complete -o default -F _omnicloud omnicloud");
    expect(cli(["completion", "zsh"]).stdout).toMatch(/^#compdef omnicloud/);
    expect(cli(["completion", "fish"]).stdout).toContain("complete -c omnicloud");
    const bad = cli(["completion", "fishh"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/did you mean "fish"\?/);
  });
});
