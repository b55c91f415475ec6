import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortedError, NetworkError, TimeoutError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import {
  type SilentServer,
  startServer,
  startSilentServer,
  type TestServer,
} from "../support/http-server.js";

const sink = (): Writable =>
  new Writable({
    write(_chunk, _enc, callback) {
      callback();
    },
  });

describe("transport timeouts and cancellation", () => {
  let server: TestServer;
  let silent: SilentServer;
  const transports: Transport[] = [];
  const make = (options: Partial<ConstructorParameters<typeof Transport>[0]> = {}): Transport => {
    const t = new Transport({ provider: "timeouts", proxy: false, retry: false, ...options });
    transports.push(t);
    return t;
  };

  beforeAll(async () => {
    silent = await startSilentServer();
    server = await startServer(({ req, res }) => {
      const url = new URL(req.url ?? "/", "http://x");
      switch (url.pathname) {
        case "/never":
          // Headers never come; the socket is destroyed by close().
          return;
        case "/stall-body":
          res.setHeader("content-length", "1000");
          res.write("x".repeat(100));
          return; // ...and then nothing.
        case "/slow":
          setTimeout(() => res.end("late"), 5_000).unref();
          return;
        case "/busy":
          res.statusCode = 503;
          res.setHeader("retry-after", "30");
          res.end("busy");
          return;
        default:
          res.end("ok");
      }
    });
  });

  afterAll(async () => {
    for (const t of transports) await t.close();
    await server.close();
    await silent.close();
  });

  it("connect timeout: a TLS handshake that never completes raises TimeoutError (connecting)", async () => {
    // Only 127.0.0.1 may be used, so an unroutable address is out; a server that accepts TCP but never
    // answers the TLS ClientHello keeps undici in its connect phase, which its connect timeout covers.
    const t = make({ connectTimeoutMs: 300 });
    const err = await t
      .send({ method: "GET", url: `https://127.0.0.1:${silent.port}/` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe("UND_ERR_CONNECT_TIMEOUT");
    expect((err as TimeoutError).message).toContain("connecting");
  });

  it("refused connection raises NetworkError ECONNREFUSED", async () => {
    // A port that was just free: bind, note it, close.
    const gone = await startServer(() => {});
    const port = gone.port;
    await gone.close();
    const t = make();
    const err = await t.send({ method: "GET", url: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).code).toBe("ECONNREFUSED");
  });

  it("headers timeout raises TimeoutError", async () => {
    const t = make({ headersTimeoutMs: 300 });
    const err = await t.send({ method: "GET", url: `${server.url}/never` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe("UND_ERR_HEADERS_TIMEOUT");
    expect((err as TimeoutError).message).toContain("response headers");
    // Also against a bare TCP server that reads the request and never answers.
    const err2 = await t
      .send({ method: "GET", url: `http://127.0.0.1:${silent.port}/` })
      .catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(TimeoutError);
  });

  it("body (idle) timeout on send() raises TimeoutError, never short data", async () => {
    const t = make({ bodyTimeoutMs: 300 });
    const err = await t.send({ method: "GET", url: `${server.url}/stall-body` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe("UND_ERR_BODY_TIMEOUT");
  });

  it("body (idle) timeout on stream() errors the stream with TimeoutError", async () => {
    const t = make({ bodyTimeoutMs: 300 });
    const res = await t.stream({ method: "GET", url: `${server.url}/stall-body` });
    expect(res.status).toBe(200);
    const err = await pipeline(res.body, sink()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it("requestTimeoutMs is a deadline for the whole call: TimeoutError", async () => {
    const t = make({ requestTimeoutMs: 300 });
    const err = await t.send({ method: "GET", url: `${server.url}/slow` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).message).toContain("did not finish within 300 ms");
    // A per-call timeoutMs overrides the transport's.
    const t2 = make();
    const err2 = await t2
      .send({ method: "GET", url: `${server.url}/slow`, timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(TimeoutError);
  });

  it("the deadline covers retries and their backoff waits", async () => {
    // Retry-After: 30 would wait 30 s; the 400 ms deadline ends the call during the wait.
    const t = make({ retry: { maxAttempts: 5, budgetMs: 120_000 }, requestTimeoutMs: 400 });
    const started = Date.now();
    const err = await t.send({ method: "GET", url: `${server.url}/busy` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    // Bounded, not a timing assertion: it did not sit out the 30 s Retry-After.
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it("a deadline passing while a stream() body is being read errors the stream with TimeoutError", async () => {
    const t = make();
    const res = await t.stream({ method: "GET", url: `${server.url}/stall-body`, timeoutMs: 300 });
    const err = await pipeline(res.body, sink()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it("the caller's AbortSignal raises AbortedError", async () => {
    const t = make();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user pressed ^C")), 100);
    const err = await t
      .send({ method: "GET", url: `${server.url}/never`, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect((err as AbortedError).cause).toBeInstanceOf(Error);
  });

  it("an already-aborted signal raises AbortedError without sending", async () => {
    const t = make();
    const before = server.requests.length;
    const err = await t
      .send({ method: "GET", url: `${server.url}/ok`, signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect(server.requests.length).toBe(before);
  });

  it("aborting during a retry backoff wait raises AbortedError at once, with no further attempt", async () => {
    const retries: number[] = [];
    const t = make({
      retry: { maxAttempts: 5, budgetMs: 120_000 },
      onRetry: (e) => retries.push(e.delayMs),
    });
    const controller = new AbortController();
    const before = server.requests.filter((r) => r.url === "/busy").length;
    const call = t.send({ method: "GET", url: `${server.url}/busy`, signal: controller.signal });
    // Wait until the first 503 came back and the 30 s wait began, then abort.
    for (let i = 0; i < 200 && retries.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(retries).toEqual([30_000]);
    controller.abort();
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect(server.requests.filter((r) => r.url === "/busy").length - before).toBe(1);
  });

  it("aborting while a stream() body is being read errors the stream with AbortedError", async () => {
    const t = make();
    const controller = new AbortController();
    const res = await t.stream({ method: "GET", url: `${server.url}/stall-body`, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await pipeline(res.body, sink()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
  });
});
