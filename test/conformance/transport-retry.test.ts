import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  InvalidInputError,
  NetworkError,
  PermissionError,
  ProviderError,
  RateLimitError,
} from "../../src/core/errors.js";
import type { RetryEvent, RetryOptions } from "../../src/core/layers/retry.js";
import { fileBody } from "../../src/core/transport/body.js";
import { Transport } from "../../src/core/transport/transport.js";
import { bytes, type HandlerContext, sha256, startServer, type TestServer } from "../support/http-server.js";

/** Fast retries: tiny base delay and zero jitter, so no test waits on backoff. */
const FAST: RetryOptions = { maxAttempts: 4, baseDelayMs: 1, random: () => 0 };

describe("retries against a real server", () => {
  let server: TestServer;
  let dir: string;
  /** Per-path script: how the Nth request (0-based, per path) is answered. */
  const script = new Map<string, (ctx: HandlerContext, n: number) => void>();
  const counts = new Map<string, number>();
  const transports: Transport[] = [];
  const events: RetryEvent[] = [];

  const make = (retry: RetryOptions | false = FAST): Transport => {
    const t = new Transport({ provider: "retry", proxy: false, retry, onRetry: (e) => events.push(e) });
    transports.push(t);
    return t;
  };
  const seen = (path: string): number => server.requests.filter((r) => r.url === path).length;
  const fail =
    (status: number, headers: Record<string, string> = {}, body = "") =>
    (ctx: HandlerContext) => {
      ctx.res.writeHead(status, headers);
      ctx.res.end(body);
    };
  const ok = (ctx: HandlerContext): void => {
    ctx.res.setHeader("content-type", "application/json");
    ctx.res.end(JSON.stringify({ length: ctx.body.length, sha256: sha256(ctx.body) }));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "omnicloud-retry-"));
    server = await startServer((ctx) => {
      const path = ctx.req.url ?? "/";
      const n = counts.get(path) ?? 0;
      counts.set(path, n + 1);
      const step = script.get(path);
      if (!step) return fail(500, {}, "no script")(ctx);
      step(ctx, n);
    });
  });

  afterEach(async () => {
    for (const t of transports.splice(0)) await t.close();
    events.length = 0;
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Answer the first `n` requests to `path` with `first`, then with `then`. */
  function on(
    path: string,
    n: number,
    first: (ctx: HandlerContext) => void,
    then: (ctx: HandlerContext) => void = ok,
  ): string {
    script.set(path, (ctx, i) => (i < n ? first(ctx) : then(ctx)));
    return `${server.url}${path}`;
  }

  it("GET: a burst of 503s, then success; the server saw N+1 requests", async () => {
    const url = on("/get-503", 2, fail(503, {}, "busy"));
    const res = await make().send({ method: "GET", url });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
    expect(seen("/get-503")).toBe(3);
    expect(events.map((e) => e.reason)).toEqual(["status 503", "status 503"]);
  });

  it("POST is not retried: the server saw exactly 1 request", async () => {
    const url = on("/post-503", 5, fail(503, { "content-type": "application/json" }, '{"code":"Busy"}'));
    const err = await make()
      .send({ method: "POST", url, body: "hello" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(503);
    expect((err as ProviderError).message).toContain("not idempotent");
    expect(seen("/post-503")).toBe(1);
    expect(events).toEqual([]);
  });

  it("POST marked idempotent is retried", async () => {
    const url = on("/post-idem", 2, fail(503));
    const res = await make().send({ method: "POST", url, body: "hello", idempotent: true });
    expect(res.attempts).toBe(3);
    expect(seen("/post-idem")).toBe(3);
    // Each attempt carried the whole body.
    expect(server.requests.filter((r) => r.url === "/post-idem").map((r) => r.bodyLength)).toEqual([5, 5, 5]);
  });

  it("idempotent: false forbids retrying even a GET", async () => {
    const url = on("/get-no", 5, fail(503));
    await expect(make().send({ method: "GET", url, idempotent: false })).rejects.toBeInstanceOf(
      ProviderError,
    );
    expect(seen("/get-no")).toBe(1);
  });

  it("429 with Retry-After in seconds is honoured", async () => {
    const url = on("/429-seconds", 1, fail(429, { "retry-after": "1" }));
    const res = await make().send({ method: "GET", url });
    expect(res.attempts).toBe(2);
    expect(events).toEqual([{ attempt: 1, delayMs: 1000, reason: "status 429" }]);
  });

  it("429 with Retry-After as an HTTP-date is honoured", async () => {
    const url = on("/429-date", 1, (ctx) =>
      // Whole seconds: now + 3 s rounds down to at least now + 2 s.
      fail(429, { "retry-after": new Date(Date.now() + 3_000).toUTCString() })(ctx),
    );
    const res = await make().send({ method: "GET", url });
    expect(res.attempts).toBe(2);
    expect(events).toHaveLength(1);
    // The wait comes from the date (backoff would be 0 with random: () => 0), and never exceeds it.
    expect(events[0]!.delayMs).toBeGreaterThan(0);
    expect(events[0]!.delayMs).toBeLessThanOrEqual(3_000);
  });

  it("retries exhausted on 429: RateLimitError with retryAfter, status, code, request id and excerpt", async () => {
    const body = JSON.stringify({ error: { code: "TooManyRequests", message: "slow down please" } });
    const url = on(
      "/429-always",
      99,
      fail(429, { "retry-after": "1", "x-request-id": "rid-429", "content-type": "application/json" }, body),
    );
    const err = await make({ ...FAST, maxAttempts: 2 })
      .send({ method: "GET", url })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const e = err as RateLimitError;
    expect(e.retryAfter).toBe(1);
    expect(e.status).toBe(429);
    expect(e.code).toBe("TooManyRequests");
    expect(e.requestId).toBe("rid-429");
    expect(e.bodyExcerpt).toContain("slow down please");
    expect(e.message).toContain("after 2 attempts");
    expect(seen("/429-always")).toBe(2);
  });

  it("a Retry-After past the retry budget is not waited for: the 429 is raised at once", async () => {
    const url = on("/429-long", 99, fail(429, { "retry-after": "3600" }));
    const err = await make({ ...FAST, budgetMs: 5_000 })
      .send({ method: "GET", url })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfter).toBe(3600);
    expect((err as RateLimitError).message).toContain("retry budget");
    expect(seen("/429-long")).toBe(1);
  });

  it("retries exhausted on 503: ProviderError with status, code, request id (x-amz-request-id) and excerpt", async () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>ABC123</RequestId></Error>';
    const url = on(
      "/503-always",
      99,
      fail(503, { "x-amz-request-id": "ABC123", "content-type": "application/xml" }, xml),
    );
    const err = await make()
      .send({ method: "GET", url })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    const e = err as ProviderError;
    expect(e.status).toBe(503);
    expect(e.code).toBe("SlowDown");
    expect(e.requestId).toBe("ABC123");
    expect(e.bodyExcerpt).toContain("Please reduce your request rate.");
    expect(e.message).toContain("after 4 attempts");
    expect(seen("/503-always")).toBe(4);
    expect(events).toHaveLength(3);
  });

  it("4xx is not retried", async () => {
    const url = on("/400", 99, fail(400, { "content-type": "application/json" }, '{"message":"bad name"}'));
    const err = await make()
      .send({ method: "GET", url })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(seen("/400")).toBe(1);
    const url403 = on("/403", 99, fail(403));
    await expect(make().send({ method: "GET", url: url403 })).rejects.toBeInstanceOf(PermissionError);
    expect(seen("/403")).toBe(1);
  });

  it("a connection reset is retried for GET", async () => {
    const url = on("/reset", 1, (ctx) => ctx.req.socket.resetAndDestroy());
    const res = await make().send({ method: "GET", url });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
    expect(seen("/reset")).toBe(2);
    expect(events).toHaveLength(1);
  });

  it("a connection reset is not retried for POST: NetworkError", async () => {
    const url = on("/reset-post", 1, (ctx) => ctx.req.socket.resetAndDestroy());
    const err = await make()
      .send({ method: "POST", url, body: "x" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toContain("not idempotent");
    expect(seen("/reset-post")).toBe(1);
  });

  it("with retries off, a reset raises NetworkError after one attempt", async () => {
    const url = on("/reset-off", 1, (ctx) => ctx.req.socket.resetAndDestroy());
    await expect(make(false).send({ method: "GET", url })).rejects.toBeInstanceOf(NetworkError);
    expect(seen("/reset-off")).toBe(1);
  });

  it("a one-shot Readable body is NOT re-sent after a reset, and the error says why", async () => {
    const url = on("/oneshot-reset", 1, (ctx) => ctx.req.socket.resetAndDestroy());
    const err = await make()
      .send({ method: "PUT", url, body: Readable.from([Buffer.from("abc"), Buffer.from("def")]) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toContain("one-shot");
    expect(seen("/oneshot-reset")).toBe(1);
  });

  it("a one-shot Readable body is NOT re-sent after a 503, and the error says why", async () => {
    const url = on("/oneshot-503", 1, fail(503, { "x-request-id": "r1" }, "busy"));
    const err = await make()
      .send({ method: "PUT", url, body: Readable.from([Buffer.from("abc"), Buffer.from("def")]) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).status).toBe(503);
    expect((err as ProviderError).message).toContain("one-shot");
    expect(seen("/oneshot-503")).toBe(1);
    expect(server.requests.find((r) => r.url === "/oneshot-503")?.bodyLength).toBe(6);
  });

  it("an AsyncIterable body is NOT re-sent after a 503", async () => {
    const url = on("/iter-503", 1, fail(503));
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode("hello");
    }
    await expect(make().send({ method: "PUT", url, body: gen() })).rejects.toBeInstanceOf(ProviderError);
    expect(seen("/iter-503")).toBe(1);
  });

  it("a fileBody() IS re-sent after a 503, and the server got the full correct bytes each time", async () => {
    const data = bytes(2 * 1024 * 1024 + 17, 99);
    const file = join(dir, "retry.bin");
    writeFileSync(file, data);
    const url = on("/file-503", 2, fail(503));
    const res = await make().sendJson({ method: "PUT", url, body: fileBody(file) });
    expect(res.attempts).toBe(3);
    expect(res.body).toEqual({ length: data.length, sha256: sha256(data) });
    const records = server.requests.filter((r) => r.url === "/file-503");
    expect(records).toHaveLength(3);
    for (const r of records) {
      expect(r.bodyLength).toBe(data.length);
      expect(r.bodySha256).toBe(sha256(data));
      expect(r.headers["content-length"]).toBe(String(data.length));
    }
  });

  it("a Buffer body is re-sent after a reset (PUT)", async () => {
    const data = bytes(100_000, 5);
    const url = on("/buf-reset", 1, (ctx) => ctx.req.socket.resetAndDestroy());
    const res = await make().sendJson({ method: "PUT", url, body: data });
    expect(res.body).toEqual({ length: data.length, sha256: sha256(data) });
    expect(seen("/buf-reset")).toBe(2);
  });

  it("stream(): a 503 burst is retried before the body is handed back", async () => {
    const url = on("/stream-503", 2, fail(503, {}, "busy"), (ctx) => ctx.res.end("streamed"));
    const res = await make().stream({ method: "GET", url });
    const chunks: Buffer[] = [];
    for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe("streamed");
    expect(res.attempts).toBe(3);
    expect(seen("/stream-503")).toBe(3);
  });
});
