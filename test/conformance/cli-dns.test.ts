import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
const MAIN = join(repo, "src/cli/main.ts");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let zones: string;

function cli(args: string[], input?: string): Run {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(OMNICLOUD_|XDG_CONFIG_HOME$)/.test(k)),
  );
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...clean, NO_COLOR: "1", XDG_CONFIG_HOME: join(dir, "config"), OMNICLOUD_LOCAL_DNS_ROOT: zones },
    // A pipe, never a terminal: the way scripts and CI run it.
    input: input ?? "",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneLineError(r: Run, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "omnicloud-cli-dns-"));
  zones = join(dir, "zones");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("omnicloud dns on the local provider", () => {
  it("makes a zone and adds records of several types, read back with filters", () => {
    expect(cli(["dns", "mkzone", "example.com"])).toMatchObject({
      code: 0,
      stdout: "created zone example.com. on local\n",
    });
    const adds: string[][] = [
      ["www", "A", "192.0.2.1"],
      ["www", "AAAA", "2001:db8::1"],
      ["@", "MX", "10", "mail"],
      ["mail", "A", "192.0.2.25"],
      ["@", "TXT", "v=spf1 mx -all"],
      ["_sip._tcp", "srv", "10", "5", "5060", "sip.example.com."],
      ["@", "CAA", "0", "issue", "letsencrypt.org"],
      ["blog", "CNAME", "www"],
    ];
    for (const args of adds) {
      const r = cli(["dns", "add", "example.com", ...args, "--ttl", "600"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    const table = cli(["dns", "records", "example.com"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^NAME\s+TTL\s+TYPE\s+DATA$/);
    expect(table.stdout).toMatch(/_sip\._tcp\s+600\s+SRV\s+10 5 5060 sip\.example\.com\./);
    expect(table.stdout).toMatch(/@\s+600\s+TXT\s+"v=spf1 mx -all"/);

    const mx = cli(["dns", "records", "example.com", "--type", "MX", "--jsonl"]).stdout.trim().split("\n");
    expect(mx.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        type: "MX",
        name: "@",
        ttl: 600,
        data: { preference: 10, exchange: "mail.example.com." },
      }),
    ]);
    const www = JSON.parse(
      cli(["dns", "records", "example.com", "--name", "www", "--json"]).stdout,
    ) as Array<{ type: string }>;
    expect(www.map((r) => r.type).sort()).toEqual(["A", "AAAA"]);
    oneLineError(cli(["dns", "add", "example.com", "www", "A", "192.0.2.1"]), 4, /AlreadyExists/);
    oneLineError(cli(["dns", "add", "example.com", "www", "A", "192.0.2"]), 2, /not an IPv4 address/);
    oneLineError(
      cli(["dns", "add", "example.com", "www", "AA", "192.0.2.9"]),
      2,
      /"AA" is not a record type; did you mean "A"\?/,
    );
  });

  it("removes one record or a whole set", () => {
    expect(cli(["dns", "add", "example.com", "www", "A", "192.0.2.2"]).code).toBe(0);
    expect(cli(["dns", "rm", "example.com", "www", "A", "192.0.2.2"]).stdout).toBe(
      "deleted www.example.com. A 192.0.2.2\n",
    );
    oneLineError(
      cli(["dns", "rm", "example.com", "www", "A", "192.0.2.2"]),
      3,
      /NotFoundError: No A record "192\.0\.2\.2"/,
    );
    expect(cli(["dns", "rm", "example.com", "blog", "CNAME"]).code).toBe(0);
    expect(cli(["dns", "records", "example.com", "--name", "blog", "--json"]).stdout.trim()).toBe("[]");
  });

  it("exports a zone file and imports one into a new zone", async () => {
    const exported = cli(["dns", "export", "example.com"]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^\$ORIGIN example\.com\.$/m);
    expect(exported.stdout).toMatch(/IN SOA /);
    const file = join(dir, "copy.zone");
    await writeFile(file, exported.stdout);
    const imported = cli(["dns", "import", "copy.example", file]);
    // A file of another zone is refused before anything is made: no empty zone is left behind.
    expect(imported.code, imported.stderr).toBe(2);
    expect(imported.stderr).toMatch(/example\.com\. is outside the zone copy\.example\./);
    expect(JSON.parse(cli(["dns", "zones", "--json"]).stdout)).toHaveLength(1);
    const relative = exported.stdout.replace(/^\$ORIGIN .*$/m, "").replace(/^.*IN SOA.*$/m, "");
    await writeFile(file, relative.replaceAll("example.com.", "copy.example."));
    const ok = cli(["dns", "import", "copy.example", file]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("created zone copy.example.");
    expect(cli(["dns", "records", "copy.example", "--type", "MX"]).stdout).toContain("10 mail.copy.example.");
    expect(JSON.parse(cli(["dns", "zones", "--json"]).stdout).map((z: { name: string }) => z.name)).toEqual([
      "copy.example.",
      "example.com.",
    ]);
  });

  it("apply shows the plan and refuses without a terminal unless --yes; --yes applies it once", async () => {
    const desired = join(dir, "desired.zone");
    await writeFile(
      desired,
      [
        "$ORIGIN example.com.",
        "@ 600 IN MX 10 mail",
        "mail 600 IN A 192.0.2.26",
        "api 300 IN A 192.0.2.30",
        "",
      ].join("\n"),
    );
    const before = await readFile(join(zones, "example.com.zone"), "utf8");
    const refused = cli(["dns", "apply", "example.com", desired]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(
      /^Plan for example\.com\. on local: 1 to create, 1 to update, \d+ to delete/,
    );
    expect(refused.stdout).toContain("+ api.example.com. 300 IN A 192.0.2.30");
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/without confirmation.*--yes/);
    expect(await readFile(join(zones, "example.com.zone"), "utf8")).toBe(before);

    const dry = JSON.parse(cli(["dns", "apply", "example.com", desired, "--dry-run", "--json"]).stdout) as {
      applied: boolean;
      summary: { create: number };
    };
    expect(dry).toMatchObject({ applied: false, summary: { create: 1 } });

    const applied = cli(["dns", "apply", "example.com", desired, "--yes"]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Applied to example\.com\.: 1 created, 1 updated, \d+ deleted\./);
    const records = JSON.parse(cli(["dns", "records", "example.com", "--json"]).stdout) as Array<{
      name: string;
      type: string;
    }>;
    expect(records.map((r) => `${r.name} ${r.type}`).sort()).toEqual([
      "@ MX",
      "@ NS",
      "@ SOA",
      "api A",
      "mail A",
    ]);
    const again = cli(["dns", "apply", "example.com", desired]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("(no changes)");
  });

  it("answers not found (3) and usage (2) errors in one line", () => {
    oneLineError(cli(["dns", "export", "nowhere.example"]), 3, /NotFoundError/);
    oneLineError(
      cli(["dns", "apply", "nowhere.example", join(dir, "desired.zone"), "--yes"]),
      3,
      /does not exist/,
    );
    oneLineError(cli(["dns", "records"]), 2, /too few arguments; usage: omnicloud dns records/);
    oneLineError(cli(["dns", "zone"]), 2, /unknown dns verb "zone"; did you mean "zones"\?/);
    oneLineError(
      cli(["dns", "zones", "--provider", "powerdsn"]),
      2,
      /Unknown dns provider "powerdsn"\. Did you mean "powerdns"\?/,
    );
    oneLineError(cli(["dns", "rmzone", "copy.example"]), 2, /not deleting zone copy\.example\..*--yes/);
    expect(cli(["dns", "rmzone", "copy.example", "--yes"]).code).toBe(0);
  });
});
