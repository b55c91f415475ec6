import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3RVER_KEY, type S3rver, startS3rver } from "../support/s3rver.js";

/**
 * The CLI in a real terminal: tmux gives it a pseudo-terminal 120x30, so stderr is a TTY and the progress
 * bar draws, and stdin is a TTY so `dns apply` asks. The pane is read with `tmux capture-pane` while the
 * command runs. Each test uses its own tmux socket and session name, and kills only that session.
 */

const repo = resolve(import.meta.dirname, "../..");
const MAIN = join(repo, "src/cli/main.ts");
const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const socket = `omnicloud-cli-test-${process.pid}`;

/** bytes of total, a rate and an ETA, e.g. `[=====>    ]  42%  21.0 MiB / 50.0 MiB  8.0 MiB/s  ETA 0:03`. */
const PROGRESS =
  /\[[=> ]+\]\s+\d+%\s+[\d.]+ (B|KiB|MiB|GiB) \/ 50\.0 MiB\s+[\d.]+ (B|KiB|MiB|GiB)\/s\s+ETA \d+:\d\d/;

let dir: string;
let server: S3rver | undefined;

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
}

function quote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * Start `omnicloud <args>` in a new detached tmux session; after it ends the pane shows "omnicloud-exit=N"
 * and stays open until the session is killed. `shown` is the command line printed first, for the capture.
 */
function startInTmux(session: string, args: string[], env: Record<string, string>, shown: string): void {
  const vars = Object.entries({
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? dir,
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
    ...env,
  })
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(" ");
  const command = [process.execPath, "--import", "tsx", MAIN, ...args].map(quote).join(" ");
  const script = `printf '%s\\n' ${quote(`$ ${shown}`)}; env -i ${vars} ${command}; echo "omnicloud-exit=$?"; exec sleep 600`;
  tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "-c", repo, "sh", "-c", script);
}

function capture(session: string): string {
  return tmux("capture-pane", "-p", "-t", session);
}

function killSession(session: string): void {
  spawnSync("tmux", ["-L", socket, "kill-session", "-t", session]);
}

/** Poll the pane (bounded: at most `tries` looks, 100 ms apart) until `test` holds; returns that screen. */
async function waitForScreen(
  session: string,
  test: (screen: string) => boolean,
  tries = 1200,
): Promise<string> {
  let screen = "";
  for (let i = 0; i < tries; i++) {
    screen = capture(session);
    if (test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the terminal never showed what was expected; last screen:\n${screen}`);
}

function exitOf(screen: string): number | undefined {
  const m = /omnicloud-exit=(\d+)/.exec(screen);
  return m ? Number(m[1]) : undefined;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "omnicloud-cli-tty-"));
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)("omnicloud in a real terminal (tmux)", () => {
  it("draws a progress bar with bytes, rate and ETA during storage cp, and erases it at the end", async () => {
    server = await startS3rver();
    const env = {
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      AWS_REGION: "us-east-1",
      AWS_CONFIG_FILE: join(dir, "none"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
      XDG_CONFIG_HOME: join(dir, "config"),
    };
    const big = join(dir, "big.bin");
    await writeFile(big, randomBytes(50 * 1024 * 1024));
    const mb = spawnSync(
      process.execPath,
      ["--import", "tsx", MAIN, "storage", "mb", "s3://term", "--endpoint", server.endpoint],
      {
        cwd: repo,
        env: { ...process.env, ...env },
        encoding: "utf8",
      },
    );
    expect(mb.status, mb.stderr).toBe(0);

    const session = `omnicloud-cp-${process.pid}-${randomBytes(3).toString("hex")}`;
    // --limit-rate keeps the 50 MiB copy going for a few seconds, so the bar can be seen mid-way.
    const args = [
      "storage",
      "cp",
      big,
      "s3://term/big.bin",
      "--endpoint",
      server.endpoint,
      "--limit-rate",
      "12M",
    ];
    startInTmux(session, args, env, "omnicloud storage cp ./big.bin s3://term/big.bin --limit-rate 12M");
    try {
      const frame = await waitForScreen(session, (s) => PROGRESS.test(s) || exitOf(s) !== undefined);
      expect(frame).toMatch(PROGRESS);
      const saveTo = process.env.OMNICLOUD_TERMINAL_CAPTURE;
      if (saveTo) await writeFile(saveTo, `${frame.trimEnd()}\n`);

      const end = await waitForScreen(session, (s) => exitOf(s) !== undefined);
      expect(exitOf(end)).toBe(0);
      expect(end).toMatch(/copied .*big\.bin -> s3:\/\/term\/big\.bin\s+50\.0 MiB/);
      // The bar is gone: the finished screen has the result line, no bar.
      expect(end).not.toMatch(/ETA/);
    } finally {
      killSession(session);
    }
  });

  it("asks before dns apply: n changes nothing, y applies", async () => {
    const zones = join(dir, "zones");
    const env = { OMNICLOUD_LOCAL_DNS_ROOT: zones, XDG_CONFIG_HOME: join(dir, "config") };
    const run = (args: string[]): void => {
      const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
        cwd: repo,
        env: { ...process.env, ...env },
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
    };
    run(["dns", "mkzone", "prompt.test"]);
    run(["dns", "add", "prompt.test", "www", "A", "192.0.2.1"]);
    const desired = join(dir, "desired.zone");
    await writeFile(desired, "$ORIGIN prompt.test.\nwww 300 IN A 192.0.2.2\napi 300 IN A 192.0.2.3\n");
    const zoneFile = join(zones, "prompt.test.zone");
    const before = await readFile(zoneFile, "utf8");

    for (const answer of ["n", "y"]) {
      const session = `omnicloud-apply-${answer}-${process.pid}-${randomBytes(3).toString("hex")}`;
      startInTmux(
        session,
        ["dns", "apply", "prompt.test", desired],
        env,
        "omnicloud dns apply prompt.test desired.zone",
      );
      try {
        const asked = await waitForScreen(session, (s) => s.includes("[y/N]") || exitOf(s) !== undefined);
        expect(asked).toContain("Plan for prompt.test. on local: 1 to create, 1 to update, 0 to delete");
        expect(asked).toMatch(/Apply 2 changes to prompt\.test\. on local\? \[y\/N\]/);
        tmux("send-keys", "-t", session, answer, "Enter");
        const end = await waitForScreen(session, (s) => exitOf(s) !== undefined);
        expect(exitOf(end)).toBe(0);
        if (answer === "n") {
          expect(end).toContain("Not applied; nothing changed.");
          expect(await readFile(zoneFile, "utf8")).toBe(before);
        } else {
          expect(end).toContain("Applied to prompt.test.: 1 created, 1 updated, 0 deleted.");
          const after = await readFile(zoneFile, "utf8");
          expect(after).toMatch(/^www\s+300\s+IN\s+A\s+192\.0\.2\.2$/m);
          expect(after).toMatch(/^api\s+300\s+IN\s+A\s+192\.0\.2\.3$/m);
        }
      } finally {
        killSession(session);
      }
    }
  });
});
