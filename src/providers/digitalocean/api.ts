/**
 * DigitalOcean API v2 over omnicloud's Transport: a personal access token as `Authorization: Bearer`
 * (core bearer.ts: option, then DIGITALOCEAN_TOKEN), JSON both ways, DigitalOcean's error document as
 * typed errors, and lists that follow `links.pages.next` to the end.
 */

import { DocReader } from "../../core/codec/read.js";
import { providerTokenAuthorizer } from "../../core/credentials/bearer.js";
import { ProviderError } from "../../core/errors.js";
import { type Paginated, paginateByToken } from "../../core/pagination.js";
import { Transport, type TransportOptions } from "../../core/transport/transport.js";
import type { HttpMethod, QueryValue } from "../../core/transport/types.js";
import { parseDigitalOceanError } from "./api-errors.js";

export const DIGITALOCEAN_API = "https://api.digitalocean.com";

/** Transport settings a caller may tune (tests pass a MockAgent as `dispatcher`). */
export type DigitalOceanTransportOptions = Omit<
  TransportOptions,
  "provider" | "authorize" | "parseError" | "requestIdHeaders"
>;

export interface DigitalOceanApiOptions {
  /** Default: DIGITALOCEAN_TOKEN, then DIGITALOCEAN_ACCESS_TOKEN. */
  token?: string;
  /** Default https://api.digitalocean.com. */
  baseUrl?: string;
  transport?: DigitalOceanTransportOptions;
  /** Items per page for lists, 1 to 200. Default 200 (fewest requests). */
  pageSize?: number;
  /** The environment to read the token from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface CallOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Safe to resend after a lost answer (GET and DELETE are; POST only when it asks for a state). */
  idempotent?: boolean;
}

const PROVIDER = "digitalocean";

export class DigitalOceanApi {
  readonly provider = PROVIDER;
  readonly baseUrl: string;
  readonly pageSize: number;
  private readonly http: Transport;

  constructor(options: DigitalOceanApiOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DIGITALOCEAN_API).replace(/\/+$/, "");
    this.pageSize = Math.min(Math.max(Math.trunc(options.pageSize ?? 200), 1), 200);
    // Resolved now, so a missing token fails at open with the variables looked at, not at the first call.
    const authorize = providerTokenAuthorizer("digitalocean", { token: options.token, env: options.env });
    this.http = new Transport({
      ...options.transport,
      provider: PROVIDER,
      authorize,
      parseError: parseDigitalOceanError,
      requestIdHeaders: ["x-request-id"],
    });
  }

  /** One call; the answer's JSON body (absent for 204) as a DocReader. */
  async call(
    method: HttpMethod,
    path: string,
    operation: string,
    options: CallOptions = {},
  ): Promise<DocReader> {
    const res = await this.http.sendJson({
      method,
      url: path.startsWith("https://") || path.startsWith("http://") ? path : `${this.baseUrl}${path}`,
      ...(options.query ? { query: options.query } : {}),
      ...(options.body !== undefined ? { json: options.body } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
      operation: `digitalocean:${operation}`,
    });
    return new DocReader(res.body ?? {}, { provider: PROVIDER, operation });
  }

  /**
   * Every item under `key` of a paginated list: page 1 with `per_page`, then each `links.pages.next` until
   * there is none. A next link to another origin is refused (it would receive the token).
   */
  list<T>(
    path: string,
    key: string,
    operation: string,
    map: (item: DocReader) => T,
    options: { query?: Record<string, QueryValue>; signal?: AbortSignal | undefined } = {},
  ): Paginated<T, string> {
    return paginateByToken<T>({
      what: `${PROVIDER} ${operation}`,
      provider: PROVIDER,
      signal: options.signal,
      fetch: async (next, request) => {
        const doc = next
          ? await this.call("GET", this.sameOrigin(next, operation), operation, { signal: request.signal })
          : await this.call("GET", path, operation, {
              query: { ...options.query, per_page: this.pageSize, page: 1 },
              signal: request.signal,
            });
        return { items: doc.list(key).map(map), nextToken: doc.optStr("links.pages.next") };
      },
    });
  }

  private sameOrigin(next: string, operation: string): string {
    let url: URL;
    try {
      url = new URL(next, this.baseUrl);
    } catch {
      throw new ProviderError(`${PROVIDER} ${operation}: the next-page link "${next}" is not a URL`, {
        provider: PROVIDER,
      });
    }
    if (url.origin !== new URL(this.baseUrl).origin) {
      throw new ProviderError(
        `${PROVIDER} ${operation}: the next-page link leaves ${this.baseUrl}: ${url.origin}`,
        {
          provider: PROVIDER,
        },
      );
    }
    return url.href;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
