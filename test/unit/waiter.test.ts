import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AbortedError, InvalidInputError, NotFoundError, TimeoutError } from "../../src/core/errors.js";
import { type PollEvent, type WaitCheckResult, waitFor } from "../../src/core/waiter.js";

/** A check that reports `states` in turn and is done on `doneState`. */
function sequence(states: string[], doneState = "running") {
  let calls = 0;
  const check = async (): Promise<WaitCheckResult<string>> => {
    const state = states[Math.min(calls, states.length - 1)]!;
    calls++;
    return { done: state === doneState, value: `node is ${state}`, state };
  };
  return { check, calls: () => calls };
}

/** Settle a promise under fake timers, returning its outcome instead of throwing. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return outcome;
}

describe("waitFor (fake timers)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("polls until done and resolves with the check's value", async () => {
    const s = sequence(["pending", "pending", "running"]);
    const polls: PollEvent[] = [];
    const out = await settle(
      waitFor({ what: "node web-1", check: s.check, timeoutMs: 60_000, onPoll: (e) => polls.push(e) }),
    );
    expect(out.value).toBe("node is running");
    expect(s.calls()).toBe(3);
    expect(polls.map((p) => [p.attempt, p.state, p.done])).toEqual([
      [1, "pending", false],
      [2, "pending", false],
      [3, "running", true],
    ]);
    expect(polls.at(-1)!.nextDelayMs).toBeUndefined();
  });

  it("returns at once when the first check is done", async () => {
    const s = sequence(["running"]);
    expect((await settle(waitFor({ what: "x", check: s.check, timeoutMs: 10 }))).value).toBe(
      "node is running",
    );
    expect(s.calls()).toBe(1);
  });

  it("backs off exponentially from intervalMs up to maxIntervalMs", async () => {
    const s = sequence(["a", "a", "a", "a", "a", "a", "running"]);
    const delays: (number | undefined)[] = [];
    await settle(
      waitFor({
        what: "x",
        check: s.check,
        timeoutMs: 60_000,
        intervalMs: 100,
        factor: 2,
        maxIntervalMs: 500,
        jitter: 0,
        onPoll: (e) => delays.push(e.nextDelayMs),
      }),
    );
    expect(delays).toEqual([100, 200, 400, 500, 500, 500, undefined]);
  });

  it("takes jitter off the wait, never adding to it", async () => {
    const random = vi.spyOn(Math, "random");
    const delays: (number | undefined)[] = [];
    const run = (r: number) => {
      random.mockReturnValue(r);
      const s = sequence(["a", "running"]);
      return settle(
        waitFor({
          what: "x",
          check: s.check,
          timeoutMs: 60_000,
          intervalMs: 1000,
          jitter: 0.5,
          onPoll: (e) => delays.push(e.nextDelayMs),
        }),
      );
    };
    await run(0);
    await run(0.5);
    expect(delays).toEqual([1000, undefined, 750, undefined]);
  });

  it("times out with a TimeoutError naming what, the time spent and the last state", async () => {
    const s = sequence(["pending"]);
    const out = await settle(
      waitFor({
        what: "node web-1 to be running",
        check: s.check,
        timeoutMs: 1000,
        intervalMs: 100,
        factor: 1,
        jitter: 0,
      }),
    );
    expect(out.error).toBeInstanceOf(TimeoutError);
    const message = (out.error as Error).message;
    expect(message).toContain("node web-1 to be running");
    expect(message).toContain("after 1000 ms");
    expect(message).toContain('the last state seen was "pending"');
    expect(message).toContain("11 checks");
    expect(s.calls()).toBe(11); // at 0, 100, ..., 1000: the last one lands on the deadline
  });

  it("cuts the last wait short so the final check lands on the deadline", async () => {
    const s = sequence(["pending"]);
    const delays: (number | undefined)[] = [];
    const out = await settle(
      waitFor({
        what: "x",
        check: s.check,
        timeoutMs: 1000,
        intervalMs: 400,
        factor: 1,
        jitter: 0,
        onPoll: (e) => delays.push(e.nextDelayMs),
      }),
    );
    expect(out.error).toBeInstanceOf(TimeoutError);
    expect(delays).toEqual([400, 400, 200, undefined]);
  });

  it("overruns the deadline by at most one check when checks are slow", async () => {
    const polls: PollEvent[] = [];
    const slow = async (): Promise<WaitCheckResult<null>> => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { done: false, value: null, state: "creating" };
    };
    const out = await settle(
      waitFor({
        what: "x",
        check: slow,
        timeoutMs: 1000,
        intervalMs: 100,
        factor: 1,
        jitter: 0,
        onPoll: (e) => polls.push(e),
      }),
    );
    expect(out.error).toBeInstanceOf(TimeoutError);
    expect(polls.map((p) => p.elapsedMs)).toEqual([300, 700, 1100]);
  });

  it("says when no state was ever reported", async () => {
    const out = await settle(
      waitFor({ what: "x", check: async () => ({ done: false, value: 1 }), timeoutMs: 50, intervalMs: 10 }),
    );
    expect((out.error as Error).message).toContain("no state was reported");
  });

  it("lets a non-retryable error from check propagate unchanged, at once", async () => {
    const boom = new Error("InvalidInstanceID.Malformed");
    let calls = 0;
    const out = await settle(
      waitFor({
        what: "x",
        check: async () => {
          calls++;
          throw boom;
        },
        timeoutMs: 60_000,
        retryErrors: (err) => err instanceof NotFoundError,
      }),
    );
    expect(out.error).toBe(boom);
    expect(calls).toBe(1);
  });

  it("polls through errors that retryErrors accepts", async () => {
    let calls = 0;
    const polls: PollEvent[] = [];
    const out = await settle(
      waitFor({
        what: "x",
        check: async () => {
          calls++;
          if (calls < 3) throw new NotFoundError("not yet visible");
          return { done: true, value: "found", state: "available" };
        },
        timeoutMs: 60_000,
        retryErrors: (err) => err instanceof NotFoundError,
        onPoll: (e) => polls.push(e),
      }),
    );
    expect(out.value).toBe("found");
    expect(polls.map((p) => p.error instanceof NotFoundError)).toEqual([true, true, false]);
  });

  it("reports the last retried error in the timeout, as its cause", async () => {
    const notYet = new NotFoundError("volume vol-1 not found");
    const out = await settle(
      waitFor({
        what: "volume vol-1",
        check: async () => Promise.reject(notYet),
        timeoutMs: 500,
        intervalMs: 100,
        retryErrors: () => true,
      }),
    );
    expect(out.error).toBeInstanceOf(TimeoutError);
    expect((out.error as Error).message).toContain("the last check failed: volume vol-1 not found");
    expect((out.error as Error).cause).toBe(notYet);
  });

  it("stops with an AbortedError when the caller aborts during a wait", async () => {
    const controller = new AbortController();
    const s = sequence(["pending"]);
    const promise = waitFor({
      what: "node web-1",
      check: s.check,
      timeoutMs: 60_000,
      intervalMs: 1000,
      signal: controller.signal,
    });
    const outcome = promise.then(
      () => undefined,
      (err: unknown) => err,
    );
    await vi.advanceTimersByTimeAsync(2500);
    const before = s.calls();
    controller.abort();
    const err = await outcome;
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as Error).message).toBe("Waiting for node web-1 was aborted by the caller's AbortSignal");
    await vi.runAllTimersAsync();
    expect(s.calls()).toBe(before);
  });
});

describe("waitFor (real timers, tiny intervals)", () => {
  it("does not check at all when the signal is already aborted, keeping a typed reason", async () => {
    const s = sequence(["pending"]);
    const reason = new AbortedError("shutting down");
    await expect(
      waitFor({ what: "x", check: s.check, timeoutMs: 1000, signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(s.calls()).toBe(0);
  });

  it("passes the caller's signal to check, or one that never fires", async () => {
    const seen: AbortSignal[] = [];
    const check = async (signal: AbortSignal) => {
      seen.push(signal);
      return { done: true, value: 1 };
    };
    const controller = new AbortController();
    await waitFor({ what: "x", check, timeoutMs: 1000, signal: controller.signal });
    await waitFor({ what: "x", check, timeoutMs: 1000 });
    expect(seen[0]).toBe(controller.signal);
    expect(seen[1]!.aborted).toBe(false);
  });

  it("turns a check failing because of the abort into an AbortedError, even if retryable", async () => {
    const controller = new AbortController();
    const err = await waitFor({
      what: "x",
      check: async () => {
        controller.abort();
        throw new Error("socket closed");
      },
      timeoutMs: 1000,
      signal: controller.signal,
      retryErrors: () => true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
  });

  it("polls for real with small intervals", async () => {
    const s = sequence(["a", "b", "c", "running"]);
    expect(
      await waitFor({ what: "x", check: s.check, timeoutMs: 10_000, intervalMs: 1, maxIntervalMs: 2 }),
    ).toBe("node is running");
    expect(s.calls()).toBe(4);
  });

  it("times out for real", async () => {
    await expect(
      waitFor({
        what: "x",
        check: async () => ({ done: false, value: 0, state: "s" }),
        timeoutMs: 20,
        intervalMs: 1,
      }),
    ).rejects.toBeInstanceOf(TimeoutError);
  });

  it.each([
    { timeoutMs: 0 },
    { timeoutMs: Number.NaN },
    { intervalMs: -1 },
    { intervalMs: 100, maxIntervalMs: 50 },
    { factor: 0.5 },
    { jitter: 1.5 },
  ])("refuses invalid options %o", async (options) => {
    const s = sequence(["running"]);
    await expect(waitFor({ what: "x", check: s.check, timeoutMs: 1000, ...options })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(s.calls()).toBe(0);
  });
});
