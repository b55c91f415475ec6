/**
 * The remote script wrapper, run here with the local /bin/sh: the same POSIX sh the servers have, so
 * quoting, arguments, environment, working directory, cleanup and the timeout are checked for real.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { interpreterOf, scriptWrapper } from "../../src/deploy/steps/script-command.js";
import { exportLine, shQuote } from "../../src/deploy/steps/shell-quote.js";

function sh(
  args: string[],
  stdin = "",
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    // A command that never reads stdin may exit before we finish writing it.
    child.stdin.on("error", () => undefined);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const TRICKY = [
  "",
  "plain",
  "two words",
  "it's",
  `"double"`,
  "$HOME `id` $(id) \\ !",
  "new\nline",
  "*",
  "-n",
];

describe("shell quoting", () => {
  it("turns any string into one word that stands for exactly it", async () => {
    for (const value of TRICKY) {
      const { stdout } = await sh(["-c", `printf '%s' ${shQuote(value)}`]);
      expect(stdout).toBe(value);
    }
  });

  it("refuses NUL and bad variable names", () => {
    expect(() => shQuote("a\0b")).toThrow(InvalidInputError);
    expect(() => exportLine({ "BAD-NAME": "x" })).toThrow(InvalidInputError);
    expect(() => exportLine({ "1X": "x" })).toThrow(InvalidInputError);
    expect(exportLine({})).toBe("");
  });
});

describe("interpreter from the #! line", () => {
  it("reads program and one optional argument, as the kernel does", () => {
    expect(interpreterOf("echo hi")).toEqual(["/bin/sh"]);
    expect(interpreterOf("#!/bin/bash\necho")).toEqual(["/bin/bash"]);
    expect(interpreterOf("#!/usr/bin/env python3\nprint(1)")).toEqual(["/usr/bin/env", "python3"]);
    expect(interpreterOf("#! /bin/sh -e -x \n")).toEqual(["/bin/sh", "-e -x"]);
    expect(interpreterOf("#!\n")).toEqual(["/bin/sh"]);
  });
});

describe("the script wrapper under /bin/sh", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "omnicloud-wrapper-"));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, TMPDIR: tmp });

  it("passes arguments, environment and working directory unchanged, and removes its temp dir", async () => {
    const wrapper = scriptWrapper({
      interpreter: ["/bin/sh"],
      args: TRICKY,
      cwd: "/",
      env: { A: TRICKY[5]!, B: "it's" },
      timeoutMs: 30_000,
    });
    const script = [
      'for a in "$@"; do printf "[%s]" "$a"; done; echo',
      'printf "%s|%s|%s\\n" "$A" "$B" "$(pwd)"',
      'printf "%s\\n" "$0"',
    ].join("\n");
    const r = await sh(["-c", wrapper], script, env());
    expect(r.code).toBe(0);
    const lines = r.stdout.slice(0, -1).split("\n");
    const path = lines.pop()!;
    const vars = lines.pop()!;
    expect(lines.join("\n")).toBe(TRICKY.map((a) => `[${a}]`).join(""));
    expect(vars).toBe(`${TRICKY[5]}|it's|/`);
    expect(path.startsWith(join(tmp, "omnicloud-step."))).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it("gives the script /dev/null as stdin, so reading stdin cannot swallow the script", async () => {
    const r = await sh(
      ["-c", scriptWrapper({ interpreter: ["/bin/sh"], args: [] })],
      'read x\necho "got:$x"\necho after\n',
      env(),
    );
    expect(r.stdout).toBe("got:\nafter\n");
  });

  it("passes the exit code through and fails with 125 when cwd is missing", async () => {
    const r = await sh(["-c", scriptWrapper({ interpreter: ["/bin/sh"], args: [] })], "exit 42", env());
    expect(r.code).toBe(42);
    const missing = await sh(
      ["-c", scriptWrapper({ interpreter: ["/bin/sh"], args: [], cwd: join(tmp, "nope") })],
      "true",
      env(),
    );
    expect(missing.code).toBe(125);
  });

  it("kills the script and its children at the timeout, and still cleans up", async () => {
    const pidFile = join(tmp, "child.pid");
    const wrapper = scriptWrapper({ interpreter: ["/bin/sh"], args: [], timeoutMs: 300 });
    const r = await sh(["-c", wrapper], `sleep 60 &\necho $! > ${pidFile}\nwait\n`, env());
    expect(r.code).toBe(137);
    const { stdout } = await sh([
      "-c",
      `p=$(cat ${pidFile}); for i in $(seq 1 50); do if [ -e /proc/$p ] && ! grep -q '^State:[[:space:]]*Z' /proc/$p/status; then sleep 0.1; else echo gone; exit; fi; done; echo alive`,
    ]);
    expect(stdout).toBe("gone\n");
  });
});
