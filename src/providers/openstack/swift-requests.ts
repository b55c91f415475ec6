/**
 * How the swift driver speaks HTTP: one Transport authorised by the session (with re-auth on 401), URLs
 * under the account's storage URL, and the headers that carry object properties and metadata both ways.
 */
import { headerValue } from "../../core/transport/response-error.js";
import { Transport } from "../../core/transport/transport.js";
import type {
  HttpMethod,
  HttpResponse,
  QueryValue,
  RequestBody,
  ResponseHeaders,
} from "../../core/transport/types.js";
import type { ObjectInfo } from "../../storage/types.js";
import type { SwiftSession } from "./swift-auth.js";
import { swiftErrorParser } from "./swift-errors.js";
import type { SwiftTransportOptions } from "./swift-options.js";

export interface SwiftRequest {
  method: HttpMethod;
  container?: string | undefined;
  object?: string | undefined;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  body?: RequestBody;
  contentLength?: number;
  signal?: AbortSignal | undefined;
  okStatuses?: readonly number[];
}

/** An object name as a URL path: each "/"-separated segment percent-encoded, the slashes kept. */
export function encodeObjectPath(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

export class SwiftHttp {
  readonly transport: Transport;

  constructor(
    readonly provider: string,
    readonly session: SwiftSession,
    options: SwiftTransportOptions | undefined,
  ) {
    this.transport = new Transport({
      ...options,
      provider,
      authorize: session.authorize,
      layers: session.layers,
      parseError: swiftErrorParser,
      requestIdHeaders: ["x-openstack-request-id", "x-trans-id"],
    });
  }

  async url(container?: string, object?: string, signal?: AbortSignal): Promise<string> {
    const base = await this.session.storageUrl(signal);
    if (container === undefined) return base;
    const c = `${base}/${encodeURIComponent(container)}`;
    return object === undefined ? c : `${c}/${encodeObjectPath(object)}`;
  }

  private async prepare(r: SwiftRequest) {
    return {
      method: r.method,
      url: await this.url(r.container, r.object, r.signal ?? undefined),
      operation: `swift:${r.method} ${r.object !== undefined ? "object" : r.container !== undefined ? "container" : "account"}`,
      headers: r.headers ?? {},
      ...(r.query ? { query: r.query } : {}),
      ...(r.body !== undefined ? { body: r.body } : {}),
      ...(r.contentLength !== undefined ? { contentLength: r.contentLength } : {}),
      ...(r.signal ? { signal: r.signal } : {}),
      ...(r.okStatuses ? { okStatuses: r.okStatuses } : {}),
    };
  }

  async send(r: SwiftRequest): Promise<HttpResponse<Buffer>> {
    return this.transport.send(await this.prepare(r));
  }

  async stream(r: SwiftRequest): ReturnType<Transport["stream"]> {
    return this.transport.stream(await this.prepare(r));
  }

  async close(): Promise<void> {
    await this.transport.close();
    await this.session.close();
  }
}

/**
 * Header values travel as bytes; Swift stores and returns metadata as UTF-8 bytes, which Node's HTTP
 * stack carries as latin-1 characters. So UTF-8 is spelt in latin-1 on the way out and read back the same.
 */
const toWire = (v: string): string => Buffer.from(v, "utf8").toString("latin1");
const fromWire = (v: string): string => Buffer.from(v, "latin1").toString("utf8");

export interface SwiftFields {
  contentType?: string | undefined;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

export function writeHeaders(fields: SwiftFields): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields.metadata ?? {}))
    h[`x-object-meta-${k.toLowerCase()}`] = toWire(v);
  if (fields.contentType) h["content-type"] = fields.contentType;
  // Both are in the object server's default allowed_headers, so Swift stores them.
  if (fields.cacheControl) h["cache-control"] = fields.cacheControl;
  if (fields.contentDisposition) h["content-disposition"] = toWire(fields.contentDisposition);
  return h;
}

export function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, "").replace(/^"|"$/g, "");
}

/** ObjectInfo from a GET or HEAD answer. */
export function objectInfoFrom(container: string, name: string, headers: ResponseHeaders): ObjectInfo {
  const h = (n: string): string | undefined => headerValue(headers, n);
  const range = h("content-range");
  const total = range ? /\/(\d+)$/.exec(range)?.[1] : undefined;
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith("x-object-meta-") && v !== undefined)
      metadata[k.slice("x-object-meta-".length)] = fromWire(Array.isArray(v) ? v.join(",") : v);
  }
  const info: ObjectInfo = {
    container,
    name,
    size: Number(total ?? h("content-length") ?? 0),
    metadata,
    checksums: {},
  };
  const etag = unquote(h("etag"));
  if (etag) {
    info.etag = etag;
    // A large object's ETag is the MD5 of its segments' ETags, not of its bytes.
    const large = h("x-static-large-object") !== undefined || h("x-object-manifest") !== undefined;
    if (!large && /^[0-9a-f]{32}$/.test(etag)) info.checksums.md5 = etag;
  }
  const modified = h("last-modified");
  if (modified) info.lastModified = new Date(modified);
  const type = h("content-type");
  if (type) info.contentType = type;
  const cache = h("cache-control");
  if (cache) info.cacheControl = cache;
  const disposition = h("content-disposition");
  if (disposition) info.contentDisposition = fromWire(disposition);
  return info;
}

/**
 * The report Swift's bulk middleware writes, asked for as JSON: the answer to `?bulk-delete` and to an
 * SLO's `?multipart-manifest=delete` alike. Its HTTP status is 200 once the work starts (the body may
 * begin with keep-alive whitespace), so success or failure is only in here.
 */
export interface BulkReport {
  /** "Response Status", e.g. "200 OK" or "400 Bad Request". */
  status: string | undefined;
  /** [path, status or reason] for each name that could not be deleted. */
  errors: Array<[string, string]>;
  deleted: number;
  notFound: number;
}

/** The report in a bulk answer's body, or undefined for an empty body (no middleware did the work). */
export function parseBulkReport(body: Buffer): BulkReport | undefined {
  const text = body.toString("utf8").trim();
  if (text === "") return undefined;
  const doc = JSON.parse(text) as {
    "Response Status"?: string;
    Errors?: Array<[string, string]>;
    "Number Deleted"?: number;
    "Number Not Found"?: number;
  };
  return {
    status: doc["Response Status"],
    errors: doc.Errors ?? [],
    deleted: doc["Number Deleted"] ?? 0,
    notFound: doc["Number Not Found"] ?? 0,
  };
}

export const bulkSucceeded = (report: BulkReport): boolean =>
  report.errors.length === 0 && (report.status === undefined || /^2\d\d/.test(report.status));
