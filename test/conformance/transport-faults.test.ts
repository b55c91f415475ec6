import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NetworkError, OmnicloudError, ProviderError, TimeoutError } from "../../src/core/errors.js";
import type { RetryOptions } from "../../src/core/layers/retry.js";
import { Transport } from "../../src/core/transport/transport.js";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";
import { bytes, sha256, startServer, type TestServer } from "../support/http-server.js";

const FAST: RetryOptions = { maxAttempts: 4, baseDelayMs: 1, random: () => 0 };
const BLOB = bytes(1024 * 1024, 42);
const CHUNKED_BLOB = bytes(512 * 1024, 43);

/** A writable that counts what it got and keeps a hash-able copy. */
function collector(): { sink: Writable; data: () => Buffer } {
  const chunks: Buffer[] = [];
  return {
    sink: new Writable({
      write(chunk: Buffer, _enc, callback) {
        chunks.push(chunk);
        callback();
      },
    }),
    data: () => Buffer.concat(chunks),
  };
}

describe("transport behind a fault-injecting TCP proxy", () => {
  let server: TestServer;
  let proxy: FaultProxy;
  const transports: Transport[] = [];
  const make = (retry: RetryOptions | false = FAST, extra: { bodyTimeoutMs?: number } = {}): Transport => {
    const t = new Transport({ provider: "faults", proxy: false, retry, ...extra });
    transports.push(t);
    return t;
  };
  const upstreamSaw = (path: string): number => server.requests.filter((r) => r.url === path).length;

  beforeAll(async () => {
    server = await startServer(({ req, res, body }) => {
      switch (req.url) {
        case "/blob":
          res.setHeader("content-length", String(BLOB.length));
          res.setHeader("x-request-id", "blob");
          res.end(BLOB);
          return;
        case "/chunked":
          for (let i = 0; i < CHUNKED_BLOB.length; i += 64 * 1024) {
            res.write(CHUNKED_BLOB.subarray(i, i + 64 * 1024));
          }
          res.end();
          return;
        default:
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ url: req.url, length: body.length }));
      }
    });
    proxy = await startFaultProxy(server.port);
  });

  afterEach(async () => {
    for (const t of transports.splice(0)) await t.close();
    // Every test must use up exactly the faults it planned.
    expect(proxy.pending()).toBe(0);
  });

  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  it("a clean pass through the proxy returns the whole body", async () => {
    const res = await make().send({ method: "GET", url: `${proxy.url}/blob` });
    expect(sha256(res.body)).toBe(sha256(BLOB));
  });

  it("reset mid-body on a buffered GET is retried and the final body is whole", async () => {
    proxy.plan({ kind: "reset", afterBodyBytes: 100_000 }, 2);
    const before = upstreamSaw("/blob");
    const res = await make().send({ method: "GET", url: `${proxy.url}/blob` });
    expect(res.attempts).toBe(3);
    expect(res.body.length).toBe(BLOB.length);
    expect(sha256(res.body)).toBe(sha256(BLOB));
    expect(upstreamSaw("/blob") - before).toBe(3);
  });

  it("reset mid-body with retries off raises NetworkError, never short data", async () => {
    proxy.plan({ kind: "reset", afterBodyBytes: 100_000 });
    const err = await make(false)
      .send({ method: "GET", url: `${proxy.url}/blob` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(Buffer.isBuffer(err)).toBe(false);
  });

  it("truncated body (clean close before Content-Length) on send() with retries off: NetworkError", async () => {
    proxy.plan({ kind: "truncate", afterBodyBytes: 200_000 });
    const err = await make(false)
      .send({ method: "GET", url: `${proxy.url}/blob` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    // undici notices the early close itself (UND_ERR_SOCKET); omnicloud's own check says OMNICLOUD_TRUNCATED.
    expect(["OMNICLOUD_TRUNCATED", "UND_ERR_SOCKET", "UND_ERR_RES_CONTENT_LENGTH_MISMATCH"]).toContain(
      (err as NetworkError).code,
    );
  });

  it("truncated body on send() with retries on is retried and comes back whole", async () => {
    proxy.plan({ kind: "truncate", afterBodyBytes: 200_000 });
    const res = await make().send({ method: "GET", url: `${proxy.url}/blob` });
    expect(res.attempts).toBe(2);
    expect(sha256(res.body)).toBe(sha256(BLOB));
  });

  it("truncated chunked body on send() (no Content-Length) raises NetworkError with retries off", async () => {
    proxy.plan({ kind: "truncate", afterBodyBytes: 100_000 });
    await expect(make(false).send({ method: "GET", url: `${proxy.url}/chunked` })).rejects.toBeInstanceOf(
      NetworkError,
    );
  });

  it("truncated body on stream(): the stream errors with NetworkError, never ends cleanly", async () => {
    proxy.plan({ kind: "truncate", afterBodyBytes: 200_000 });
    const res = await make().stream({ method: "GET", url: `${proxy.url}/blob` });
    expect(res.status).toBe(200);
    const { sink, data } = collector();
    const err = await pipeline(res.body, sink).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NetworkError);
    expect(data().length).toBeLessThan(BLOB.length);
  });

  it("truncated chunked body on stream(): the stream errors with NetworkError", async () => {
    proxy.plan({ kind: "truncate", afterBodyBytes: 100_000 });
    const res = await make().stream({ method: "GET", url: `${proxy.url}/chunked` });
    const { sink } = collector();
    const err = await pipeline(res.body, sink).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NetworkError);
  });

  it("reset mid-body on stream(): the stream errors with NetworkError", async () => {
    proxy.plan({ kind: "reset", afterBodyBytes: 100_000 });
    const res = await make().stream({ method: "GET", url: `${proxy.url}/blob` });
    const { sink } = collector();
    const err = await pipeline(res.body, sink).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NetworkError);
  });

  it("stall mid-body raises the body timeout as TimeoutError (send and stream)", async () => {
    proxy.plan({ kind: "stall", afterBodyBytes: 50_000 }, 2);
    const t = make(false, { bodyTimeoutMs: 300 });
    const err = await t.send({ method: "GET", url: `${proxy.url}/blob` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe("UND_ERR_BODY_TIMEOUT");
    const res = await t.stream({ method: "GET", url: `${proxy.url}/blob` });
    const { sink } = collector();
    const err2 = await pipeline(res.body, sink).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err2).toBeInstanceOf(TimeoutError);
  });

  it("stall on a GET with retries on is retried and comes back whole", async () => {
    proxy.plan({ kind: "stall", afterBodyBytes: 50_000 });
    const res = await make(FAST, { bodyTimeoutMs: 300 }).send({ method: "GET", url: `${proxy.url}/blob` });
    expect(res.attempts).toBe(2);
    expect(sha256(res.body)).toBe(sha256(BLOB));
  });

  it("a 5xx burst from the proxy is retried, then succeeds; the burst never reached upstream", async () => {
    proxy.plan({ kind: "burst5xx" }, 3);
    const upstreamBefore = proxy.stats.upstreamConnections;
    const before = upstreamSaw("/burst");
    const res = await make().sendJson({ method: "GET", url: `${proxy.url}/burst` });
    expect(res.attempts).toBe(4);
    expect(res.body).toEqual({ url: "/burst", length: 0 });
    expect(upstreamSaw("/burst") - before).toBe(1);
    expect(proxy.stats.upstreamConnections - upstreamBefore).toBe(1);
  });

  it("a 5xx burst longer than the attempts raises ProviderError with the proxy's code and request id", async () => {
    proxy.plan({ kind: "burst5xx", status: 502 }, 2);
    const before = upstreamSaw("/burst-long");
    const err = await make({ ...FAST, maxAttempts: 2 })
      .send({ method: "GET", url: `${proxy.url}/burst-long` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    const e = err as ProviderError;
    expect(e.status).toBe(502);
    expect(e.code).toBe("SlowDown");
    expect(e.requestId).toBe("fault-proxy");
    expect(upstreamSaw("/burst-long") - before).toBe(0);
  });

  it("a 503 burst with Retry-After on a PUT with a Buffer body re-sends the whole body", async () => {
    proxy.plan({ kind: "burst5xx", retryAfter: "0" }, 2);
    const body = bytes(300_000, 3);
    const res = await make().sendJson({ method: "PUT", url: `${proxy.url}/put`, body });
    expect(res.attempts).toBe(3);
    expect(res.body).toEqual({ url: "/put", length: body.length });
    const last = server.requests.filter((r) => r.url === "/put").at(-1);
    expect(last?.bodySha256).toBe(sha256(body));
  });

  it("a reset mid-response after a one-shot Readable upload is not re-sent: upstream saw exactly 1", async () => {
    proxy.plan({ kind: "reset", afterBodyBytes: 5 });
    const bytesBefore = proxy.stats.bytesToUpstream;
    const upload = bytes(256 * 1024, 9);
    const err = await make()
      .send({ method: "PUT", url: `${proxy.url}/oneshot-reset`, body: Readable.from([upload]) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toContain("one-shot");
    expect(upstreamSaw("/oneshot-reset")).toBe(1);
    expect(server.requests.find((r) => r.url === "/oneshot-reset")?.bodySha256).toBe(sha256(upload));
    // The body crossed the proxy once, not twice.
    expect(proxy.stats.bytesToUpstream - bytesBefore).toBeLessThan(2 * upload.length);
  });

  it("a 503 from the proxy on a one-shot stream upload is not re-sent, and the error says one-shot", async () => {
    proxy.plan({ kind: "burst5xx" });
    const upstreamBefore = proxy.stats.upstreamConnections;
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 4; i++) yield bytes(64 * 1024, i + 1);
    }
    const err = await make()
      .send({ method: "PUT", url: `${proxy.url}/oneshot`, body: gen() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OmnicloudError);
    expect((err as OmnicloudError).message).toContain("one-shot");
    expect(upstreamSaw("/oneshot")).toBe(0);
    expect(proxy.stats.upstreamConnections).toBe(upstreamBefore);
  });
});
