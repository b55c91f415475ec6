/**
 * OpenStack Identity (Keystone) v3 tokens: password or application-credential auth, scoped to a project, a
 * domain or the system, or unscoped. Fetched on first use, refreshed before they lapse, and fetched again
 * when a service answers 401 (a revoked token looks valid until then).
 */

import { type Expiring, RefreshingCredential } from "../../core/credentials/refreshing.js";
import { AuthError, InvalidInputError, isOmnicloudError, NotFoundError } from "../../core/errors.js";
import { redactUrl, registerSecret } from "../../core/redact.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import { Transport } from "../../core/transport/transport.js";
import type { Attempt, Layer } from "../../core/transport/types.js";
import {
  authRequestBody,
  describeIdentity,
  describeScope,
  type KeystoneAuth,
  type KeystoneScope,
} from "./auth-request.js";
import { type CatalogService, type EndpointQuery, selectEndpoint } from "./catalog.js";
import { keystoneErrorParser } from "./errors.js";
import { reauthenticateOn401 } from "./reauth.js";
import { diagnoseScopeRefusal } from "./scope-diagnosis.js";
import { type KeystoneToken, parseTokenResponse } from "./token-response.js";

export interface KeystoneOptions {
  /** Keystone's URL, with or without "/v3", e.g. "https://keystone.example.com:5000/v3". */
  authUrl: string;
  auth: KeystoneAuth;
  /** Left out: an unscoped token (no catalog). Not allowed with an application credential. */
  scope?: KeystoneScope;
  /** The transport for token requests; by default one of its own (closed by `close()`). */
  transport?: Transport;
  /**
   * Refresh this long before expiry. Default 5 minutes, but never more than half a token's lifetime, so
   * a cloud issuing short tokens does not get a token request before every call.
   */
  refreshBeforeMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/** What a service Transport needs to speak with Keystone tokens; spread into `new Transport({...})`. */
export interface KeystoneTransportOptions {
  authorize: (attempt: Attempt) => Promise<void>;
  layers: readonly Layer[];
  parseError: ErrorParser;
}

const DEFAULT_REFRESH_BEFORE_MS = 5 * 60_000;

/** The identity API's v3 base: "/v3" appended unless present; v2.0 is gone from Keystone since Queens. */
export function identityV3Url(authUrl: string): string {
  let url: URL;
  try {
    url = new URL(authUrl);
  } catch {
    throw new InvalidInputError(`Keystone authUrl "${redactUrl(authUrl)}" is not a URL`, {
      provider: "openstack",
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidInputError(`Keystone authUrl must be http(s), not ${url.protocol}`, {
      provider: "openstack",
    });
  }
  url.search = "";
  url.hash = "";
  const path = url.pathname.replace(/\/+$/, "");
  if (/\/v2(\.0)?$/.test(path)) {
    throw new InvalidInputError(`Keystone authUrl ${redactUrl(url)} points at identity v2, which is gone`, {
      provider: "openstack",
      hint: 'Use the v3 URL: replace "/v2.0" with "/v3"',
    });
  }
  url.pathname = /\/v3$/.test(path) ? path : `${path}/v3`;
  return url.href;
}

/** A Keystone identity's tokens, fetched on first use and refreshed before they expire or after a 401. */
export class KeystoneTokenProvider {
  /** The identity API base, ending in "/v3". */
  readonly v3Url: string;
  private readonly credential: RefreshingCredential<KeystoneToken>;
  private readonly transport: Transport;
  private readonly ownsTransport: boolean;
  private readonly now: () => number;
  private readonly refreshBeforeMs: number;
  private readonly body: string;
  /** The token handed out last, so a late 401 for an already replaced token does not discard the new one. */
  private currentToken: string | undefined;

  constructor(private readonly options: KeystoneOptions) {
    const auth = options.auth;
    if (typeof auth !== "object" || auth === null) {
      throw new InvalidInputError("Keystone needs auth: a password or an application credential", {
        provider: "openstack",
      });
    }
    // Register first: even a request that fails validation must not leak the secret later.
    const secret = auth.method === "password" ? auth.password : auth.secret;
    registerSecret(secret);
    // The JSON spelling of the secret is what goes on the wire; scrub that form too (quotes, backslashes).
    if (typeof secret === "string") registerSecret(JSON.stringify(secret).slice(1, -1));
    this.v3Url = identityV3Url(options.authUrl);
    this.body = JSON.stringify(authRequestBody(options.auth, options.scope));
    this.now = options.now ?? Date.now;
    this.refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
    this.ownsTransport = options.transport === undefined;
    this.transport =
      options.transport ?? new Transport({ provider: "openstack", parseError: keystoneErrorParser });
    this.credential = new RefreshingCredential((signal) => this.fetchToken(signal), {
      refreshBeforeMs: this.refreshBeforeMs,
      now: this.now,
      secretsOf: (v) => [(v as KeystoneToken).token],
    });
  }

  /** Who this provider authenticates as, and for what; safe for logs. */
  describe(): string {
    return `${describeIdentity(this.options.auth)}, ${describeScope(this.options.scope)}, at ${redactUrl(this.v3Url)}`;
  }

  /** A valid token, from the cache or fresh from Keystone. */
  async token(signal?: AbortSignal): Promise<KeystoneToken> {
    const t = await this.credential.get(signal);
    this.currentToken = t.token;
    return t;
  }

  /** The token's service catalog (empty for an unscoped token). */
  async catalog(signal?: AbortSignal): Promise<readonly CatalogService[]> {
    return (await this.token(signal)).catalog;
  }

  /** The URL of one service endpoint from the catalog, e.g. `{ type: "compute", region: "RegionOne" }`. */
  async endpoint(query: EndpointQuery, signal?: AbortSignal): Promise<string> {
    return selectEndpoint(await this.catalog(signal), query).url;
  }

  /** A Transport `authorize` hook: sets `X-Auth-Token` on every attempt. */
  readonly authorize = async (attempt: Attempt): Promise<void> => {
    attempt.headers["x-auth-token"] = (await this.token(attempt.signal)).token;
  };

  /**
   * Drop the cached token; the next call fetches a new one. Given the rejected attempt, only when that
   * attempt carried the current token: a burst of 401s for one revoked token triggers one new token.
   */
  invalidate(attempt?: Attempt): void {
    if (attempt !== undefined && attempt.headers["x-auth-token"] !== this.currentToken) return;
    this.currentToken = undefined;
    this.credential.invalidate();
  }

  /** Re-authenticate once on a 401; for `TransportOptions.layers`. */
  readonly reauthLayer: Layer = reauthenticateOn401({ invalidate: (attempt) => this.invalidate(attempt) });

  /** `authorize`, the 401 layer and Keystone's error parser, for a service Transport. */
  transportOptions(): KeystoneTransportOptions {
    return { authorize: this.authorize, layers: [this.reauthLayer], parseError: keystoneErrorParser };
  }

  async close(): Promise<void> {
    if (this.ownsTransport) await this.transport.close();
  }

  private async fetchToken(signal?: AbortSignal): Promise<Expiring<KeystoneToken>> {
    const requestedAt = this.now();
    let loaded: Expiring<KeystoneToken>;
    try {
      const res = await this.transport.sendJson({
        method: "POST",
        url: `${this.v3Url}/auth/tokens`,
        headers: { "content-type": "application/json" },
        body: this.body,
        signal,
        // Asking for a token changes nothing a repeat could harm, so a lost answer may be asked again.
        idempotent: true,
        operation: "keystone:token",
      });
      loaded = parseTokenResponse(res.headers, res.body, requestedAt, this.v3Url);
    } catch (err) {
      throw await this.explain(err, signal);
    }
    const lifetimeMs = (loaded.expiresAt?.getTime() ?? requestedAt) - requestedAt;
    // RefreshingCredential refreshes `refreshBeforeMs` ahead of the expiry it is given; hand it the moment
    // that puts the refresh `lead` ahead of the real one, capping the lead at half the lifetime.
    const lead = Math.min(this.refreshBeforeMs, Math.max(0, lifetimeMs / 2));
    return {
      value: loaded.value,
      expiresAt: new Date(requestedAt + lifetimeMs - lead + this.refreshBeforeMs),
    };
  }

  /** A token request's failure, said in terms of who asked for what. */
  private async explain(err: unknown, signal?: AbortSignal): Promise<unknown> {
    if (!isOmnicloudError(err)) return err;
    const { auth, scope } = this.options;
    const who = describeIdentity(auth);
    const where = `Keystone at ${redactUrl(this.v3Url)}`;
    if (err.kind === "Auth") {
      if (scope !== undefined && auth.method === "password") {
        const diagnosed = await diagnoseScopeRefusal({
          transport: this.transport,
          v3Url: this.v3Url,
          auth,
          scope,
          refusal: err,
          signal,
        });
        if (diagnosed) return diagnosed;
      }
      return new AuthError(`${where} refused ${who}${scope ? ` for ${describeScope(scope)}` : ""}`, {
        provider: "openstack",
        status: err.status,
        code: err.code,
        requestId: err.requestId,
        cause: err,
        hint:
          auth.method !== "password"
            ? "Check the application credential's id or name and secret; it may have expired or been deleted"
            : scope
              ? "Check the user, its domain, the password, and the user's role on the scope"
              : "Check the user, its domain and the password",
      });
    }
    if (err.kind === "NotFound") {
      return new NotFoundError(
        `No Keystone v3 token API at ${redactUrl(this.v3Url)}: POST /auth/tokens answered 404`,
        {
          provider: "openstack",
          status: err.status,
          requestId: err.requestId,
          cause: err,
          hint: "Check authUrl: it is Keystone's public URL, e.g. https://keystone.example.com:5000/v3",
        },
      );
    }
    return err;
  }
}
