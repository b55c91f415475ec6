import { type Cli, say } from "./context.js";

/**
 * The three output forms: a table for people, one JSON document (`--json`), or one JSON object per line
 * as items arrive (`--jsonl`). Lists stream: a table is printed in blocks, so a listing of millions of
 * objects never sits whole in memory.
 */

export interface Column<T> {
  header: string;
  value: (item: T) => string;
  /** Right-align (numbers, sizes). */
  right?: boolean;
}

/** Rows per printed block of a streamed table; column widths are measured per block. */
const BLOCK = 500;

/** A line on stdout that waits when the reader is slower than the listing, so memory stays flat. */
async function emit(cli: Cli, line: string): Promise<void> {
  if (!cli.stdout.write(`${line}\n`)) await new Promise<void>((resume) => cli.stdout.once("drain", resume));
}

/** Lay out rows under headers, two spaces between columns, no trailing blanks. */
export function renderTable(
  headers: readonly string[],
  rows: readonly string[][],
  right: readonly boolean[] = [],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        if (right[i]) return cell.padStart(widths[i]!);
        return last ? cell : cell.padEnd(widths[i]!);
      })
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Print `items` in the chosen form; returns how many there were. */
export async function printList<T>(
  cli: Cli,
  items: AsyncIterable<T> | Iterable<T>,
  columns: readonly Column<T>[],
  toJson: (item: T) => unknown = (item) => item,
  options: { limit?: number | undefined; empty?: string } = {},
): Promise<number> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let count = 0;
  const collected: unknown[] = [];
  let block: string[][] = [];
  let headerShown = false;
  const flush = async (): Promise<void> => {
    if (block.length === 0) return;
    const table = renderTable(
      columns.map((c) => c.header),
      block,
      columns.map((c) => c.right === true),
    );
    // Later blocks repeat no header: drop the first line.
    await emit(cli, headerShown ? table.slice(table.indexOf("\n") + 1) : table);
    headerShown = true;
    block = [];
  };
  for await (const item of items as AsyncIterable<T>) {
    if (count >= limit) break;
    count++;
    if (cli.jsonl) await emit(cli, JSON.stringify(toJson(item)));
    else if (cli.json) collected.push(toJson(item));
    else {
      block.push(columns.map((c) => c.value(item)));
      if (block.length >= BLOCK) await flush();
    }
  }
  if (cli.json) say(cli, JSON.stringify(collected, null, 2));
  else if (!cli.jsonl) {
    await flush();
    if (count === 0 && options.empty) say(cli, options.empty);
  }
  return count;
}

/** One result: JSON in the machine forms, else the human lines given. */
export function printResult(cli: Cli, json: unknown, lines: () => readonly string[]): void {
  if (cli.json) say(cli, JSON.stringify(json, null, 2));
  else if (cli.jsonl) say(cli, JSON.stringify(json));
  else for (const line of lines()) say(cli, line);
}
