import { Readable, Transform, type TransformCallback } from "node:stream";
import type { Dispatcher } from "undici";
import { VERSION } from "../../version.js";
import { InvalidInputError, NetworkError, type OmnicloudError } from "../errors.js";
import { debugSinkFromEnv, type LogSink, loggingLayer } from "../layers/logging.js";
import { type RateLimitOptions, rateLimitLayer } from "../layers/rate-limit.js";
import { type RetryEvent, type RetryOptions, retryLayer } from "../layers/retry.js";
import { redactUrl } from "../redact.js";
import { abortedBy, deadlineSignal } from "../sleep.js";
import { prepareBody } from "./body.js";
import {
  createDispatcher,
  dispatchHandler,
  NEVER_ABORTED,
  type ProxyOptions,
  type TlsOptions,
} from "./dispatch.js";
import {
  DEFAULT_REQUEST_ID_HEADERS,
  defaultErrorParser,
  type ErrorParser,
  errorFromResponse,
  headerValue,
  requestIdFrom,
} from "./response-error.js";
import type {
  Attempt,
  Handler,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  Layer,
  QueryValue,
  RawResponse,
} from "./types.js";
import { mapTransportError } from "./undici-errors.js";

export interface TransportOptions {
  /** Provider id, used in errors, logs and as the default rate-limit key. */
  provider: string;
  /** Appended to omnicloud's user agent, e.g. "my-tool/1.2". */
  userAgent?: string;
  /** Most connections per origin. Default 32. */
  connections?: number;
  /** Idle keep-alive socket lifetime. Default 4 s (below common 5 s server timeouts). */
  keepAliveTimeoutMs?: number;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Time to the response headers. Default 60 s. */
  headersTimeoutMs?: number;
  /** Longest silence inside a response body. Default 60 s. */
  bodyTimeoutMs?: number;
  /** Deadline for each call, retries included, unless the call sets its own. Default none. */
  requestTimeoutMs?: number;
  tls?: TlsOptions;
  /** Default: HTTP(S)_PROXY and NO_PROXY from the environment; `false` ignores them. */
  proxy?: ProxyOptions | false;
  /** Default: on, with RetryOptions' defaults. */
  retry?: RetryOptions | false;
  /** Off unless given. */
  rateLimit?: RateLimitOptions & { key?: string };
  /** Debug lines; defaults to stderr when OMNICLOUD_DEBUG=1. */
  logger?: LogSink;
  /** Called before each retry wait. */
  onRetry?: (event: RetryEvent) => void;
  /** Reads the provider's error bodies. */
  parseError?: ErrorParser;
  /** Response headers that carry the provider's request id, in order of preference. */
  requestIdHeaders?: readonly string[];
  /** Signs or authorises each attempt (per attempt, so signatures carry a fresh date). */
  authorize?: (attempt: Attempt) => void | Promise<void>;
  /** Extra layers, outermost first, placed inside retry and outside signing. */
  layers?: readonly Layer[];
  /** A dispatcher to use instead of the pool (undici's MockAgent for replay tests). */
  dispatcher?: Dispatcher;
}

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/** The deadline of a call that nothing can abort: the shared signal that never fires, nothing to dispose. */
const NO_DEADLINE: { signal: AbortSignal; dispose: () => void } = {
  signal: NEVER_ABORTED,
  dispose: () => {},
};

const USER_AGENT = `omnicloud/${VERSION} node/${process.versions.node} (${process.platform}; ${process.arch})`;

let jsonCodec: Promise<typeof import("../codec/json.js")> | undefined;

/**
 * The JSON codec, imported on first use (start-up stays lean) and kept. Perf: an `import()` per call costs
 * ~4 µs in plain Node and ~160 µs when a module loader hook is registered (tsx, APM instrumentation), since
 * each one is resolved again through the hooks.
 */
function loadJsonCodec(): Promise<typeof import("../codec/json.js")> {
  jsonCodec ??= import("../codec/json.js");
  return jsonCodec;
}

/** `url` with `query` appended; undefined and null values are left out, arrays repeat the key. */
export function buildUrl(url: string | URL, query?: Record<string, QueryValue>): URL {
  const out = new URL(url);
  if (!query) return out;
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) out.searchParams.append(key, v);
    else out.searchParams.append(key, String(value));
  }
  return out;
}

/**
 * The one way omnicloud speaks HTTP. A driver builds one Transport with its error parser and signer; the
 * transport adds pooling, timeouts, retries, rate limits, logging and typed errors around every call.
 */
