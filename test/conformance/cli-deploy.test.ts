import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePublicKey } from "../../src/deploy/index.js";
import { type KeyFiles, makeKey, type Sshd, startSshdOrSkip } from "../support/sshd.js";

/** `omnicloud deploy run` as a subprocess against a real OpenSSH sshd on 127.0.0.1 (test/support/sshd.ts). */
const repo = resolve(import.meta.dirname, "../..");
const MAIN = join(repo, "src/cli/main.ts");
const sshd = await startSshdOrSkip();

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(OMNICLOUD_|XDG_CONFIG_HOME$|SSH_AUTH_SOCK$)/.test(k)),
  );
  // Async, not spawnSync: sshd is this process's child and must keep being served meanwhile.
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      cwd: repo,
      env: { ...clean, NO_COLOR: "1", XDG_CONFIG_HOME: "/nonexistent-omnicloud-config" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe.skipIf(!sshd)("omnicloud deploy run against OpenSSH sshd", () => {
  const s = sshd as Sshd;
  let work: string;
  let user: KeyFiles;
  let knownHosts: string;
  let base: string[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "omnicloud-cli-deploy-"));
    user = await makeKey(work, "user_ed25519", { passphrase: "correct horse battery" });
    await s.authorize(user.pub);
    knownHosts = join(work, "known_hosts");
    await writeFile(knownHosts, `${s.knownHostsLine()}\n`);
    base = [
      "deploy",
      "run",
      `${s.host}:${s.port}`,
      "--user",
      s.user,
      "--key",
      user.path,
      "--passphrase-env",
      "DEPLOY_TEST_PASSPHRASE",
    ];
  });

  afterAll(async () => {
    await s.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** The key's passphrase reaches the CLI through the environment, never on the command line. */
  process.env.DEPLOY_TEST_PASSPHRASE = "correct horse battery";

  it("uploads a file with its mode and runs commands in order, as a table and as --json", async () => {
    const local = join(work, "app.conf");
    await writeFile(local, "port = 8080\n");
    const remote = join(s.stateDir, "files", "etc", "app.conf");
    const marker = join(s.stateDir, "order.txt");
    const r = await cli([
      ...base,
      "--known-hosts",
      knownHosts,
      "--run",
      `echo first > ${marker}`,
      "--upload",
      `${local}:${remote}:640`,
      "--run",
      `cat ${remote} >> ${marker}; echo to-stderr >&2`,
      "--stream",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^STEP\s+EXIT\s+DURATION\s+RESULT$/m);
    expect(r.stdout).toMatch(/^run echo first .*\s0\s+\d+ ms/m);
    expect(r.stdout).toMatch(/upload app\.conf to .*app\.conf\s+-\s+.*12 B, mode 0640/);
    expect(r.stdout).toMatch(/deployed 3 step\(s\) to .*verified by known_hosts/);
    expect(r.stderr).toContain("to-stderr");
    expect(r.stdout + r.stderr).not.toContain("correct horse battery");
    expect((await stat(remote)).mode & 0o777).toBe(0o640);
    expect(await readFile(remote, "utf8")).toBe("port = 8080\n");
    expect(await readFile(marker, "utf8")).toBe("first\nport = 8080\n");

    const fingerprint = parsePublicKey(s.hostKeys.ed25519.pub).fingerprint;
    const j = await cli([...base, "--fingerprint", fingerprint, "--run", "echo hi", "--json"]);
    expect(j.code, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout) as { steps: Array<{ step: string; exitCode: number; stdout: string }> };
    expect(doc.steps).toEqual([
      expect.objectContaining({ step: "run echo hi", exitCode: 0, stdout: "hi\n" }),
    ]);
  });

  it("refuses a wrong --fingerprint with the auth exit code and one line", async () => {
    const other = await makeKey(work, "other_ed25519");
    const wrong = parsePublicKey(other.pub).fingerprint;
    const marker = join(s.stateDir, "never.txt");
    const r = await cli([...base, "--fingerprint", wrong, "--run", `touch ${marker}`]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/Host key mismatch/);
    expect(r.stderr).toContain(wrong);
    expect(existsSync(marker)).toBe(false);
  });

  it("stops at a failing --run, naming the step, its exit code and stderr", async () => {
    const after = join(s.stateDir, "after.txt");
    const r = await cli([
      ...base,
      "--known-hosts",
      knownHosts,
      "--run",
      "echo ok",
      "--run",
      "echo broken-thing >&2; exit 3",
      "--run",
      `touch ${after}`,
    ]);
    expect(r.code).toBe(11);
    const lines = r.stderr.trim().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/Step "run echo broken-thing >&2; exit 3" exited with code 3.*broken-thing/);
    expect(existsSync(after)).toBe(false);
  });

  it("warns about --insecure-accept-any-host-key and refuses usage mistakes with exit 2", async () => {
    const r = await cli([...base, "--insecure-accept-any-host-key", "--run", "true"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --insecure-accept-any-host-key: .* NOT verified/);
    expect(r.stdout).toMatch(/NOT verified/);
    const both = await cli([
      ...base,
      "--insecure-accept-any-host-key",
      "--fingerprint",
      "SHA256:x",
      "--run",
      "true",
    ]);
    expect(both.code).toBe(2);
    const none = await cli([...base, "--known-hosts", knownHosts]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/at least one step/);
  });
});
