/**
 * Connecting to a server that may still be booting: connection attempts repeat with growing, jittered
 * waits while the failure is one a starting sshd causes (refused, reset, dropped before the handshake,
 * handshake stalled), up to a deadline. An authentication failure or a refused host key ends the wait at
 * once: neither gets better with time, and retrying a possible impostor only gives it more chances.
 */
import type { OmnicloudError } from "../core/errors.js";
import { waitFor } from "../core/waiter.js";
import { type ConnectOptions, connectWithLogger, type SshTarget, withLoadedKey } from "./connect.js";
import { isTransientConnectError } from "./connect-errors.js";
import { type DeployLogger, makeLogger } from "./log.js";
import type { SshSession } from "./session.js";

export interface ConnectAttemptEvent {
  /** 1 for the first attempt. */
  attempt: number;
  elapsedMs: number;
  /** Set when the attempt failed; absent on the successful one. */
  error?: OmnicloudError;
  /** The wait before the next attempt; undefined when there will be none. */
  nextDelayMs: number | undefined;
}

export interface WaitForSshOptions extends ConnectOptions {
  /** Give up connecting after this long (default 120 000 ms). */
  connectTimeoutMs?: number;
  /** The wait after the first failed attempt (default 1000 ms); it grows 1.5× per attempt. */
  retryIntervalMs?: number;
  /** The longest wait between attempts (default 10 000 ms). */
  maxRetryIntervalMs?: number;
  /** Called after every attempt, failed or not. */
  onConnectAttempt?: (event: ConnectAttemptEvent) => void;
}

export interface ConnectedSession {
  session: SshSession;
  attempts: number;
}

/** Connects, retrying while sshd is not yet up; see the file comment for what is retried. */
export async function waitForSsh(
  target: SshTarget,
  options: WaitForSshOptions = {},
): Promise<ConnectedSession> {
  return waitForSshWithLogger(target, options, makeLogger(options.log));
}

export async function waitForSshWithLogger(
  target: SshTarget,
  options: WaitForSshOptions,
  log: DeployLogger,
): Promise<ConnectedSession> {
  const loaded = await withLoadedKey(target);
  const timeoutMs = options.connectTimeoutMs ?? 120_000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const started = performance.now();
  let attempts = 0;
  const session = await waitFor<SshSession>({
    what: `SSH on ${target.host} port ${target.port ?? 22}`,
    timeoutMs,
    intervalMs: options.retryIntervalMs ?? 1000,
    maxIntervalMs: options.maxRetryIntervalMs ?? 10_000,
    factor: 1.5,
    signal: options.signal,
    retryErrors: isTransientConnectError,
    check: async (signal) => {
      attempts++;
      // No attempt may run past the deadline by more than a little: its handshake budget shrinks to fit.
      const left = timeoutMs - (performance.now() - started);
      const attemptOptions: ConnectOptions = {
        ...options,
        signal,
        readyTimeoutMs: Math.max(1000, Math.min(readyTimeoutMs, Math.round(left))),
      };
      try {
        return { done: true, value: await connectWithLogger(loaded, attemptOptions, log) };
      } catch (err) {
        if (!isTransientConnectError(err)) {
          options.onConnectAttempt?.({
            attempt: attempts,
            elapsedMs: Math.round(performance.now() - started),
            error: err as OmnicloudError,
            nextDelayMs: undefined,
          });
        }
        throw err;
      }
    },
    onPoll: (event) => {
      if (event.error !== undefined) {
        log.debug(`SSH attempt ${event.attempt} failed: ${(event.error as Error).message}`);
      }
      options.onConnectAttempt?.({
        attempt: event.attempt,
        elapsedMs: event.elapsedMs,
        ...(event.error === undefined ? {} : { error: event.error as OmnicloudError }),
        nextDelayMs: event.nextDelayMs,
      });
    },
  });
  return { session, attempts };
}
