import { formatBytes, formatClock } from "./format.js";

/**
 * Progress on stderr, drawn only when stderr is a terminal: a bar with bytes, rate and ETA for transfers,
 * an elapsed-time line for waits. One line, redrawn in place at most ten times a second (a transfer can
 * report thousands of chunks a second; redrawing each would cost more than the copy), and erased when the
 * work ends so the terminal keeps only the command's real output.
 */

/** What a transfer reports: bytes so far, and the total when known. */
export interface ProgressSink {
  update(done: number, total?: number): void;
  /** A new label (e.g. "3/10 objects"), shown from the next redraw. */
  setLabel(label: string): void;
  /** Erase the bar so a line can be printed; it comes back on the next update. */
  clearLine(): void;
  finish(): void;
}

type Terminal = NodeJS.WritableStream & { columns?: number };

const REDRAW_MS = 100;
/** Redraws without news, so the rate and ETA stay true during a stall. */
const TICK_MS = 500;
/** The rate is measured over this recent window, so it follows changes instead of averaging them away. */
const RATE_WINDOW_MS = 3000;
const CLEAR = "\r\x1b[2K";

export const NO_PROGRESS: ProgressSink = {
  update: () => {},
  setLabel: () => {},
  clearLine: () => {},
  finish: () => {},
};

export interface TransferLine {
  label: string;
  done: number;
  total: number | undefined;
  /** Bytes per second; undefined until there is a measurement. */
  rate: number | undefined;
  elapsedMs: number;
  columns: number;
}

/**
 * One frame of the bar, e.g.
 * `big.bin  [=========>          ]  45%  22.5 MiB / 50.0 MiB  9.8 MiB/s  ETA 0:03`.
 * Pure, so tests can check the layout without a terminal.
 */
export function renderTransferLine(s: TransferLine): string {
  const rate = s.rate === undefined ? "--" : `${formatBytes(s.rate)}/s`;
  if (s.total === undefined || s.total <= 0) {
    const tail = `  ${formatBytes(s.done)}  ${rate}  ${formatClock(s.elapsedMs)}`;
    return fitLine(s.label, tail, s.columns);
  }
  const fraction = Math.min(1, s.done / s.total);
  const remaining = s.rate && s.rate > 0 ? ((s.total - s.done) / s.rate) * 1000 : undefined;
  const eta = remaining === undefined ? "--:--" : formatClock(remaining);
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const figures = `  ${pct}  ${formatBytes(s.done)} / ${formatBytes(s.total)}  ${rate}  ETA ${eta}`;
  // The bar takes what is left after the figures and a short label, within sane bounds.
  const barWidth = Math.max(10, Math.min(30, s.columns - figures.length - Math.min(s.label.length, 24) - 6));
  const filled = Math.floor(fraction * barWidth);
  const bar =
    filled >= barWidth ? "=".repeat(barWidth) : `${"=".repeat(filled)}>${" ".repeat(barWidth - filled - 1)}`;
  return fitLine(s.label, `  [${bar}]${figures}`, s.columns);
}

/** The label shortened from the left (the end of a path says most) so the line fits the terminal. */
function fitLine(label: string, tail: string, columns: number): string {
  const room = columns - 1 - tail.length;
  if (room >= label.length) return label + tail;
  if (room <= 1) return tail.trimStart().slice(0, Math.max(0, columns - 1));
  return `…${label.slice(label.length - room + 1)}${tail}`;
}

/** A transfer's bar on `terminal`. Use `transferProgress`, which returns a no-op when not on a TTY. */
export class TransferBar implements ProgressSink {
  private done = 0;
  private total: number | undefined;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private readonly samples: Array<[number, number]> = [];
  private readonly started: number;
  private readonly timer: NodeJS.Timeout;
  private finished = false;

  constructor(
    private readonly terminal: Terminal,
    private label: string,
    total: number | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.total = total;
    this.started = now();
    this.samples.push([this.started, 0]);
    this.timer = setInterval(() => this.draw(true), TICK_MS);
    // A forgotten bar must never keep the process alive.
    this.timer.unref();
  }

  update(done: number, total?: number): void {
    if (this.finished) return;
    this.done = done;
    if (total !== undefined) this.total = total;
    this.draw(false);
  }

  setLabel(label: string): void {
    this.label = label;
  }

  clearLine(): void {
    if (this.finished) return;
    this.terminal.write(CLEAR);
    this.lastDraw = Number.NEGATIVE_INFINITY;
  }

  private rate(at: number): number | undefined {
    this.samples.push([at, this.done]);
    while (this.samples.length > 2 && at - this.samples[0]![0] > RATE_WINDOW_MS) this.samples.shift();
    const [t0, d0] = this.samples[0]!;
    const span = at - t0;
    return span < 200 ? undefined : ((this.done - d0) / span) * 1000;
  }

  private draw(force: boolean): void {
    const at = this.now();
    if (!force && at - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = at;
    const line = renderTransferLine({
      label: this.label,
      done: this.done,
      total: this.total,
      rate: this.rate(at),
      elapsedMs: at - this.started,
      columns: this.terminal.columns ?? 80,
    });
    this.terminal.write(`${CLEAR}${line}`);
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearInterval(this.timer);
    this.terminal.write(CLEAR);
  }
}

/** A line that counts the seconds of a wait: `waiting for web-1 to be running  0:12  (pending)`. */
export class WaitTimer {
  private state: string | undefined;
  private readonly started: number;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly terminal: Terminal,
    private readonly label: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    this.draw();
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  /** The state last seen, shown after the clock. */
  setState(state: string | undefined): void {
    this.state = state;
    this.draw();
  }

  private draw(): void {
    if (this.stopped) return;
    const elapsed = formatClock(this.now() - this.started);
    const tail = `  ${elapsed} elapsed${this.state ? `  (${this.state})` : ""}`;
    this.terminal.write(`${CLEAR}${fitLine(this.label, tail, this.terminal.columns ?? 80)}`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.terminal.write(CLEAR);
  }
}

/** A bar when the CLI draws progress (stderr is a TTY, no --no-progress), else nothing at all. */
export function transferProgress(
  cli: { progress: boolean; stderr: Terminal },
  label: string,
  total?: number,
): ProgressSink {
  return cli.progress ? new TransferBar(cli.stderr, label, total) : NO_PROGRESS;
}

/** An elapsed-time line for a wait, or a silent stand-in when not on a TTY. */
export function waitProgress(
  cli: { progress: boolean; stderr: Terminal },
  label: string,
): Pick<WaitTimer, "setState" | "stop"> {
  return cli.progress ? new WaitTimer(cli.stderr, label) : { setState: () => {}, stop: () => {} };
}