export class Transport {
  readonly provider: string;
  private readonly handler: Handler;
  private readonly parseError: ErrorParser;
  private readonly requestIdHeaders: readonly string[];
  private readonly userAgent: string;
  private readonly requestTimeoutMs: number | undefined;
  private dispatcher: Promise<Dispatcher> | undefined;
  private readonly ownsDispatcher: boolean;

  constructor(private readonly options: TransportOptions) {
    this.provider = options.provider;
    this.parseError = options.parseError ?? defaultErrorParser;
    this.requestIdHeaders = options.requestIdHeaders ?? DEFAULT_REQUEST_ID_HEADERS;
    this.userAgent = options.userAgent ? `${USER_AGENT} ${options.userAgent}` : USER_AGENT;
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.ownsDispatcher = options.dispatcher === undefined;
    if (options.dispatcher) this.dispatcher = Promise.resolve(options.dispatcher);
    if (options.tls?.rejectUnauthorized === false) {
      process.emitWarning(
        `omnicloud: TLS certificate verification is OFF for provider ${options.provider} (tls.rejectUnauthorized=false)`,
        { code: "OMNICLOUD_TLS_INSECURE" },
      );
    }
    this.handler = this.compose();
  }

  private compose(): Handler {
    const o = this.options;
    let handler = dispatchHandler(o.provider, () => this.getDispatcher());
    const layers: Layer[] = [];
    // Outermost first: retry wraps everything, so each attempt is rate-limited, signed and logged anew.
    if (o.retry !== false) layers.push(retryLayer(o.retry ?? {}, o.onRetry));
    if (o.rateLimit) layers.push(rateLimitLayer(o.rateLimit.key ?? o.provider, o.rateLimit));
    layers.push(...(o.layers ?? []));
    if (o.authorize) {
      const authorize = o.authorize;
      layers.push((next) => async (attempt) => {
        await authorize(attempt);
        return next(attempt);
      });
    }
    const sink = o.logger ?? debugSinkFromEnv();
    if (sink) {
      layers.push(loggingLayer(o.provider, sink, (r) => requestIdFrom(r.headers, this.requestIdHeaders)));
    }
    for (const layer of layers.reverse()) handler = layer(handler);
    return handler;
  }

  private getDispatcher(): Promise<Dispatcher> {
    const o = this.options;
    this.dispatcher ??= createDispatcher({
      connections: o.connections ?? 32,
      keepAliveTimeoutMs: o.keepAliveTimeoutMs ?? 4_000,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      headersTimeoutMs: o.headersTimeoutMs ?? 60_000,
      bodyTimeoutMs: o.bodyTimeoutMs ?? 60_000,
      tls: o.tls,
      proxy: o.proxy,
    });
    return this.dispatcher;
  }

  /** A call whose whole body is read before it returns; a body cut short is retried or raised, never returned. */
  async send(request: HttpRequest): Promise<HttpResponse<Buffer>> {
    const res = await this.exchange(request, "buffer");
    return res as HttpResponse<Buffer>;
  }

  /** `send`, then the body parsed as JSON (a body that is not JSON raises a ProviderError). */
  async sendJson(request: HttpRequest): Promise<HttpResponse<unknown>> {
    const res = await this.send({
      ...request,
      headers: { accept: "application/json", ...request.headers },
    });
    const { parseJson } = await loadJsonCodec();
    const text = res.body.toString("utf8");
    return {
      ...res,
      body: text === "" ? undefined : parseJson(text, { provider: this.provider, what: request.operation }),
    };
  }

  /**
   * A call whose body is handed back as a stream with backpressure. A body that ends early, stalls past
   * `bodyTimeoutMs` or breaks errors the stream with a typed error.
   */
  async stream(request: HttpRequest): Promise<HttpResponse<Readable>> {
    return (await this.exchange(request, "stream")) as HttpResponse<Readable>;
  }

  /** Close the pooled connections. Calls made after this fail. */
  async close(): Promise<void> {
    if (this.dispatcher && this.ownsDispatcher) await (await this.dispatcher).close();
  }

