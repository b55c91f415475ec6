import { appendFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Print a conformance count ("SigV4 38/38 header, 38/38 query") and, when the test script collects them
 * (OMNICLOUD_COUNTS_DIR), record it so the script repeats every count together at the end of the run.
 */
export function reportCounts(line: string): void {
  console.log(line);
  const dir = process.env.OMNICLOUD_COUNTS_DIR;
  if (dir) appendFileSync(join(dir, "counts.txt"), `${line}\n`);
}
