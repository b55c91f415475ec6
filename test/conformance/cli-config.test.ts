import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
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
const SECRETS = ["SUPERSECRET-1", "APIKEY-2", "hunter2-3", "SESSION-4", "AKIAEXAMPLE5"];

function cli(args: string[], extra: NodeJS.ProcessEnv = {}): Run {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(OMNICLOUD_|AWS_|XDG_CONFIG_HOME$)/.test(k)),
  );
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...clean, NO_COLOR: "1", XDG_CONFIG_HOME: join(dir, "xdg"), ...extra },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "omnicloud-cli-config-"));
  await mkdir(join(dir, "xdg", "omnicloud"), { recursive: true });
  const port = await closedPort();
  await writeFile(
    join(dir, "xdg", "omnicloud", "config.json"),
    JSON.stringify({
      defaultProfile: "files",
      profiles: {
        files: { service: "storage", provider: "local", options: { root: join(dir, "files") } },
        zones: { service: "dns", provider: "local", options: { root: join(dir, "zones") } },
        broken: {
          service: "storage",
          provider: "s3",
          options: {
            endpoint: `http://user:${SECRETS[2]}@127.0.0.1:${port}`,
            region: "us-east-1",
            credentials: { accessKeyId: SECRETS[4], secretAccessKey: SECRETS[0], sessionToken: SECRETS[3] },
            transport: { retry: false },
          },
        },
        pdns: { provider: "powerdns", options: { url: "http://127.0.0.1:8081", apiKey: SECRETS[1] } },
      },
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectNoSecrets(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe("omnicloud config", () => {
  it("finds the file under XDG_CONFIG_HOME, or at OMNICLOUD_CONFIG", () => {
    expect(cli(["config", "path"]).stdout).toBe(`${join(dir, "xdg", "omnicloud", "config.json")}\n`);
    expect(cli(["config", "path"], { OMNICLOUD_CONFIG: "/etc/oc.json" }).stdout).toBe("/etc/oc.json\n");
  });

  it("lists profiles with every secret masked, as a table and as JSON", () => {
    const table = cli(["config", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^PROFILE\s+SERVICE\s+PROVIDER\s+OPTIONS$/m);
    expect(table.stdout).toMatch(/^files \*\s+storage\s+local/m);
    expect(table.stdout).toMatch(/^pdns\s+dns\s+powerdns/m);
    expect(table.stdout).toContain("[REDACTED]");
    expectNoSecrets(table.stdout + table.stderr);

    const json = cli(["config", "list", "--json"]);
    const rows = JSON.parse(json.stdout) as Array<{ name: string; options: Record<string, unknown> }>;
    expect(rows.map((r) => r.name)).toEqual(["files", "zones", "broken", "pdns"]);
    expect(rows.find((r) => r.name === "broken")?.options).toMatchObject({
      region: "us-east-1",
      credentials: { accessKeyId: "[REDACTED]", secretAccessKey: "[REDACTED]", sessionToken: "[REDACTED]" },
    });
    expectNoSecrets(json.stdout);
  });

  it("checks each profile with one call, prints ok or the error, and exits with the first failure's code", () => {
    const r = cli(["config", "check", "files", "zones", "broken"]);
    expectNoSecrets(r.stdout + r.stderr);
    expect(r.stdout).toMatch(/^files\s+storage\s+local\s+ok\s+listed containers/m);
    expect(r.stdout).toMatch(/^zones\s+dns\s+local\s+ok\s+listed zones/m);
    expect(r.stdout).toMatch(/^broken\s+storage\s+s3\s+error\s+NetworkError: /m);
    expect(r.code).toBe(9);
    const json = JSON.parse(cli(["config", "check", "files", "--json"]).stdout) as Array<{ ok: boolean }>;
    expect(json).toEqual([expect.objectContaining({ profile: "files", ok: true })]);
  });

  it("uses the default profile, and names a missing or unsuitable one in one line (exit 2)", () => {
    // defaultProfile "files" is a storage profile: `storage ls` with no URL lists its containers.
    expect(cli(["storage", "mb", "local://from-default"]).code).toBe(0);
    expect(cli(["storage", "ls"]).stdout).toContain("from-default");
    const missing = cli(["storage", "ls", "--profile", "flies"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no profile "flies" in .*config\.json\. Did you mean "files"\?/);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    const wrong = cli(["dns", "zones"], { OMNICLOUD_PROFILE: "files" });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/profile "files" is for storage, not dns/);
  });

  it("refuses a broken config file in one line", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{ not json");
    const r = cli(["config", "list"], { OMNICLOUD_CONFIG: bad });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/is not valid JSON/);
    await writeFile(bad, JSON.stringify({ profiles: { x: { service: "storage" } } }));
    expect(cli(["config", "list"], { OMNICLOUD_CONFIG: bad }).stderr).toMatch(
      /profile "x" needs a "provider"/,
    );
  });
});
