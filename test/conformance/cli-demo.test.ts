import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDns } from "../../src/dns/open.js";

const repo = resolve(import.meta.dirname, "../..");
// The demo's compute part runs where libvirt's client library is installed (CI installs it).
const hasLibvirt = [
  "/usr/lib/x86_64-linux-gnu/libvirt.so.0",
  "/usr/lib/libvirt.so.0",
  "/usr/lib64/libvirt.so.0",
].some((p) => existsSync(p));
let dir: string;

function demo(root: string, ...extra: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(repo, "src/cli/main.ts"), "demo", "--root", root, ...extra],
    {
      cwd: repo,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "omnicloud-cli-demo-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("omnicloud demo: the DNS part", () => {
  it("makes a zone, exports it, shows and applies a plan, and leaves the zone files to inspect", async () => {
    const root = join(dir, "demo");
    const r = demo(root);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("created zone demo.omnicloud.test.");
    for (const type of ["A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA"]) {
      expect(r.stdout).toMatch(new RegExp(`added \\S+ ${type} `));
    }
    expect(r.stdout).toContain(
      "Plan for demo.omnicloud.test. on local: 1 to create, 2 to update, 3 to delete",
    );
    expect(r.stdout).toContain("applied: 1 created, 2 updated, 3 deleted; planning again: no changes");

    const exported = await readFile(join(root, "dns", "exported.zone"), "utf8");
    expect(exported).toMatch(/^\$ORIGIN demo\.omnicloud\.test\.$/m);
    expect(exported).toMatch(/^_sip\._tcp\s+\d+\s+IN\s+SRV\s+10 5 5060 sip\.demo\.omnicloud\.test\.$/m);
    expect(existsSync(join(root, "dns", "zones", "demo.omnicloud.test.zone"))).toBe(true);
    expect(await readFile(join(root, "dns", "plan.txt"), "utf8")).toContain(
      "+ api.demo.omnicloud.test. 300 IN A 192.0.2.20",
    );

    // The zone on disk is what the desired file says, read back through the provider.
    const dns = await openDns("local", { root: join(root, "dns", "zones") });
    const names: string[] = [];
    for await (const record of dns.listRecords("demo.omnicloud.test."))
      names.push(`${record.name} ${record.type}`);
    expect(names.sort()).toEqual([
      "@ CAA",
      "@ MX",
      "@ NS",
      "@ SOA",
      "@ TXT",
      "api A",
      "mail A",
      "www A",
      "www AAAA",
    ]);

    const report = JSON.parse(await readFile(join(root, "demo-report.json"), "utf8")) as Record<
      string,
      Record<string, unknown>
    >;
    expect(report.dns).toMatchObject({ zone: "demo.omnicloud.test.", appliedTwiceIsNoop: true });
    if (hasLibvirt) {
      expect(report.compute).toMatchObject({
        uri: "test:///default",
        lifecycle: ["running", "stopped", "destroyed"],
      });
      expect(existsSync(join(root, "compute-nodes.json"))).toBe(true);
    } else {
      expect(report.compute).toHaveProperty("skipped");
    }

    // A second run starts the zone afresh and says the same.
    const again = demo(root, "--json");
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout.trim())).toMatchObject({
      dns: { plan: { create: 1, update: 2, delete: 3 } },
    });
  });
});
