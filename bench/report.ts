/**
 * Small helpers shared by the bench suites: statistics and the printed table and ratio lines.
 *
 * The bench reports numbers and ratios only. A goal is printed next to a ratio, with whether this run met it,
 * as information for the reader: nothing here fails on timing.
 */

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function minOf(values: readonly number[]): number {
  return Math.min(...values);
}

export function maxOf(values: readonly number[]): number {
  return Math.max(...values);
}

/** A number with a fixed count of decimals, for table cells. */
export function fixed(value: number, decimals = 1): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : "n/a";
}

/**
 * A plain-text table: the first column left-aligned (names), the others right-aligned (numbers), two spaces
 * between columns and a rule under the header.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => (r[col] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!)))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/**
 * One ratio line. Every line starts with "ratio" so a reader (or the smoke test) can pick them out:
 *
 *   ratio  omnicloud / node:http   CPU/req   1.21x   goal ≤ 1.3x: met
 */
export function ratioLine(label: string, metric: string, value: number, goal?: number): string {
  const shown = Number.isFinite(value) ? `${value.toFixed(2)}x` : "n/a";
  let verdict = "(no goal, information only)";
  if (goal !== undefined) {
    const met = Number.isFinite(value) && value <= goal;
    verdict = `goal ≤ ${goal}x: ${met ? "met" : "NOT met"}`;
  }
  return `ratio  ${label.padEnd(54)} ${metric.padEnd(9)} ${shown.padStart(7)}   ${verdict}`;
}

/** The heading printed before each suite; the smoke test splits the output on it. */
export function suiteHeading(name: string): string {
  return `\n## ${name}\n`;
}
