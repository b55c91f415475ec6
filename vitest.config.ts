import { defineConfig } from "vitest/config";

// One project per test tier (see README "Tests"), so a tier can run alone: `npx vitest run --project unit`.
const tier = (name: string, extra: Record<string, unknown> = {}) => ({
  test: { name, include: [`test/${name}/**/*.test.ts`], ...extra },
});

export default defineConfig({
  test: {
    projects: [
      tier("unit"),
      tier("replay"),
      // Real servers on 127.0.0.1: one file at a time keeps ports and CPU (2 cores) uncontended.
      tier("conformance", { fileParallelism: false, testTimeout: 60_000, hookTimeout: 120_000 }),
      tier("bench", { testTimeout: 300_000 }),
    ],
  },
});
