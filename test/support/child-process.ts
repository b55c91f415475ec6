/**
 * What every real-server harness in test/support needs: a free port on 127.0.0.1, a way to stop the child
 * it started (by its own PID, never by name), and the CI switch that turns "skip loudly" into "fail".
 */
import type { ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";

/** True under CI, where a server that cannot start is a failure rather than a skip. */
export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/**
 * A port free at this instant on 127.0.0.1 (the OS picks it), for TCP and, with `udp`, for UDP too (DNS
 * servers need both). A clash with a later bind is the caller's to retry.
 */
export async function freePort(options: { udp?: boolean } = {}): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const server = createServer();
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(0, "127.0.0.1", () => ok());
    });
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    await new Promise<void>((ok) => server.close(() => ok()));
    if (!options.udp) return port;
    const udp = createSocket("udp4");
    const free = await new Promise<boolean>((ok) => {
      udp.once("error", () => ok(false));
      udp.bind(port, "127.0.0.1", () => ok(true));
    });
    await new Promise<void>((ok) => udp.close(() => ok()));
    if (free) return port;
  }
  throw new Error("no port free for both TCP and UDP on 127.0.0.1 after 20 tries");
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves once the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((ok) => child.once("exit", () => ok()));
}

/** SIGTERM the child's own PID, SIGKILL after `graceMs`, and wait for it to exit. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  const done = exited(child);
  if (isRunning(child) && child.pid !== undefined) {
    process.kill(child.pid, "SIGTERM");
    const timer = setTimeout(() => {
      if (isRunning(child) && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, graceMs);
    await done;
    clearTimeout(timer);
  }
  await done;
}
