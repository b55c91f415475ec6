/**
 * Waiting for a resource to reach a state (a node running, a volume attached, a DNS change in sync) by
 * polling with exponential backoff, bounded by a deadline and the caller's AbortSignal.
 */
import { InvalidInputError, TimeoutError } from "./errors.js";
import { abortedBy, sleep } from "./sleep.js";

/** One observation. A check that meets a state from which `done` can never come should throw instead. */
export interface WaitCheckResult<T> {
  done: boolean;
  value: T;
  /** The state seen, e.g. "pending"; quoted in the timeout error. */
  state?: string | undefined;
}

/** Reported to `onPoll` after every check. */
export interface PollEvent {
  /** 1 for the first check. */
  attempt: number;
  elapsedMs: number;
  done: boolean;
  state: string | undefined;
  /** Set when the check threw and `retryErrors` chose to keep polling. */
  error?: unknown;
  /** The wait before the next check; undefined when there will be none. */
  nextDelayMs: number | undefined;
}

export interface WaitForOptions<T> {
  /** Names what is awaited in errors, e.g. "node web-1 to be running". */
  what: string;
  /** Looks once. Receives the caller's signal (or a signal that never fires) to pass to its requests. */
  check: (signal: AbortSignal) => Promise<WaitCheckResult<T>>;
  /**
   * Give up after this long; a check already running is let finish, so overshoot is at most one check.
   * `Infinity` waits until done or aborted.
   */
  timeoutMs: number;
  /** Wait after the first check (default 2000 ms); later waits grow by `factor`. */
  intervalMs?: number | undefined;
  /** Longest wait between checks (default 30 000 ms). */
  maxIntervalMs?: number | undefined;
  /** Growth of the wait after each check (default 1.5; 1 polls at a fixed interval). */
  factor?: number | undefined;
  /**
   * Fraction of each wait taken off at random (default 0.2), so that many waiters started together do not
   * poll the provider in lockstep. Subtracted, never added, so `maxIntervalMs` holds.
   */
  jitter?: number | undefined;
  signal?: AbortSignal | undefined;
  onPoll?: ((event: PollEvent) => void) | undefined;
  /**
   * Errors from `check` to poll through (e.g. a NotFoundError while a new resource propagates). Any other
   * error ends the wait at once and propagates unchanged.
   */
  retryErrors?: ((err: unknown) => boolean) | undefined;
}

const NEVER = new AbortController().signal;

/** Poll `check` until it reports `done`, and resolve with its value. */
export async function waitFor<T>(o: WaitForOptions<T>): Promise<T> {
  const intervalMs = o.intervalMs ?? 2000;
  const maxIntervalMs = o.maxIntervalMs ?? Math.max(30_000, intervalMs);
  const factor = o.factor ?? 1.5;
  const jitter = o.jitter ?? 0.2;
  checkOptions(o, intervalMs, maxIntervalMs, factor, jitter);

  const signal = o.signal ?? NEVER;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let lastState: string | undefined;
  let lastError: unknown;
  let delay = intervalMs;

  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw abortedBy(signal, `Waiting for ${o.what}`);
    let result: WaitCheckResult<T> | undefined;
    try {
      result = await o.check(signal);
      lastError = undefined;
    } catch (err) {
      if (signal.aborted) throw abortedBy(signal, `Waiting for ${o.what}`);
      if (!o.retryErrors?.(err)) throw err;
      lastError = err;
    }
    if (result?.state !== undefined) lastState = result.state;
    const done = result?.done === true;
    const spent = elapsed();
    // The last wait is cut short to land the final check on the deadline rather than past it.
    const wait =
      done || spent >= o.timeoutMs ? undefined : Math.min(jittered(delay, jitter), o.timeoutMs - spent);
    o.onPoll?.({
      attempt,
      elapsedMs: spent,
      done,
      state: result?.state,
      error: lastError,
      nextDelayMs: wait,
    });
    if (result?.done) return result.value;
    if (wait === undefined) throw timeout(o, spent, attempt, lastState, lastError);

    try {
      await sleep(wait, signal);
    } catch {
      throw abortedBy(signal, `Waiting for ${o.what}`);
    }
    delay = Math.min(delay * factor, maxIntervalMs);
  }
}

function jittered(delay: number, jitter: number): number {
  return Math.round(delay * (1 - jitter * Math.random()));
}

function timeout(
  o: WaitForOptions<unknown>,
  spent: number,
  attempts: number,
  state: string | undefined,
  error: unknown,
): TimeoutError {
  const seen = state === undefined ? "no state was reported" : `the last state seen was "${state}"`;
  const failing =
    error === undefined
      ? ""
      : `; the last check failed: ${error instanceof Error ? error.message : String(error)}`;
  return new TimeoutError(
    `Gave up waiting for ${o.what} after ${spent} ms (timeout ${o.timeoutMs} ms, ${attempts} ${attempts === 1 ? "check" : "checks"}): ${seen}${failing}`,
    { cause: error, hint: "Raise timeoutMs if the provider is merely slow" },
  );
}

function checkOptions(
  o: WaitForOptions<unknown>,
  intervalMs: number,
  maxIntervalMs: number,
  factor: number,
  jitter: number,
): void {
  const problems: string[] = [];
  if (!(o.timeoutMs > 0)) problems.push(`timeoutMs must be more than 0, not ${o.timeoutMs}`);
  if (!(intervalMs >= 0 && Number.isFinite(intervalMs)))
    problems.push(`intervalMs must be 0 or more, not ${intervalMs}`);
  if (!(maxIntervalMs >= intervalMs))
    problems.push(`maxIntervalMs (${maxIntervalMs}) must be at least intervalMs (${intervalMs})`);
  if (!(factor >= 1 && Number.isFinite(factor))) problems.push(`factor must be 1 or more, not ${factor}`);
  if (!(jitter >= 0 && jitter <= 1)) problems.push(`jitter must be between 0 and 1, not ${jitter}`);
  if (problems.length > 0) throw new InvalidInputError(`Waiting for ${o.what}: ${problems.join("; ")}`);
}
