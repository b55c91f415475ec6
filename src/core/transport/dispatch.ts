import { setMaxListeners } from "node:events";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { NetworkError } from "../errors.js";
import { redactUrl } from "../redact.js";
import { abortedBy } from "../sleep.js";
import type { Attempt, Handler, RawResponse } from "./types.js";
import { mapTransportError } from "./undici-errors.js";

type Undici = typeof import("undici");

let undiciModule: Promise<Undici> | undefined;
/** The module once loaded, so requests after the first need not await the import again. */
let undiciLoaded: Undici | undefined;

/**
 * undici is imported on the first request, not at start-up: importing it costs more than the rest of
 * omnicloud together, and many processes (the local providers, `--help`) never make an HTTP request.
 */
export function loadUndici(): Promise<Undici> {
  undiciModule ??= import("undici").then((mod) => {
    undiciLoaded = mod;
    return mod;
  });
  return undiciModule;
}

/**
 * The signal of a call that has neither a caller's signal nor a deadline: it never fires. Shared, so such a
 * call allocates no AbortController; `exchangeOnce` does not hand it to undici, and layers that wait on it
 * (retry backoff, rate limits) add and remove their listeners as on any other signal.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
// Many concurrent calls may wait on it at once (each removes its listener after); that is no leak.
setMaxListeners(0, NEVER_ABORTED);

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
    const { connect: _connect, ...pooled } = common;
    return new undici.EnvHttpProxyAgent({
      ...common,
      // Fix: undici tunnels even http:// targets through CONNECT by default, which proxies commonly refuse
      // for non-TLS ports (Squid's default `deny CONNECT !SSL_ports`). HTTP_PROXY means absolute-form
      // requests for http:// targets, as curl and every other client send them; https:// still tunnels.
      proxyTunnel: false,
      // ...and undici builds the pool to an absolute-form proxy with only `connect`, so it would fall back to
      // undici's 300 s header and body timeouts; every pool gets ours unless undici passes its own.
      factory: (origin: string | URL, opts: object) => new undici.Pool(origin, { ...pooled, ...opts }),
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
  // Perf: `getDispatcher` hands back the same promise for the transport's life; once it has resolved, the
  // dispatcher is kept here so each request skips awaiting it (and the Promise.all that paired it with undici).
  let dispatcher: Dispatcher | undefined;
  const dispatcherNow = async (): Promise<Dispatcher> => {
    dispatcher ??= await getDispatcher();
    return dispatcher;
  };
  return async (attempt: Attempt): Promise<RawResponse> => {
    try {
      return await exchangeOnce(attempt, dispatcher ?? (await dispatcherNow()));
    } catch (err) {
      // Typed here, innermost, so every layer (retry above all) sees the same errors the caller will.
      if (attempt.signal.aborted) throw abortedBy(attempt.signal);
      throw mapTransportError(err, `${attempt.method} ${redactUrl(attempt.url)}`, provider);
    }
  };
}

async function exchangeOnce(attempt: Attempt, dispatcher: Dispatcher): Promise<RawResponse> {
  const undici = undiciLoaded ?? (await loadUndici());
  const headers = attempt.headers;
  const body = attempt.body?.open();
  if (attempt.body?.length !== undefined && headers["content-length"] === undefined) {
    headers["content-length"] = String(attempt.body.length);
  }
  // Perf: a whole-body exchange goes straight to the dispatcher with a small handler that gathers the
  // chunks; undici.request would build an AsyncResource, a Readable and its listeners for every response.
  if (attempt.mode !== "stream") return bufferedExchange(attempt, dispatcher, body);
  const res = await undici.request(attempt.url, {
    dispatcher,
    method: attempt.method,
    headers,
    body: body ?? null,
    // The never-firing signal is left out: undici would add and remove a listener on it for nothing.
    signal: attempt.signal === NEVER_ABORTED ? undefined : attempt.signal,
  });
  const resHeaders = res.headers as RawResponse["headers"];
  if (attempt.method === "HEAD") {
    await res.body.dump();
    return { status: res.statusCode, headers: resHeaders, body: Buffer.alloc(0) };
  }
  return { status: res.statusCode, headers: resHeaders, body: res.body };
}

/** Response headers as undici.request gives them: lower-case names, latin1 values, repeats as arrays. */
function parseRawHeaders(raw: readonly (Buffer | string)[]): RawResponse["headers"] {
  const out: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString("latin1").toLowerCase();
    const value = raw[i + 1]!.toString("latin1");
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else if (typeof seen === "string") out[name] = [seen, value];
    else seen.push(value);
  }
  return out as RawResponse["headers"];
}

/**
 * One exchange whose whole answer is read: the body is gathered as it arrives and handed back only when it
 * is complete, so a body cut short (or longer than its Content-Length) raises, never returns short data.
 */
function bufferedExchange(
  attempt: Attempt,
  dispatcher: Dispatcher,
  body: Buffer | Readable | string | Uint8Array | undefined,
): Promise<RawResponse> {
  const url = attempt.url;
  const signal = attempt.signal === NEVER_ABORTED ? undefined : attempt.signal;
  return new Promise<RawResponse>((resolve, reject) => {
    let abort: ((reason?: Error) => void) | undefined;
    let stopped: Error | undefined;
    const onAbort = (): void => {
      stopped = signal?.reason instanceof Error ? signal.reason : new Error("This operation was aborted");
      abort?.(stopped);
    };
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = (): void => signal?.removeEventListener("abort", onAbort);
    let status = 0;
    let headers: RawResponse["headers"] = {};
    const chunks: Buffer[] = [];
    let received = 0;
    const handler: Dispatcher.DispatchHandler = {
      onConnect(abortRequest) {
        abort = abortRequest;
        if (stopped) abortRequest(stopped);
      },
      onHeaders(statusCode, rawHeaders) {
        // 1xx answers (100-continue) come before the real one: keep waiting for it.
        if (statusCode < 200) return true;
        status = statusCode;
        headers = parseRawHeaders(rawHeaders as unknown as (Buffer | string)[]);
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        received += chunk.length;
        return true;
      },
      onComplete() {
        done();
        const expected = attempt.method === "HEAD" ? undefined : declaredLength(headers);
        if (expected !== undefined && received !== expected) {
          reject(
            new NetworkError(`The response body ended after ${received} of ${expected} bytes`, {
              code: "OMNICLOUD_TRUNCATED",
            }),
          );
          return;
        }
        resolve({
          status,
          headers,
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received),
        });
      },
      onError(err) {
        done();
        reject(err);
      },
    };
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: attempt.method,
          headers: attempt.headers,
          body: body ?? null,
        },
        handler,
      );
    } catch (err) {
      done();
      reject(err);
    }
  });
}
