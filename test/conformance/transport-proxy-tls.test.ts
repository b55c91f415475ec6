import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NetworkError, TimeoutError } from "../../src/core/errors.js";
import { Transport, type TransportOptions } from "../../src/core/transport/transport.js";
import { startServer, type TestServer } from "../support/http-server.js";

interface ProxyHit {
  mode: "absolute" | "connect";
  target: string;
  proxyAuthorization: string | undefined;
}

interface ForwardProxy {
  url: string;
  hits: ProxyHit[];
  close(): Promise<void>;
}

/**
 * A tiny HTTP proxy: absolute-form requests (`GET http://host/path`) are forwarded with http.request, and
 * CONNECT opens a TCP tunnel (as for https:// targets). Only 127.0.0.1 targets are allowed.
 */
async function startForwardProxy(): Promise<ForwardProxy> {
  const hits: ProxyHit[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const target = req.url ?? "";
    hits.push({ mode: "absolute", target, proxyAuthorization: req.headers["proxy-authorization"] });
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      res.statusCode = 400;
      res.end("absolute-form request expected");
      return;
    }
    if (url.hostname !== "127.0.0.1") {
      res.statusCode = 403;
      res.end("only 127.0.0.1");
      return;
    }
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, via: "1.1 test-proxy" };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
      },
      (up: IncomingMessage) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? "";
    hits.push({ mode: "connect", target, proxyAuthorization: req.headers["proxy-authorization"] });
    const [host, port] = target.split(":");
    if (host !== "127.0.0.1") {
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const upstream = connect(Number(port), host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const transports: Transport[] = [];
function make(options: Omit<TransportOptions, "provider">): Transport {
  const t = new Transport({ provider: "proxytls", retry: false, ...options });
  transports.push(t);
  return t;
}

afterEach(async () => {
  for (const t of transports.splice(0)) await t.close();
});

describe("HTTP proxy", () => {
  let server: TestServer;
  let proxy: ForwardProxy;

  beforeAll(async () => {
    server = await startServer(({ req, res }) => {
      if (req.url === "/never") return;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ via: req.headers.via ?? null, url: req.url }));
    });
    proxy = await startForwardProxy();
  });

  afterEach(() => {
    proxy.hits.length = 0;
  });

  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  it("proxy.http sends http:// requests through the proxy in absolute form", async () => {
    const t = make({ proxy: { http: proxy.url } });
    const res = await t.sendJson({ method: "GET", url: `${server.url}/through?x=1` });
    expect(res.body).toEqual({ via: "1.1 test-proxy", url: "/through?x=1" });
    expect(proxy.hits).toEqual([
      { mode: "absolute", target: `${server.url}/through?x=1`, proxyAuthorization: undefined },
    ]);
  });

  it("credentials in the proxy URL go to the proxy as Proxy-Authorization, not to the server", async () => {
    const authed = proxy.url.replace("http://", "http://user:p%40ss@");
    const t = make({ proxy: { http: authed } });
    const res = await t.sendJson({ method: "GET", url: `${server.url}/authed` });
    expect(res.body).toMatchObject({ via: "1.1 test-proxy" });
    expect(proxy.hits[0]?.proxyAuthorization).toBe(`Basic ${Buffer.from("user:p@ss").toString("base64")}`);
    expect(server.requests.at(-1)?.headers["proxy-authorization"]).toBeUndefined();
  });

  it("noProxy bypasses the proxy for the listed hosts", async () => {
    const t = make({ proxy: { http: proxy.url, noProxy: "example.invalid,127.0.0.1" } });
    const res = await t.sendJson({ method: "GET", url: `${server.url}/direct` });
    expect(res.body).toEqual({ via: null, url: "/direct" });
    expect(proxy.hits).toEqual([]);
  });

  it("HTTP_PROXY / NO_PROXY from the environment are honoured; proxy: false ignores them", async () => {
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    try {
      process.env.HTTP_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      const viaEnv = await make({}).sendJson({ method: "GET", url: `${server.url}/env` });
      expect(viaEnv.body).toMatchObject({ via: "1.1 test-proxy" });
      expect(proxy.hits).toHaveLength(1);

      const off = await make({ proxy: false }).sendJson({ method: "GET", url: `${server.url}/off` });
      expect(off.body).toMatchObject({ via: null });

      process.env.NO_PROXY = "127.0.0.1";
      const bypass = await make({}).sendJson({ method: "GET", url: `${server.url}/no-proxy-env` });
      expect(bypass.body).toMatchObject({ via: null });
      expect(proxy.hits).toHaveLength(1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("the transport's headers timeout still applies through the proxy", async () => {
    const t = make({ proxy: { http: proxy.url }, headersTimeoutMs: 300 });
    const err = await t.send({ method: "GET", url: `${server.url}/never` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe("UND_ERR_HEADERS_TIMEOUT");
  });
});

function haveOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const OPENSSL = haveOpenssl();
if (!OPENSSL) {
  console.warn("transport-proxy-tls: openssl is not installed; the TLS tests are SKIPPED");
}

describe.skipIf(!OPENSSL)("TLS with a self-signed certificate (needs openssl)", () => {
  let dir: string;
  let cert: string;
  let server: TestServer;
  let proxy: ForwardProxy;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "omnicloud-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "cert.pem"), "utf8");
    server = await startServer(
      ({ res }) => {
        res.end("secure hello");
      },
      {
        tls: { key: readFileSync(join(dir, "key.pem")), cert },
      },
    );
    proxy = await startForwardProxy();
  });

  afterAll(async () => {
    await proxy.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the default transport refuses the self-signed server with a NetworkError naming TLS", async () => {
    const err = await make({ proxy: false })
      .send({ method: "GET", url: `${server.url}/` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toMatch(/TLS/);
    expect((err as NetworkError).message).toContain("tls.ca");
    expect((err as NetworkError).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
  });

  it("a TLS failure is not retried (it would fail the same way)", async () => {
    const retries: string[] = [];
    const t = new Transport({
      provider: "proxytls",
      proxy: false,
      retry: { maxAttempts: 4, baseDelayMs: 1 },
      onRetry: (e) => retries.push(e.reason),
    });
    transports.push(t);
    const err = await t.send({ method: "GET", url: `${server.url}/` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(retries).toEqual([]);
  });

  it("with tls.ca the same server is trusted", async () => {
    const res = await make({ proxy: false, tls: { ca: cert } }).send({
      method: "GET",
      url: `${server.url}/`,
    });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("secure hello");
  });

  it("a certificate for another name fails verification even with its CA trusted", async () => {
    const err = await make({ proxy: false, tls: { ca: cert, servername: "not-this-host.example" } })
      .send({ method: "GET", url: `${server.url}/` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toMatch(/TLS/);
  });

  it("rejectUnauthorized: false works but warns", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(String((w as { code?: string }).code));
    };
    process.on("warning", onWarning);
    try {
      const t = make({ proxy: false, tls: { rejectUnauthorized: false } });
      const res = await t.send({ method: "GET", url: `${server.url}/` });
      expect(res.status).toBe(200);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).toContain("OMNICLOUD_TLS_INSECURE");
  });

  it("https:// through proxy.https tunnels with CONNECT and keeps the TLS trust", async () => {
    const res = await make({ proxy: { https: proxy.url }, tls: { ca: cert } }).send({
      method: "GET",
      url: `${server.url}/tunnelled`,
    });
    expect(res.body.toString()).toBe("secure hello");
    expect(proxy.hits.map((h) => h.mode)).toEqual(["connect"]);
    expect(proxy.hits[0]?.target).toBe(`127.0.0.1:${server.port}`);
    const err = await make({ proxy: { https: proxy.url } })
      .send({ method: "GET", url: `${server.url}/tunnelled` })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toMatch(/TLS/);
  });
});
