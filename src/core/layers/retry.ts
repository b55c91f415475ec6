import { OmnicloudError } from "../errors.js";
import { sleep } from "../sleep.js";
import type { Attempt, Layer, RawResponse } from "../transport/types.js";
import { isRetryableNetworkError } from "../transport/undici-errors.js";
import { parseRetryAfter } from "./retry-after.js";

export interface RetryOptions {
  /** Tries in all, the first included. Default 4. */
  maxAttempts?: number;
  /** Backoff base: the cap before jitter doubles from this. Default 100 ms. */
  baseDelayMs?: number;
  /** Largest single backoff wait. Default 20 s. */
  maxDelayMs?: number;
  /** Time for all attempts and waits together; no retry starts that would end past it. Default 60 s. */
  budgetMs?: number;
  /** Statuses worth another try. Default 408, 429, 500, 502, 503, 504. */
  retryStatuses?: readonly number[];
  /** Source of randomness for the jitter; tests pass a fixed one. */
  random?: () => number;
}

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  reason: string;
}

export const DEFAULT_RETRY_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504];

/**
 * Retries idempotent requests (or those a driver marks safe) on connection failures and on retryable
 * statuses, with exponential backoff and full jitter, honouring Retry-After, within an attempt and a time
 * budget. A one-shot (stream) body is never re-sent: the failure is raised with the reason.
 */
export function retryLayer(options: RetryOptions = {}, onRetry?: (event: RetryEvent) => void): Layer {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const budgetMs = options.budgetMs ?? 60_000;
  const retryStatuses = new Set(options.retryStatuses ?? DEFAULT_RETRY_STATUSES);
  const random = options.random ?? Math.random;

  const backoff = (attempt: number): number =>
    Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));

  return (next) => async (attempt: Attempt) => {
    const started = Date.now();
    for (let n = 1; ; n++) {
      attempt.attempt = n;
      let response: RawResponse | undefined;
      let failure: unknown;
      try {
        response = await next(attempt);
      } catch (err) {
        failure = err;
      }
      const why = refusal(attempt);
      if (response) {
        if (!retryStatuses.has(response.status) || n >= maxAttempts) return response;
        // Fix: a retryable status refused for a one-shot body or a non-idempotent method used to come back
        // with no word of why, unlike the network-error path; the transport now adds the reason to the error.
        if (why) return { ...response, notRetried: why };
        const retryAfter = parseRetryAfter(response.headers);
        const delay = retryAfter !== undefined ? Math.ceil(retryAfter * 1000) : backoff(n);
        // A wait that would overrun the budget is not started: the caller gets the answer now.
        if (Date.now() - started + delay > budgetMs) {
          return {
            ...response,
            notRetried: `waiting ${delay} ms would overrun the retry budget of ${budgetMs} ms`,
          };
        }
        await discard(response);
        onRetry?.({ attempt: n, delayMs: delay, reason: `status ${response.status}` });
        await sleep(delay, attempt.signal);
        continue;
      }
      if (attempt.signal.aborted || !isRetryableNetworkError(failure)) throw failure;
      if (why) {
        if (failure instanceof OmnicloudError) failure.explain(`Not retried: ${why}.`);
        throw failure;
      }
      if (n >= maxAttempts) {
        if (failure instanceof OmnicloudError) failure.explain(`Gave up after ${n} attempts.`);
        throw failure;
      }
      const delay = backoff(n);
      if (Date.now() - started + delay > budgetMs) {
        if (failure instanceof OmnicloudError) failure.explain(`Retry budget of ${budgetMs} ms spent.`);
        throw failure;
      }
      const code = (failure as { code?: string }).code ?? "network error";
      onRetry?.({ attempt: n, delayMs: delay, reason: code });
      await sleep(delay, attempt.signal);
    }
  };
}

/** Why this request must not be sent again, or undefined when it may. */
function refusal(attempt: Attempt): string | undefined {
  if (!attempt.idempotent) {
    return `${attempt.method} is not idempotent and the driver did not mark this call safe to repeat`;
  }
  if (attempt.body && !attempt.body.replayable) {
    return "the request body is a one-shot stream that cannot be sent again (pass a Buffer, string or fileBody() to allow retries)";
  }
  return undefined;
}

/** Drop a response we will not hand back, so its connection returns to the pool. */
async function discard(response: RawResponse): Promise<void> {
  const body = response.body;
  if (Buffer.isBuffer(body)) return;
  try {
    // undici's body can drain a small error body and keep the connection; anything else is closed.
    const dump = (body as { dump?: (o: { limit: number }) => Promise<void> }).dump;
    if (dump) await dump.call(body, { limit: 64 * 1024 });
    else body.destroy();
  } catch {
    // A body that fails while being dropped changes nothing: the retry goes on.
  }
}
