import { AbortedError, OmnicloudError, TimeoutError } from "./errors.js";

/** Wait `ms`, or reject as soon as `signal` fires (with its typed reason, see `abortedBy`). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedBy(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedBy(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The error to raise when `signal` fired. omnicloud's own signals carry a typed reason (a `TimeoutError`
 * for a deadline, an `AbortedError` for the caller); a caller's bare signal becomes an `AbortedError`
 * whose cause is its reason.
 */
export function abortedBy(signal: AbortSignal, what = "The operation"): OmnicloudError {
  if (signal.reason instanceof OmnicloudError) return signal.reason;
  return new AbortedError(`${what} was aborted by the caller's AbortSignal`, { cause: signal.reason });
}

/**
 * One signal that fires when the caller's signal fires or when `timeoutMs` passes, with a typed reason
 * either way. `dispose` clears the timer once the work is done.
 */
export function deadlineSignal(
  what: string,
  userSignal: AbortSignal | undefined,
  timeoutMs: number | undefined,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onUserAbort = (): void => controller.abort(abortedBy(userSignal!, what));
  let timer: NodeJS.Timeout | undefined;
  if (userSignal?.aborted) onUserAbort();
  else userSignal?.addEventListener("abort", onUserAbort, { once: true });
  if (timeoutMs !== undefined && timeoutMs > 0 && !controller.signal.aborted) {
    timer = setTimeout(() => {
      controller.abort(
        new TimeoutError(`${what} did not finish within ${timeoutMs} ms`, {
          hint: "Raise timeoutMs if the work is merely slow",
        }),
      );
    }, timeoutMs);
  }
  return {
    signal: controller.signal,
    dispose: () => {
      if (timer) clearTimeout(timer);
      userSignal?.removeEventListener("abort", onUserAbort);
    },
  };
}
