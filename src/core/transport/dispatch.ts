import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { NetworkError } from "../errors.js";
import { redactUrl } from "../redact.js";
import { abortedBy } from "../sleep.js";
import type { Attempt, Handler, RawResponse } from "./types.js";
import { mapTransportError } from "./undici-errors.js";

type Undici = typeof import("undici");

let undiciModule: Promise<Undici> | undefined;

/**
 * undici is imported on the first request, not at start-up: importing it costs more than the rest of
 * omnicloud together, and many processes (the local providers, `--help`) never make an HTTP request.
 */
export function loadUndici(): Promise<Undici> {
  undiciModule ??= import("undici");
  return undiciModule;
}

export interface TlsOptions {
  /** Extra CA certificates (PEM) to trust, e.g. a private CA. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate and key for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** SNI name, when it differs from the URL's host. */
  servername?: string;
  /**
   * Defaults to true. Setting false is allowed only for tests against self-signed local servers; omnicloud
   * logs a warning every time such a transport is created.
   */
  rejectUnauthorized?: boolean;
}

export interface ProxyOptions {
  /** Proxy for http:// URLs. Default: HTTP_PROXY / http_proxy. */
  http?: string;
  /** Proxy for https:// URLs. Default: HTTPS_PROXY / https_proxy. */
  https?: string;
  /** Comma-separated hosts that bypass the proxy. Default: NO_PROXY / no_proxy. */
  noProxy?: string;
}

export interface PoolOptions {
  /** Most open connections per origin. */
  connections: number;
  keepAliveTimeoutMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  tls: TlsOptions | undefined;
  /** `false` ignores the proxy environment variables. */
  proxy: ProxyOptions | false | undefined;
}

function proxyFromEnv(): ProxyOptions | undefined {
  const env = process.env;
  const http = env.HTTP_PROXY ?? env.http_proxy;
  const https = env.HTTPS_PROXY ?? env.https_proxy;
  if (!http && !https) return undefined;
  return { http, https, noProxy: env.NO_PROXY ?? env.no_proxy };
}

/** A keep-alive pool per origin, going through a proxy when one is configured. */
export async function createDispatcher(options: PoolOptions): Promise<Dispatcher> {
  const undici = await loadUndici();
  const common = {
    connections: options.connections,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connect: { timeout: options.connectTimeoutMs, ...options.tls },
  };
  const proxy = options.proxy === false ? undefined : (options.proxy ?? proxyFromEnv());
  if (proxy && (proxy.http || proxy.https)) {
    return new undici.EnvHttpProxyAgent({
      ...common,
      httpProxy: proxy.http,
      httpsProxy: proxy.https,
      noProxy: proxy.noProxy,
      // The proxy connection honours the same TLS trust as the target.
      proxyTls: { timeout: options.connectTimeoutMs, ...options.tls },
      requestTls: { timeout: options.connectTimeoutMs, ...options.tls },
    });
  }
  return new undici.Agent(common);
}

/** Read a whole response body, failing (never returning short data) if it ends before Content-Length. */
export async function readAll(
  body: Readable & AsyncIterable<Buffer>,
  expected: number | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    received += chunk.length;
  }
  if (expected !== undefined && received !== expected) {
    throw new NetworkError(`The response body ended after ${received} of ${expected} bytes`, {
      code: "OMNICLOUD_TRUNCATED",
    });
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
}

function declaredLength(headers: RawResponse["headers"]): number | undefined {
  // A compressed body's length on the wire differs from what we read; only check identity bodies.
  if (headers["content-encoding"] && headers["content-encoding"] !== "identity") return undefined;
  const raw = headers["content-length"];
  if (typeof raw !== "string") return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The innermost handler: one HTTP exchange through undici. */
export function dispatchHandler(provider: string, getDispatcher: () => Promise<Dispatcher>): Handler {
  return async (attempt: Attempt): Promise<RawResponse> => {
    try {
      return await exchangeOnce(attempt, getDispatcher);
    } catch (err) {
      // Typed here, innermost, so every layer (retry above all) sees the same errors the caller will.
      if (attempt.signal.aborted) throw abortedBy(attempt.signal);
      throw mapTransportError(err, `${attempt.method} ${redactUrl(attempt.url)}`, provider);
    }
  };
}

async function exchangeOnce(
  attempt: Attempt,
  getDispatcher: () => Promise<Dispatcher>,
): Promise<RawResponse> {
  const [undici, dispatcher] = await Promise.all([loadUndici(), getDispatcher()]);
  const headers = attempt.headers;
  const body = attempt.body?.open();
  if (attempt.body?.length !== undefined && headers["content-length"] === undefined) {
    headers["content-length"] = String(attempt.body.length);
  }
  const res = await undici.request(attempt.url, {
    dispatcher,
    method: attempt.method,
    headers,
    body: body ?? null,
    signal: attempt.signal,
  });
  const resHeaders = res.headers as RawResponse["headers"];
  if (attempt.method === "HEAD") {
    await res.body.dump();
    return { status: res.statusCode, headers: resHeaders, body: Buffer.alloc(0) };
  }
  if (attempt.mode === "stream") return { status: res.statusCode, headers: resHeaders, body: res.body };
  const data = await readAll(res.body, declaredLength(resHeaders));
  return { status: res.statusCode, headers: resHeaders, body: data };
}
