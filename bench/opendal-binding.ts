/**
 * Apache OpenDAL's Node binding for the storage bench, installed on demand rather than as a
 * devDependency: its package names optional native packages for other platforms that were never
 * published, so a lockfile that holds it can never satisfy `npm ci`. The full bench installs it once into
 * the bench's cache folder (where the transpiled workers live, so their `import("opendal")` finds it);
 * `--quick` runs use it only when it is already there.
 *
 * Pinned to 0.49.2: its later Linux x64 builds (0.49.3 to 0.49.10) need glibc 2.38, newer than Debian
 * 12's 2.36, and fail to load there.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BENCH_CACHE } from "./worker-build.js";

export const OPENDAL_VERSION = "0.49.2";
const INSTALL_TIMEOUT_MS = 180_000;

/**
 * Make sure opendal is installed in the bench cache (when `install` is set) and loads; returns why it
 * cannot be used, or undefined when it can.
 */
export function prepareOpendal(install: boolean, env: NodeJS.ProcessEnv): string | undefined {
  const installed = existsSync(join(BENCH_CACHE, "node_modules", "opendal", "package.json"));
  if (!installed) {
    if (!install) return "not installed (the full bench installs it into node_modules/.cache)";
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const run = spawnSync(
      npm,
      [
        "install",
        "--prefix",
        BENCH_CACHE,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        `opendal@${OPENDAL_VERSION}`,
      ],
      { encoding: "utf8", timeout: INSTALL_TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"] },
    );
    if (run.status !== 0) {
      const why = `${run.stderr ?? ""}`.trim().split("\n").slice(-2).join(" / ");
      return `npm install opendal@${OPENDAL_VERSION} failed: ${why || run.error?.message || `exit ${run.status}`}`;
    }
  }
  const probe = spawnSync(process.execPath, ["-e", "require('opendal')"], {
    cwd: BENCH_CACHE,
    env,
    encoding: "utf8",
    timeout: 30_000,
  });
  if (probe.status === 0) return undefined;
  const errors = `${probe.stderr ?? ""}`
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^(\w*Error|\[cause\])/.test(l) || /GLIBC|not found/.test(l));
  return `its native binary does not load here: ${errors.slice(-2).join(" / ") || `node exited with ${probe.status}`}`;
}
