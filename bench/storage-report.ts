/**
 * How the storage workloads print: sizes in MB (10^6 bytes, as the "100 MB" goal), ratios as
 * omnicloud ÷ the other tool (below 1: omnicloud uses less), and the closing summary of the goals.
 */
import { fixed, median, ratioLine } from "./report.js";
import type { Goal } from "./storage-setup.js";
import type { Sample } from "./storage-worker.js";

export function mb(bytes: number): string {
  return fixed(bytes / 1e6);
}

export function seconds(ms: number): string {
  return fixed(ms / 1000, 2);
}

/** omnicloud ÷ other as a table cell ("" for omnicloud's own row). */
export function ratioCell(omni: number | undefined, other: number, own: boolean): string {
  if (own || omni === undefined) return "";
  return `${(omni / other).toFixed(2)}x`;
}

/** The median over rounds of omnicloud's value ÷ the other's in the same round (drift falls on both). */
export function perRoundRatio(omni: readonly Sample[], other: readonly Sample[], key: keyof Sample): number {
  const n = Math.min(omni.length, other.length);
  return median(Array.from({ length: n }, (_, i) => omni[i]![key] / other[i]![key]));
}

/** A ratio line, and the goal it carries (if any) for the summary. */
export function ratioWithGoal(
  goals: Goal[],
  workload: string,
  label: string,
  metric: string,
  value: number,
  goal?: number,
): void {
  console.log(ratioLine(label, metric, value, goal));
  if (goal === undefined) return;
  goals.push({
    workload,
    text: `${label} ${metric}: ${value.toFixed(2)}x, goal ≤ ${goal}x`,
    met: Number.isFinite(value) && value <= goal,
  });
}

/** A goal on an absolute value (e.g. a peak RSS), printed as its own line and kept for the summary. */
export function absoluteGoal(goals: Goal[], workload: string, text: string, met: boolean): void {
  console.log(`goal   ${text}: ${met ? "met" : "NOT met"}`);
  goals.push({ workload, text, met });
}

export function printSummary(goals: readonly Goal[]): void {
  console.log("\n### Summary: the issue's goals as this run measured them (information, never a failure)\n");
  if (goals.length === 0) {
    console.log("(no goal was measured in this run)");
    return;
  }
  const width = Math.max(...goals.map((g) => g.text.length));
  for (const g of goals) {
    console.log(`${g.workload.padEnd(3)} ${g.text.padEnd(width)}  ${g.met ? "met" : "NOT met"}`);
  }
  const missed = goals.filter((g) => !g.met).length;
  console.log(`\n${goals.length - missed} of ${goals.length} goals met.`);
}
