import { registerSecret } from "../redact.js";
import { abortedBy } from "../sleep.js";

/** `work`, or a rejection as soon as `signal` fires, whichever comes first. `work` itself runs on. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedBy(signal, "Loading credentials"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortedBy(signal, "Loading credentials"));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/** A credential value and when it stops working. */
export interface Expiring<T> {
  value: T;
  /** Undefined for credentials that do not expire (static keys). */
  expiresAt?: Date;
}

export interface RefreshingOptions {
  /** Refresh this long before expiry, so no request is signed with a credential about to lapse. Default 5 min. */
  refreshBeforeMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Strings in the value to scrub from logs and errors (tokens, secret keys). */
  secretsOf?: (value: unknown) => Array<string | undefined>;
}

/**
 * A credential loaded on first use and refreshed before it expires. Concurrent callers share one
 * in-flight load, so a burst of requests at expiry makes one token call, not hundreds.
 */
export class RefreshingCredential<T> {
  private current: Expiring<T> | undefined;
  private inFlight: Promise<Expiring<T>> | undefined;
  private readonly refreshBeforeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly load: (signal?: AbortSignal) => Promise<Expiring<T>>,
    private readonly options: RefreshingOptions = {},
  ) {
    this.refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The credential, loading or refreshing it first when it is missing or close to expiry. */
  async get(signal?: AbortSignal): Promise<T> {
    const c = this.current;
    if (c && (c.expiresAt === undefined || c.expiresAt.getTime() - this.refreshBeforeMs > this.now())) {
      return c.value;
    }
    // The shared load runs without any one caller's signal: one caller giving up must not fail the others.
    // Each caller still stops waiting when its own signal fires.
    this.inFlight ??= this.load()
      .then((loaded) => {
        for (const s of this.options.secretsOf?.(loaded.value) ?? []) registerSecret(s);
        this.current = loaded;
        return loaded;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    const loaded = signal ? await untilAborted(this.inFlight, signal) : await this.inFlight;
    return loaded.value;
  }

  /** Forget the cached value, e.g. after the provider answered 401; the next `get` loads afresh. */
  invalidate(): void {
    this.current = undefined;
  }
}
