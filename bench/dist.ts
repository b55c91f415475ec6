/**
 * The bench measures the code omnicloud ships: the compiled `dist/`, loaded by Node itself, not the
 * TypeScript sources transpiled on the fly. `npm run bench` builds first; this module finds the build,
 * loads modules from it and warns when it is older than the sources.
 */

import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root (this file is bench/dist.ts). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export const DIST = join(ROOT, "dist");

/** Absolute path of a file under dist/, e.g. `distPath("core/transport/transport.js")`. */
export function distPath(file: string): string {
  return join(DIST, file);
}

/**
 * Import a compiled module from dist/ (or from `fromDir`, another build to compare, e.g. one of an earlier
 * commit). The caller names its type with `typeof import("../src/...")`, so the bench type-checks against
 * the sources without needing a build, and runs against the build.
 */
export async function importDist<T>(file: string, fromDir?: string): Promise<T> {
  const path = fromDir === undefined ? distPath(file) : join(resolve(fromDir), file);
  if (!existsSync(path)) {
    throw new Error(`${relative(ROOT, path)} is missing: run \`npm run build\` first (npm run bench does)`);
  }
  return (await import(pathToFileURL(path).href)) as T;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) yield full;
  }
}

/** Source files whose compiled counterpart is missing or older than they are. */
export function staleBuildFiles(): string[] {
  const src = join(ROOT, "src");
  const stale: string[] = [];
  for (const file of sourceFiles(src)) {
    const out = join(DIST, relative(src, file)).replace(/\.ts$/, ".js");
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs) stale.push(relative(ROOT, file));
  }
  return stale;
}
