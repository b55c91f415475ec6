/**
 * s3rver (npm, a devDependency) as a child of the test process: 127.0.0.1, a free port, data in a fresh
 * temp dir, path-style only. Stopped by its PID. `--openssl-legacy-provider` because its ListObjectsV2
 * continuation tokens use DES, which Node 20's OpenSSL 3 only offers through the legacy provider.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isOmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { freePort, isRunning, stopChild } from "./child-process.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MAIN = join(repoRoot, "node_modules", "s3rver", "bin", "s3rver.js");

/** s3rver's built-in account. */
export const S3RVER_KEY = "S3RVER";

export interface S3rver {
  /** e.g. "http://127.0.0.1:40123". */
  endpoint: string;
  port: number;
  pid: number;
  /** Where it keeps buckets (removed by stop). */
  directory: string;
  command: string[];
  /** SIGTERM, SIGKILL after 10 s; resolves once the process has exited, then removes the data dir. */
  stop(): Promise<void>;
}

/** Poll the real protocol every 100 ms (any HTTP status means it is up); give up if the child exits. */
async function waitReady(child: ChildProcess, url: string, attempts: number): Promise<void> {
  const probe = new Transport({ provider: "s3rver-probe", retry: false, connectTimeoutMs: 1_000 });
  try {
    for (let i = 0; i < attempts; i++) {
      if (!isRunning(child))
        throw new Error(
          `s3rver exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`,
        );
      try {
        await probe.send({ method: "GET", url, timeoutMs: 2_000 });
        return;
      } catch (err) {
        if (isOmnicloudError(err) && err.status !== undefined) return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`s3rver did not answer at ${url} after ${attempts} probes`);
  } finally {
    await probe.close();
  }
}

export async function startS3rver(): Promise<S3rver> {
  let lastError: unknown;
  // A port can be taken between our probe and s3rver's bind: try a few.
  for (let tries = 0; tries < 3; tries++) {
    const directory = await mkdtemp(join(tmpdir(), "omnicloud-s3rver-"));
    const port = await freePort();
    const args = [
      "--openssl-legacy-provider",
      MAIN,
      "-d",
      directory,
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      "--silent",
      "--no-vhost-buckets",
    ];
    const child = spawn(process.execPath, args, { cwd: directory, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer): void => {
      if (output.length < 8_192) output += chunk.toString("utf8");
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const endpoint = `http://127.0.0.1:${port}`;
    const stop = async (): Promise<void> => {
      await stopChild(child);
      await rm(directory, { recursive: true, force: true });
    };
    try {
      await waitReady(child, `${endpoint}/`, 300);
      return { endpoint, port, pid: child.pid!, directory, command: [process.execPath, ...args], stop };
    } catch (err) {
      lastError = new Error(`${(err as Error).message}\n${output}`);
      await stop();
    }
  }
  throw lastError;
}
