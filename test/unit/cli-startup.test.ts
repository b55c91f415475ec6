import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");

/**
 * What `omnicloud --help` and `--version` load: the static imports reachable from the CLI entry (dynamic
 * `import()` is loaded on use only). None may reach undici, a driver, or a command module.
 */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    // `import … from "x"` and `import "x"`, but not `import type` and not `import("x")`.
    for (const m of source.matchAll(/^import\s+(?!type\s)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm)) {
      const spec = m[1]!;
      if (!spec.startsWith(".")) {
        seen.add(spec);
        continue;
      }
      visit(join(dirname(file), spec.replace(/\.js$/, ".ts")));
    }
  };
  visit(entry);
  return seen;
}

describe("cli start-up cost", () => {
  it("loads neither undici nor any driver nor any command for --help", () => {
    const graph = [...staticGraph(join(repo, "src/cli/main.ts"))].map((f) => f.replace(`${repo}/`, ""));
    expect(graph).toContain("src/cli/catalogue.ts");
    expect(
      graph.filter((f) => f === "undici" || f.includes("providers/") || f.includes("transport")),
    ).toEqual([]);
    expect(graph.filter((f) => /src\/cli\/(storage|dns|compute|config|completion)\//.test(f))).toEqual([]);
    // The help module itself is loaded on demand too, but what it imports must stay as light.
    const help = [...staticGraph(join(repo, "src/cli/help.ts"))];
    expect(help.filter((f) => f === "undici" || f.includes("providers/"))).toEqual([]);
  });
});
