import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Start-up speed: fast-xml-parser may load only with xml.ts, which only XML drivers import. This walks the
// static import graph (the module cache of a test run cannot tell what a cold `import` would load).
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src");

function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    // Value imports and re-exports only: `import type` / `export type` are erased at build time.
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+"([^"]+)"/gms)) {
      const spec = match[1]!;
      if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, ".ts")));
      else packages.add(spec);
    }
  };
  visit(path.join(SRC, entry));
  return { files, packages };
}

describe("import graph", () => {
  it.each(["core/codec/index.ts", "core/codec/read.ts", "core/pagination.ts", "core/waiter.ts"])(
    "%s does not load fast-xml-parser",
    (entry) => {
      const { files, packages } = reachable(entry);
      expect(files.size).toBeGreaterThan(0);
      expect([...packages]).not.toContain("fast-xml-parser");
      expect([...files].map((f) => path.basename(f))).not.toContain("xml.ts");
    },
  );

  it("xml.ts does (so the check above is looking at the right thing)", () => {
    expect([...reachable("core/codec/xml.ts").packages]).toContain("fast-xml-parser");
  });
});
