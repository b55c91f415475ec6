import { sleep } from "../sleep.js";
import type { Layer } from "../transport/types.js";

export interface RateLimitOptions {
  /** Sustained request rate. */
  requestsPerSecond?: number;
  /** Requests allowed at once above the sustained rate. Default: one second's worth. */
  burst?: number;
  /** Most requests in flight at once. */
  maxConcurrent?: number;
}

/** A token bucket plus a concurrency gate, shared by every transport of one provider account. */
class Limiter {
  private tokens: number;
  private last = performance.now();
  private inFlight = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly options: RateLimitOptions) {
    this.tokens = this.capacity;
  }

  private get capacity(): number {
    return this.options.burst ?? Math.max(1, this.options.requestsPerSecond ?? 1);
  }

  /** Wait for a token and a slot; returns the function that gives the slot back. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    const rate = this.options.requestsPerSecond;
    if (rate !== undefined && rate > 0) {
      for (;;) {
        const now = performance.now();
        this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * rate);
        this.last = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          break;
        }
        await sleep(Math.ceil(((1 - this.tokens) / rate) * 1000), signal);
      }
    }
    const max = this.options.maxConcurrent;
    if (max === undefined) return () => {};
    while (this.inFlight >= max) {
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = (): void => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        };
        this.waiters.push(wake);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    }
    this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.waiters.shift()?.();
    };
  }
}

const limiters = new Map<string, Limiter>();

/**
 * Limits request rate and concurrency per key (the provider and account), across every transport that
 * shares the key, so two handles on one account do not together exceed its quota.
 */
export function rateLimitLayer(key: string, options: RateLimitOptions): Layer {
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new Limiter(options);
    limiters.set(key, limiter);
  }
  const shared = limiter;
  return (next) => async (attempt) => {
    const release = await shared.acquire(attempt.signal);
    try {
      return await next(attempt);
    } finally {
      release();
    }
  };
}
