/**
 * The shared folder (../shared beside the project, or $OMNICLOUD_SHARED) holds real recorded provider
 * responses and official specs. It is not part of the project, so tests that read it must say loudly when
 * it is absent: skipped with a warning on a developer's machine, failed in CI, which always runs them.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the shared folder is expected, whether or not it exists. */
export function sharedDir(): string {
  const fromEnv = process.env.OMNICLOUD_SHARED;
  return fromEnv !== undefined && fromEnv !== ""
    ? path.resolve(fromEnv)
    : path.resolve(REPO_ROOT, "../shared");
}

export function sharedExists(): boolean {
  return existsSync(sharedDir());
}

/** A path inside the shared folder, e.g. sharedPath("fixtures/libcloud/storage/s3/list_containers.xml"). */
export function sharedPath(...parts: string[]): string {
  return path.join(sharedDir(), ...parts);
}

/** A shared file's text. */
export function readShared(...parts: string[]): string {
  return readFileSync(sharedPath(...parts), "utf8");
}

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/**
 * `describe` for tests that need the shared folder. When it is missing: in CI one failing test says why;
 * elsewhere the suite is skipped and a warning names the path looked at.
 */
export function describeShared(name: string, fn: () => void): void {
  const dir = sharedDir();
  const exists = existsSync(dir);
  if (!exists && inCi()) {
    describe(name, () => {
      it("needs the shared folder", () => {
        throw new Error(
          `shared folder not found at ${dir}: CI always runs the replay tier (set OMNICLOUD_SHARED)`,
        );
      });
    });
    return;
  }
  if (!exists) console.warn(`SKIPPED replay tier: shared folder not found at ${dir} (set OMNICLOUD_SHARED)`);
  describe.skipIf(!exists)(name, fn);
}
