import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError, ProviderError } from "../../src/core/errors.js";
import { fileBody } from "../../src/core/transport/body.js";
import { buildUrl, Transport } from "../../src/core/transport/transport.js";
import { bytes, readStream, sha256, startServer, type TestServer } from "../support/http-server.js";

const payload = bytes(300_000, 7);

describe("transport basics against a real HTTP server", () => {
  let server: TestServer;
  let transport: Transport;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "omnicloud-basic-"));
    server = await startServer(({ req, res, body }) => {
      const url = new URL(req.url ?? "/", "http://x");
      res.setHeader("x-request-id", `req-${url.pathname}`);
      switch (url.pathname) {
        case "/json":
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ hello: "world", n: 3 }));
          return;
        case "/empty-json":
          res.statusCode = 204;
          res.end();
          return;
        case "/not-json":
          res.end("<html>oops</html>");
          return;
        case "/blob":
          res.setHeader("content-length", String(payload.length));
          res.end(payload);
          return;
        case "/chunked":
          // No Content-Length: written in pieces, sent chunked.
          for (let i = 0; i < payload.length; i += 50_000) res.write(payload.subarray(i, i + 50_000));
          res.end();
          return;
        case "/missing":
          res.statusCode = 404;
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify({ error: { code: "NoSuchThing", message: "no such thing" } }));
          return;
        case "/echo":
          res.setHeader("content-type", "application/json");
          res.end(
            JSON.stringify({
              method: req.method,
              url: req.url,
              length: body.length,
              sha256: sha256(body),
              contentLength: req.headers["content-length"] ?? null,
              transferEncoding: req.headers["transfer-encoding"] ?? null,
              userAgent: req.headers["user-agent"] ?? null,
              accept: req.headers.accept ?? null,
              contentType: req.headers["content-type"] ?? null,
              text: body.length < 1024 ? body.toString("utf8") : null,
            }),
          );
          return;
        default:
          res.statusCode = 500;
          res.end("unknown path");
      }
    });
    transport = new Transport({
      provider: "basic",
      proxy: false,
      retry: false,
      userAgent: "conformance/1.0",
    });
  });

  afterAll(async () => {
    await transport.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  interface Echo {
    method: string;
    url: string;
    length: number;
    sha256: string;
    contentLength: string | null;
    transferEncoding: string | null;
    userAgent: string | null;
    accept: string | null;
  }

  async function echo(init: Parameters<Transport["sendJson"]>[0]): Promise<Echo> {
    const res = await transport.sendJson(init);
    expect(res.status).toBe(200);
    return res.body as Echo;
  }

  it("send() returns the whole body, status, headers, request id and attempt count", async () => {
    const res = await transport.send({ method: "GET", url: `${server.url}/blob` });
    expect(res.status).toBe(200);
    expect(Buffer.isBuffer(res.body)).toBe(true);
    expect(res.body.length).toBe(payload.length);
    expect(sha256(res.body)).toBe(sha256(payload));
    expect(res.headers["content-length"]).toBe(String(payload.length));
    expect(res.requestId).toBe("req-/blob");
    expect(res.attempts).toBe(1);
  });

  it("send() reads a chunked body of unknown length whole", async () => {
    const res = await transport.send({ method: "GET", url: `${server.url}/chunked` });
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    expect(sha256(res.body)).toBe(sha256(payload));
  });

  it("sendJson() parses JSON and asks for it with Accept", async () => {
    const res = await transport.sendJson({ method: "GET", url: `${server.url}/json` });
    expect(res.body).toEqual({ hello: "world", n: 3 });
    const seen = await echo({ method: "GET", url: `${server.url}/echo` });
    expect(seen.accept).toBe("application/json");
    // A caller's own Accept (any case) wins.
    const own = await echo({ method: "GET", url: `${server.url}/echo`, headers: { Accept: "text/plain" } });
    expect(own.accept).toBe("text/plain");
  });

  it("json sends the value serialised with its content type, and refuses a body beside it", async () => {
    const value = { name: "www", ttl: 300, data: ["a", "b"] };
    const res = await transport.sendJson({ method: "POST", url: `${server.url}/echo`, json: value });
    expect(res.body).toMatchObject({
      contentType: "application/json",
      text: JSON.stringify(value),
      contentLength: String(Buffer.byteLength(JSON.stringify(value))),
    });
    const custom = await transport.sendJson({
      method: "PUT",
      url: `${server.url}/echo`,
      json: [1],
      headers: { "Content-Type": "application/merge-patch+json" },
    });
    expect(custom.body).toMatchObject({ contentType: "application/merge-patch+json", text: "[1]" });
    await expect(
      transport.send({ method: "POST", url: `${server.url}/echo`, json: {}, body: "x" }),
    ).rejects.toThrow(/either body or json/);
  });

  it("sendJson() gives undefined for an empty body and a ProviderError for a body that is not JSON", async () => {
    const empty = await transport.sendJson({ method: "GET", url: `${server.url}/empty-json` });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeUndefined();
    await expect(transport.sendJson({ method: "GET", url: `${server.url}/not-json` })).rejects.toBeInstanceOf(
      ProviderError,
    );
  });

  it("stream() hands back the body as a stream that ends whole", async () => {
    const res = await transport.stream({ method: "GET", url: `${server.url}/blob` });
    expect(res.status).toBe(200);
    expect(res.body).toBeInstanceOf(Readable);
    const data = await readStream(res.body);
    expect(sha256(data)).toBe(sha256(payload));
    const chunked = await transport.stream({ method: "GET", url: `${server.url}/chunked` });
    expect(sha256(await readStream(chunked.body))).toBe(sha256(payload));
  });

  it("a 404 raises NotFoundError with the provider's code, status and request id", async () => {
    const err = await transport
      .send({ method: "GET", url: `${server.url}/missing` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    const e = err as NotFoundError;
    expect(e.status).toBe(404);
    expect(e.code).toBe("NoSuchThing");
    expect(e.requestId).toBe("req-/missing");
    expect(e.message).toContain("no such thing");
    // The same through stream(): the error body is read and parsed, not handed back.
    await expect(transport.stream({ method: "GET", url: `${server.url}/missing` })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("okStatuses turns a status into an answer", async () => {
    const res = await transport.send({ method: "GET", url: `${server.url}/missing`, okStatuses: [200, 404] });
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString("utf8"))).toMatchObject({ error: { code: "NoSuchThing" } });
  });

  it("builds the query: repeats arrays, drops undefined and null, keeps the URL's own parameters", async () => {
    const seen = await echo({
      method: "GET",
      url: `${server.url}/echo?fixed=1`,
      query: {
        a: "x y&z=",
        n: 42,
        t: true,
        f: false,
        list: ["1", "2"],
        gone: undefined,
        nil: null,
        unicode: "é/ü",
      },
    });
    const url = new URL(seen.url, "http://x");
    expect(url.searchParams.get("fixed")).toBe("1");
    expect(url.searchParams.get("a")).toBe("x y&z=");
    expect(url.searchParams.get("n")).toBe("42");
    expect(url.searchParams.get("t")).toBe("true");
    expect(url.searchParams.get("f")).toBe("false");
    expect(url.searchParams.getAll("list")).toEqual(["1", "2"]);
    expect(url.searchParams.has("gone")).toBe(false);
    expect(url.searchParams.has("nil")).toBe(false);
    expect(url.searchParams.get("unicode")).toBe("é/ü");
    expect(buildUrl("http://h/p").href).toBe("http://h/p");
  });

  it("sends omnicloud's user agent with the caller's suffix", async () => {
    const seen = await echo({ method: "GET", url: `${server.url}/echo` });
    expect(seen.userAgent).toMatch(
      /^omnicloud\/\d+\.\d+\.\d+ node\/\d+\.\d+\.\d+ \(\w+; \w+\) conformance\/1\.0$/,
    );
  });

  it("HEAD returns status and headers with an empty body, and the connection stays usable", async () => {
    const res = await transport.send({ method: "HEAD", url: `${server.url}/blob` });
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe(String(payload.length));
    expect(res.body.length).toBe(0);
    const after = server.connections();
    const again = await transport.send({ method: "GET", url: `${server.url}/blob` });
    expect(again.body.length).toBe(payload.length);
    // The GET reused the HEAD's kept-alive connection: nothing was left unread on it.
    expect(server.connections()).toBe(after);
  });

  it("stream() of a HEAD hands back an empty Readable, not a Buffer", async () => {
    const res = await transport.stream({ method: "HEAD", url: `${server.url}/blob` });
    expect(res.status).toBe(200);
    expect(res.body).toBeInstanceOf(Readable);
    expect((await readStream(res.body)).length).toBe(0);
  });

  it("a stream() destroyed early frees its connection for the next call", async () => {
    const res = await transport.stream({ method: "GET", url: `${server.url}/blob` });
    for await (const _chunk of res.body) break; // reads one chunk, then destroys the stream
    expect(res.body.destroyed).toBe(true);
    const next = await transport.send({ method: "GET", url: `${server.url}/blob` });
    expect(sha256(next.body)).toBe(sha256(payload));
  });

  describe("request bodies reach the server byte for byte", () => {
    it("string (UTF-8, Content-Length in bytes)", async () => {
      const text = "grüße, 世界 ".repeat(1000);
      const seen = await echo({ method: "PUT", url: `${server.url}/echo`, body: text });
      expect(seen.length).toBe(Buffer.byteLength(text));
      expect(seen.contentLength).toBe(String(Buffer.byteLength(text)));
      expect(seen.sha256).toBe(sha256(text));
    });

    it("Buffer and Uint8Array", async () => {
      const seen = await echo({ method: "PUT", url: `${server.url}/echo`, body: payload });
      expect(seen.contentLength).toBe(String(payload.length));
      expect(seen.sha256).toBe(sha256(payload));
      const view = new Uint8Array(payload.buffer, payload.byteOffset + 10, 1000);
      const seen2 = await echo({ method: "PUT", url: `${server.url}/echo`, body: view });
      expect(seen2.length).toBe(1000);
      expect(seen2.sha256).toBe(sha256(view));
    });

    it("an empty string sends Content-Length 0", async () => {
      const seen = await echo({ method: "POST", url: `${server.url}/echo`, body: "" });
      expect(seen.length).toBe(0);
      expect(seen.contentLength).toBe("0");
    });

    it("fileBody(), whole and by range, with Content-Length", async () => {
      const file = join(dir, "upload.bin");
      writeFileSync(file, payload);
      const whole = await echo({ method: "PUT", url: `${server.url}/echo`, body: fileBody(file) });
      expect(whole.contentLength).toBe(String(payload.length));
      expect(whole.transferEncoding).toBeNull();
      expect(whole.sha256).toBe(sha256(payload));
      const part = await echo({
        method: "PUT",
        url: `${server.url}/echo`,
        body: fileBody(file, { start: 1000, end: 1999 }),
      });
      expect(part.contentLength).toBe("1000");
      expect(part.sha256).toBe(sha256(payload.subarray(1000, 2000)));
    });

    it("Readable of unknown length goes chunked", async () => {
      const pieces = [
        payload.subarray(0, 100_000),
        payload.subarray(100_000, 250_000),
        payload.subarray(250_000),
      ];
      const seen = await echo({ method: "PUT", url: `${server.url}/echo`, body: Readable.from(pieces) });
      expect(seen.transferEncoding).toBe("chunked");
      expect(seen.contentLength).toBeNull();
      expect(seen.sha256).toBe(sha256(payload));
    });

    it("AsyncIterable of unknown length goes chunked", async () => {
      async function* gen(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < payload.length; i += 65_536) {
          await new Promise((r) => setImmediate(r));
          yield new Uint8Array(payload.subarray(i, i + 65_536));
        }
      }
      const seen = await echo({ method: "PUT", url: `${server.url}/echo`, body: gen() });
      expect(seen.transferEncoding).toBe("chunked");
      expect(seen.sha256).toBe(sha256(payload));
    });

    it("a Readable with contentLength sends Content-Length instead of chunked", async () => {
      const seen = await echo({
        method: "PUT",
        url: `${server.url}/echo`,
        body: Readable.from([payload]),
        contentLength: payload.length,
      });
      expect(seen.contentLength).toBe(String(payload.length));
      expect(seen.transferEncoding).toBeNull();
      expect(seen.sha256).toBe(sha256(payload));
    });
  });
});
