/**
 * Azurite's Blob service (npm azurite, a devDependency) as a child of the test process: 127.0.0.1, a free
 * port, state in a fresh temp dir, telemetry off (it would call out to the internet). Stopped by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isOmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { freePort, stopChild } from "./child-process.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BLOB_MAIN = join(repoRoot, "node_modules", "azurite", "dist", "src", "blob", "main.js");

export const DEV_ACCOUNT = "devstoreaccount1";

export interface Azurite {
  /** The account endpoint, e.g. "http://127.0.0.1:40123/devstoreaccount1". */
  accountUrl: string;
  port: number;
  pid: number;
  /** The full command line, for the report and for reproducing a failure by hand. */
  command: string[];
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. Removes the state dir. */
  stop(): Promise<void>;
}

/**
 * Wait until Azurite answers HTTP (any status: an unsigned list is refused with 403), polling every 100 ms
 * for at most `attempts` tries, and giving up at once if the child exits.
 */
async function waitReady(child: ChildProcess, url: string, attempts: number): Promise<void> {
  const probe = new Transport({ provider: "azurite-probe", retry: false, connectTimeoutMs: 1_000 });
  try {
    for (let i = 0; i < attempts; i++) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `Azurite exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`,
        );
      }
      try {
        await probe.send({ method: "GET", url, timeoutMs: 2_000 });
        return;
      } catch (err) {
        if (isOmnicloudError(err) && err.status !== undefined) return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Azurite did not answer at ${url} after ${attempts} probes`);
  } finally {
    await probe.close();
  }
}

export interface AzuriteOptions {
  /** A file for Azurite's debug log (it prints each string to sign): handy when a signature is refused. */
  debugLog?: string;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  // A port can be taken between our probe and Azurite's bind; try a few.
  let lastError: unknown;
  for (let tries = 0; tries < 3; tries++) {
    const location = await mkdtemp(join(tmpdir(), "omnicloud-azurite-"));
    const port = await freePort();
    const args = [
      BLOB_MAIN,
      "--blobHost",
      "127.0.0.1",
      "--blobPort",
      String(port),
      "--location",
      location,
      "--silent",
      "--loose",
      "--skipApiVersionCheck",
      "--disableProductStyleUrl",
      "--disableTelemetry",
      ...(options.debugLog ? ["--debug", options.debugLog] : []),
    ];
    const child = spawn(process.execPath, args, { cwd: location, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer): void => {
      if (output.length < 8_192) output += chunk.toString("utf8");
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const accountUrl = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
    const stop = async (): Promise<void> => {
      await stopChild(child);
      await rm(location, { recursive: true, force: true });
    };
    try {
      await waitReady(child, `${accountUrl}?comp=list`, 300);
      return {
        accountUrl,
        port,
        pid: child.pid!,
        command: [process.execPath, ...args],
        stop,
      };
    } catch (err) {
      lastError = new Error(`${(err as Error).message}\n${output}`);
      await stop();
    }
  }
  throw lastError;
}
