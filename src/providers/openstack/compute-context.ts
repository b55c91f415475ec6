/**
 * What the openstack compute driver's parts share: one Transport authorised by Keystone (a token on every
 * attempt, a new token after a 401), the service endpoints from the token's catalog (looked up on first
 * use, so a cloud without Cinder still serves images and servers), and JSON calls that return DocReaders.
 */
import { DocReader } from "../../core/codec/read.js";
import { ProviderError } from "../../core/errors.js";
import type { Transport } from "../../core/transport/transport.js";
import type { HttpMethod, QueryValue, RequestBody, ResponseHeaders } from "../../core/transport/types.js";
import type { EndpointInterface } from "./catalog.js";
import type { KeystoneTokenProvider } from "./keystone.js";

/** The services the compute driver speaks to. */
export type OpenStackService = "compute" | "image" | "volume";

/** Catalog types that name each service, in order of preference (Cinder has had four). */
const CATALOG_TYPES: Readonly<Record<OpenStackService, readonly string[]>> = {
  compute: ["compute"],
  image: ["image"],
  volume: ["block-storage", "volumev3", "volumev2", "volume"],
};

export interface ServiceCall {
  query?: Record<string, QueryValue>;
  /** JSON to send; a string or bytes are sent as they are (with `contentType`). */
  json?: unknown;
  body?: RequestBody;
  contentType?: string;
  contentLength?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  idempotent?: boolean;
}

export interface ServiceAnswer {
  doc: DocReader;
  status: number;
  headers: ResponseHeaders;
}

export class OpenStackContext {
  private readonly endpoints = new Map<OpenStackService, Promise<string>>();

  constructor(
    readonly provider: string,
    readonly keystone: KeystoneTokenProvider,
    readonly transport: Transport,
    private readonly where: {
      region?: string | undefined;
      interface?: EndpointInterface | undefined;
      /** Endpoint URLs that replace the catalog's, by service. */
      overrides?: Partial<Record<OpenStackService, string>> | undefined;
    },
    /** Transports made for this driver alone (Keystone's), closed with it. */
    private readonly owned: readonly Transport[] = [],
  ) {}

  /** The service's base URL, without a trailing slash. */
  endpoint(service: OpenStackService, signal?: AbortSignal): Promise<string> {
    let found = this.endpoints.get(service);
    if (!found) {
      found = this.lookup(service, signal);
      this.endpoints.set(service, found);
      // A failed lookup (Keystone down, service missing) is asked again next time.
      found.catch(() => this.endpoints.delete(service));
    }
    return found;
  }

  private async lookup(service: OpenStackService, signal?: AbortSignal): Promise<string> {
    const override = this.where.overrides?.[service];
    if (override) return override.replace(/\/+$/, "");
    const types = CATALOG_TYPES[service];
    const catalog = await this.keystone.catalog(signal);
    const type = types.find((t) => catalog.some((s) => s.type === t)) ?? types[0]!;
    const url = await this.keystone.endpoint(
      {
        type,
        ...(this.where.region ? { region: this.where.region } : {}),
        ...(this.where.interface ? { interface: this.where.interface } : {}),
      },
      signal,
    );
    return url.replace(/\/+$/, "");
  }

  /** One call to a service; the JSON answer (or an empty document for bodiless answers). */
  async call(
    service: OpenStackService,
    method: HttpMethod,
    path: string,
    operation: string,
    options: ServiceCall = {},
  ): Promise<ServiceAnswer> {
    const base = await this.endpoint(service, options.signal);
    const res = await this.transport.send({
      method,
      url: `${base}${path}`,
      ...(options.query ? { query: options.query } : {}),
      headers: {
        accept: "application/json",
        ...(options.contentType ? { "content-type": options.contentType } : {}),
        ...options.headers,
      },
      ...(options.json !== undefined ? { json: options.json } : {}),
      ...(options.json === undefined && options.body !== undefined ? { body: options.body } : {}),
      ...(options.contentLength !== undefined ? { contentLength: options.contentLength } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
      operation: `openstack:${operation}`,
    });
    const text = res.body.toString("utf8");
    let value: unknown = {};
    if (text.trim() !== "") {
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new ProviderError(`openstack ${operation}: the answer is not JSON`, {
          provider: this.provider,
          status: res.status,
          bodyExcerpt: text.slice(0, 200),
          cause: err,
        });
      }
    }
    return {
      doc: new DocReader(value, { provider: this.provider, operation }),
      status: res.status,
      headers: res.headers,
    };
  }

  async close(): Promise<void> {
    await this.transport.close();
    await this.keystone.close();
    for (const t of this.owned) await t.close();
  }
}

/** The `marker` of a next-page link (Nova's `*_links` rel "next", Glance's "next"), or undefined. */
export function markerOf(next: string | undefined): string | undefined {
  if (!next) return undefined;
  try {
    return new URL(next, "http://next.invalid/").searchParams.get("marker") ?? undefined;
  } catch {
    return undefined;
  }
}

/** The href of the rel="next" link in a Nova or Cinder `*_links` list. */
export function nextLink(doc: DocReader, key: string): string | undefined {
  return doc
    .list(key)
    .find((l) => l.optStr("rel") === "next")
    ?.optStr("href");
}