  private async exchange(
    request: HttpRequest,
    mode: "buffer" | "stream",
  ): Promise<HttpResponse<Buffer | Readable>> {
    const url = buildUrl(request.url, request.query);
    // Perf (bench/transport.ts): redactUrl re-parses the URL and runs the redaction regexes over it; only
    // errors and deadlines read the label, so it is built on first use instead of on every request (from the
    // href as it is now, so a layer that later edits the URL does not change it).
    const href = url.href;
    let labelText: string | undefined;
    const label = (): string =>
      (labelText ??= `${request.operation ? `${request.operation} ` : ""}${request.method} ${redactUrl(href)}`);
    const timeoutMs = request.timeoutMs ?? this.requestTimeoutMs;
    // Perf: with no caller signal and no deadline nothing can abort the call, so it gets the shared
    // never-firing signal instead of a fresh AbortController (costly to create, and undici would add and
    // remove an abort listener on it per request).
    const deadline =
      request.signal === undefined && (timeoutMs === undefined || timeoutMs <= 0)
        ? NO_DEADLINE
        : deadlineSignal(label(), request.signal, timeoutMs);
    let handedOver = false;
    try {
      const headers: Record<string, string> = { "user-agent": this.userAgent };
      for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
      let requestBody = request.body;
      if (request.json !== undefined) {
        if (requestBody !== undefined) {
          throw new InvalidInputError(`${label()}: a request takes either body or json, not both`);
        }
        requestBody = JSON.stringify(request.json);
        headers["content-type"] ??= "application/json";
      }
      const attempt: Attempt = {
        method: request.method,
        url,
        headers,
        body: await prepareBody(requestBody, request.contentLength),
        signal: deadline.signal,
        attempt: 1,
        idempotent: request.idempotent ?? IDEMPOTENT.has(request.method),
        mode,
        operation: request.operation,
      };
      let raw: RawResponse;
      try {
        raw = await this.handler(attempt);
      } catch (err) {
        throw this.failure(err, label(), deadline.signal);
      }
      const ok = request.okStatuses
        ? request.okStatuses.includes(raw.status)
        : raw.status >= 200 && raw.status < 300;
      if (!ok) {
        const body = Buffer.isBuffer(raw.body) ? raw.body : await readErrorBody(raw.body);
        const error = errorFromResponse(
          {
            provider: this.provider,
            request: label(),
            status: raw.status,
            headers: raw.headers,
            body,
            attempts: attempt.attempt,
          },
          this.parseError,
          this.requestIdHeaders,
        );
        // Say why a retryable answer was not retried (e.g. a one-shot body), as the network path does.
        if (raw.notRetried) error.explain(`Not retried: ${raw.notRetried}.`);
        throw error;
      }
      const requestId = requestIdFrom(raw.headers, this.requestIdHeaders);
      let body = raw.body;
      if (!Buffer.isBuffer(body)) {
        body = guardStream(
          body,
          raw.headers,
          (err) => this.failure(err, label(), deadline.signal),
          deadline.dispose,
        );
        handedOver = true;
      } else if (mode === "stream") {
        // Fix: a HEAD answer is read inside the attempt, so stream() used to hand back a Buffer typed as a
        // Readable; a caller piping it would crash. Give it the (empty) stream it was promised.
        body = Readable.from(body.length > 0 ? [body] : []);
      }
      return { status: raw.status, headers: raw.headers, body, requestId, attempts: attempt.attempt };
    } finally {
      if (!handedOver) deadline.dispose();
    }
  }

  private failure(err: unknown, label: string, signal: AbortSignal): OmnicloudError {
    if (signal.aborted) return abortedBy(signal, label);
    return mapTransportError(err, label, this.provider);
  }
}

/** Up to 64 KiB of an error body, enough for any provider's error document. */
async function readErrorBody(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= 64 * 1024) break;
    }
  } catch {
    // The status already says it failed; a broken error body only loses the details.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks);
}

/**
 * Pass the body through, counting bytes: a body shorter than its Content-Length, or one that breaks,
 * errors with a typed error instead of ending as if it were whole.
 */
function guardStream(
  source: Readable,
  headers: RawResponse["headers"],
  mapError: (err: unknown) => OmnicloudError,
  done: () => void,
): Readable {
  const encoding = headerValue(headers, "content-encoding");
  const lengthHeader = headerValue(headers, "content-length");
  const expected =
    lengthHeader !== undefined && (!encoding || encoding === "identity") ? Number(lengthHeader) : undefined;
  let received = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      received += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (expected !== undefined && received !== expected) {
        callback(
          mapError(
            new NetworkError(`The response body ended after ${received} of ${expected} bytes`, {
              code: "OMNICLOUD_TRUNCATED",
            }),
          ),
        );
        return;
      }
      callback();
    },
  });
  source.on("error", (err) => guard.destroy(mapError(err)));
  guard.on("close", () => {
    done();
    if (!source.destroyed) source.destroy();
  });
  source.pipe(guard);
  return guard;
}
