/**
 * Bench workers run as plain JavaScript, not under the tsx loader the bench itself uses: tsx adds ~35 MB
 * of RSS and its own start-up work to every process, which would swamp a memory figure (the goal
 * is a peak RSS ≤ 100 MB). Their TypeScript sources are transpiled here (no type check: the typecheck does
 * that) into node_modules/.cache, inside the repository so the packages they import still resolve.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import ts from "typescript";
import { ROOT } from "./dist.js";

export const BENCH_CACHE = join(ROOT, "node_modules", ".cache", "omnicloud-bench");

/**
 * Transpile `files` (paths under bench/, the first being the entry) to .mjs files side by side, their
 * relative "./x.js" imports pointed at "./x.mjs". Returns the entry's path.
 */
export async function buildWorker(files: readonly string[]): Promise<string> {
  await mkdir(BENCH_CACHE, { recursive: true });
  const outputs: string[] = [];
  for (const file of files) {
    const source = await readFile(join(ROOT, "bench", file), "utf8");
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const js = outputText.replace(/(from\s+["']\.\/[^"']+)\.js(["'])/g, "$1.mjs$2");
    const out = join(BENCH_CACHE, basename(file).replace(/\.ts$/, ".mjs"));
    await writeFile(out, js);
    outputs.push(out);
  }
  return outputs[0]!;
}
