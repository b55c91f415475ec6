import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AbortedError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { startServer, type TestServer } from "../support/http-server.js";

describe("rate-limit layer against a real server", () => {
  let server: TestServer;
  let inFlight = 0;
  let maxInFlight = 0;
  const arrivals: number[] = [];
  const transports: Transport[] = [];
  let holdMs = 40;

  beforeAll(async () => {
    server = await startServer(({ res }) => {
      arrivals.push(performance.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end("ok");
      }, holdMs);
    });
  });

  afterEach(async () => {
    for (const t of transports.splice(0)) await t.close();
    inFlight = 0;
    maxInFlight = 0;
    arrivals.length = 0;
    holdMs = 40;
  });

  afterAll(async () => {
    await server.close();
  });

  const make = (rateLimit: ConstructorParameters<typeof Transport>[0]["rateLimit"]): Transport => {
    const t = new Transport({ provider: "ratelimit", proxy: false, retry: false, rateLimit });
    transports.push(t);
    return t;
  };
  const fire = (t: Transport, n: number, path = "/"): Promise<unknown[]> =>
    Promise.all(
      Array.from({ length: n }, (_, i) => t.send({ method: "GET", url: `${server.url}${path}${i}` })),
    );

  it("without a limit, parallel calls do overlap at the server (the control)", async () => {
    await fire(make(undefined), 12);
    expect(maxInFlight).toBeGreaterThan(3);
  });

  it("maxConcurrent: the server never sees more than the limit at once", async () => {
    const t = make({ key: "rl-conc", maxConcurrent: 3 });
    const results = await fire(t, 12);
    expect(results).toHaveLength(12);
    expect(server.requests.length).toBeGreaterThanOrEqual(12);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThanOrEqual(1);
  });

  it("maxConcurrent is shared by transports using the same key", async () => {
    const a = make({ key: "rl-shared", maxConcurrent: 2 });
    const b = make({ key: "rl-shared", maxConcurrent: 2 });
    await Promise.all([fire(a, 6, "/a"), fire(b, 6, "/b")]);
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it("requestsPerSecond: arrivals stay inside the token-bucket envelope", async () => {
    // 5/s with a burst of 1: any k consecutive arrivals must span at least (k - 1 - slack) / 5 s. This is
    // a lower bound that a slow machine only makes easier to meet, not a speed requirement.
    holdMs = 0;
    const rate = 5;
    const t = make({ key: "rl-rate", requestsPerSecond: rate, burst: 1 });
    await fire(t, 6);
    expect(arrivals).toHaveLength(6);
    const sorted = [...arrivals].sort((x, y) => x - y);
    const slack = 1; // one arrival's worth of network jitter
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const allowed = 1 + slack + ((sorted[j]! - sorted[i]!) / 1000) * rate;
        expect(j - i + 1).toBeLessThanOrEqual(Math.ceil(allowed));
      }
    }
  });

  it("aborting a call that waits for a slot raises AbortedError and frees nothing it did not take", async () => {
    holdMs = 300;
    const t = make({ key: "rl-abort", maxConcurrent: 1 });
    const first = t.send({ method: "GET", url: `${server.url}/held` });
    const controller = new AbortController();
    const second = t.send({ method: "GET", url: `${server.url}/waiting`, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await expect(second).rejects.toBeInstanceOf(AbortedError);
    await expect(first).resolves.toMatchObject({ status: 200 });
    expect(server.requests.some((r) => r.url === "/waiting")).toBe(false);
    // The slot is free again: a third call goes through.
    await expect(t.send({ method: "GET", url: `${server.url}/after` })).resolves.toMatchObject({
      status: 200,
    });
    expect(maxInFlight).toBe(1);
  });
});
