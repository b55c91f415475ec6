import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";
import { inCi } from "./child-process.js";

/** A real server (or several) a suite runs against, started once for the suite. */
export interface ServerSuite<T> {
  /** Its name in messages, e.g. "Keystone". */
  what: string;
  /** Why it cannot run here (not installed), or undefined. */
  missing: () => string | undefined;
  /** The scripts/apt/*.txt files that install it, named in the CI failure. */
  aptFiles: string;
  start: () => Promise<T>;
  stop: (server: T) => Promise<void>;
  /** The line logged once it runs (where, which PIDs, how long start-up took). */
  started: (server: T) => string;
  startTimeoutMs: number;
  stopTimeoutMs?: number;
}

/**
 * `describe` for a suite on a real server, started once in beforeAll and stopped in afterAll. When it cannot
 * be installed or started: in CI the suite FAILS with the reason; elsewhere it is skipped with a loud
 * warning. `fn` gets a getter for the running server.
 */
export function describeWithServer<T>(
  name: string,
  suite: ServerSuite<T>,
  fn: (server: () => T) => void,
): void {
  const missing = suite.missing();
  if (missing !== undefined && inCi()) {
    describe(name, () => {
      it(`needs ${suite.what}`, () => {
        throw new Error(`${suite.what} is required in CI: ${missing} (${suite.aptFiles})`);
      });
    });
    return;
  }
  if (missing !== undefined) {
    console.warn(`SKIPPED ${name}: ${missing}`);
    describe.skip(name, () =>
      fn(() => {
        throw new Error(`${suite.what} is not running`);
      }),
    );
    return;
  }
  describe(name, () => {
    let running: T | undefined;
    let failure: string | undefined;
    beforeAll(async () => {
      try {
        running = await suite.start();
        console.info(suite.started(running));
      } catch (err) {
        failure = (err as Error).message;
        if (!inCi()) console.warn(`SKIPPED ${name}: ${suite.what} did not start: ${failure}`);
      }
    }, suite.startTimeoutMs);
    afterAll(async () => {
      if (running !== undefined) await suite.stop(running);
    }, suite.stopTimeoutMs ?? 60_000);
    // Each test fails (CI) or skips (elsewhere) on its own, so the count of failed tests tells the truth;
    // a throwing beforeAll would only mark the tests skipped under a suite error.
    beforeEach((ctx) => {
      if (running !== undefined) return;
      const why = `${suite.what} did not start: ${failure ?? "unknown reason"}`;
      if (inCi()) throw new Error(`${why} (${suite.what} is required in CI)`);
      ctx.skip(why);
    });
    fn(() => {
      if (running === undefined)
        throw new Error(`${suite.what} is not running: ${failure ?? "not started yet"}`);
      return running;
    });
  });
}
