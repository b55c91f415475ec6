import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * compute commands on libvirt's test:///default: an in-process hypervisor (no daemon, no root) that every
 * run of the CLI gets fresh, holding one running domain named "test". Skipped where libvirt0 is missing.
 */
const repo = resolve(import.meta.dirname, "../..");
const MAIN = join(repo, "src/cli/main.ts");
const hasLibvirt = [
  "/usr/lib/x86_64-linux-gnu/libvirt.so.0",
  "/usr/lib/aarch64-linux-gnu/libvirt.so.0",
  "/usr/lib64/libvirt.so.0",
].some((p) => existsSync(p));
const TEST = ["--provider", "libvirt", "--endpoint", "test:///default"];

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(OMNICLOUD_|XDG_CONFIG_HOME$)/.test(k)),
  );
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...clean, NO_COLOR: "1", XDG_CONFIG_HOME: "/nonexistent-omnicloud-config" },
    input: "",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!hasLibvirt)("omnicloud compute on libvirt test:///default", () => {
  it("lists nodes, sizes, images and locations", () => {
    const nodes = cli(["compute", "nodes", ...TEST]);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout).toMatch(/^ID\s+NAME\s+STATE/);
    expect(nodes.stdout).toMatch(/\stest\s+running\s/);
    const sizes = JSON.parse(cli(["compute", "sizes", ...TEST, "--json"]).stdout) as Array<{ id: string }>;
    expect(sizes.length).toBeGreaterThan(0);
    expect(
      cli(["compute", "images", ...TEST, "--jsonl"])
        .stdout.trim()
        .split("\n").length,
    ).toBeGreaterThan(0);
    expect(cli(["compute", "locations", ...TEST]).code).toBe(0);
  });

  it("creates, stops, reboots and destroys with --wait, by name", () => {
    const sizes = JSON.parse(cli(["compute", "sizes", ...TEST, "--json"]).stdout) as Array<{ id: string }>;
    const images = JSON.parse(cli(["compute", "images", ...TEST, "--json"]).stdout) as Array<{ id: string }>;
    const created = cli([
      "compute",
      "create",
      "web-1",
      "--size",
      sizes[0]!.id,
      "--image",
      images[0]!.id,
      "--wait",
      ...TEST,
      "--json",
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: "web-1",
      state: "running",
      provider: "libvirt",
    });
    expect(cli(["compute", "stop", "test", "--wait", ...TEST]).stdout).toMatch(
      /^stopped test \(.*\): stopped$/m,
    );
    expect(cli(["compute", "reboot", "test", "--wait", ...TEST]).stdout).toMatch(/: running$/m);
    const refused = cli(["compute", "destroy", "test", ...TEST]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not destroying node test without confirmation.*--yes/);
    expect(cli(["compute", "destroy", "test", "--yes", "--wait", ...TEST]).stdout).toMatch(/: terminated$/m);
  });

  it("answers bad input in one line: unknown node (3), unknown size with the closest (2), no provider (2)", () => {
    const missing = cli(["compute", "start", "nope", ...TEST]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    const size = cli(["compute", "create", "x", "--size", "nan", "--image", "diskless", ...TEST]);
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/Unknown size "nan".*"nano"/);
    const none = cli(["compute", "nodes"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/compute commands need a provider/);
  });
});
