/**
 * A child process the bench steers one line at a time: the storage workers and the S3 sink. The child
 * reads commands on stdin and answers on stdout, one line each, whose first word says what it is. It is
 * stopped by its own PID (never by name), and closing its stdin makes it exit too, so a bench that dies
 * leaves nothing behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { ROOT } from "./dist.js";

export interface LineChild {
  readonly name: string;
  readonly pid: number;
  /** The rest of the next line, which must start with `word` (a child's "fail <message>" rejects). */
  expect(word: string, timeoutMs?: number): Promise<string>;
  /** Send one line, then wait for the answer starting with `word`. */
  ask(line: string, word: string, timeoutMs?: number): Promise<string>;
  /**
   * Close stdin and give the child a moment to exit by itself (so a --cpu-prof profile gets written), then
   * SIGTERM its PID, SIGKILL after a grace period; resolves once it has exited.
   */
  stop(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 600_000;
const EXIT_GRACE_MS = 3_000;
const STOP_GRACE_MS = 5_000;

/** SIGTERM `pid`, SIGKILL after `graceMs`; resolves when `exited` does. By PID only, never by name. */
export async function killByPid(pid: number, exited: Promise<unknown>, graceMs: number): Promise<void> {
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export function spawnLineChild(name: string, args: readonly string[], env?: NodeJS.ProcessEnv): LineChild {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    ...(env ? { env } : {}),
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name}`);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (stderr.length < 16_384) stderr += chunk.toString("utf8");
  });
  // A child that dies makes its next write fail with EPIPE: the exit is reported by `expect` instead.
  child.stdin?.on("error", () => {});
  const queue: string[] = [];
  const waiters: Array<(line: string | undefined) => void> = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter(line);
    else queue.push(line);
  });
  const exited = once(child, "exit");
  void exited.then(() => {
    for (const waiter of waiters.splice(0)) waiter(undefined);
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const died = (what: string): Error =>
    new Error(`${name} (pid ${pid}) exited (code ${child.exitCode}) before ${what}:\n${stderr.trim()}`);

  const nextLine = (what: string, timeoutMs: number): Promise<string> => {
    const queued = queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (gone()) return Promise.reject(died(what));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        reject(new Error(`${name} (pid ${pid}): no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (line: string | undefined): void => {
        clearTimeout(timer);
        if (line === undefined) reject(died(what));
        else resolve(line);
      };
      waiters.push(waiter);
    });
  };

  const expect = async (word: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> => {
    const line = await nextLine(`"${word}"`, timeoutMs);
    const space = line.indexOf(" ");
    const first = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? "" : line.slice(space + 1);
    if (first === "fail") throw new Error(`${name}: ${rest}`);
    if (first !== word) throw new Error(`${name} said "${line.slice(0, 200)}", expected "${word}"`);
    return rest;
  };

  const stop = async (): Promise<void> => {
    if (gone()) return;
    child.stdin?.end();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, EXIT_GRACE_MS).unref());
    await Promise.race([exited, timeout]);
    if (gone()) return;
    await killByPid(pid, exited, STOP_GRACE_MS);
  };

  return {
    name,
    pid,
    expect,
    async ask(line, word, timeoutMs) {
      child.stdin!.write(`${line}\n`);
      return expect(word, timeoutMs);
    },
    stop,
  };
}

/** The environment for bench children: ours without NODE_OPTIONS, so no preload (tsx, a debugger) counts. */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}
