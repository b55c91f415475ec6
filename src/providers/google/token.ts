/**
 * OAuth 2.0 access tokens for a service account (RFC 7523 JWT-bearer grant): a JWT signed with the
 * account's key is exchanged at its `token_uri` for a short-lived bearer token, cached and refreshed
 * before it lapses.
 */

import { type Expiring, RefreshingCredential } from "../../core/credentials/refreshing.js";
import { AuthError, InvalidInputError, isOmnicloudError, ProviderError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import { Transport } from "../../core/transport/transport.js";
import type { Attempt } from "../../core/transport/types.js";
import { signJwtRs256 } from "./jwt.js";
import { oauthErrorParser } from "./oauth-error.js";
import type { ServiceAccountKey } from "./service-account.js";

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Google's ceiling for an assertion's lifetime. */
const MAX_ASSERTION_SECONDS = 3600;

export interface GoogleAccessToken {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly expiresAt: Date;
}

export interface ServiceAccountTokenOptions {
  /** OAuth scopes, e.g. ["https://www.googleapis.com/auth/devstorage.read_write"]. */
  scopes: readonly string[];
  /** A user to impersonate (domain-wide delegation): the JWT `sub`. */
  subject?: string;
  /** The transport for the token endpoint; by default one of its own (closed by `close()`). */
  transport?: Transport;
  /** Refresh this long before expiry. Default 5 minutes (RefreshingCredential's default). */
  refreshBeforeMs?: number;
  /** Clock in ms, for tests; drives the JWT's iat/exp and the expiry bookkeeping alike. */
  now?: () => number;
}

/** A service account's bearer tokens, fetched on first use and refreshed before they expire. */
export class ServiceAccountTokenProvider {
  private readonly credential: RefreshingCredential<GoogleAccessToken>;
  private readonly transport: Transport;
  private readonly ownsTransport: boolean;
  private readonly now: () => number;
  private readonly scope: string;

  constructor(
    readonly key: ServiceAccountKey,
    private readonly options: ServiceAccountTokenOptions,
  ) {
    if (options.scopes.length === 0) {
      throw new InvalidInputError(
        `No OAuth scopes given for service account ${key.clientEmail} (${key.source})`,
        {
          provider: "google",
          hint: 'Pass scopes, e.g. ["https://www.googleapis.com/auth/cloud-platform"]',
        },
      );
    }
    this.scope = options.scopes.join(" ");
    this.now = options.now ?? Date.now;
    this.ownsTransport = options.transport === undefined;
    this.transport = options.transport ?? new Transport({ provider: "google", parseError: oauthErrorParser });
    this.credential = new RefreshingCredential((signal) => this.fetchToken(signal), {
      refreshBeforeMs: options.refreshBeforeMs,
      now: this.now,
      secretsOf: (v) => [(v as GoogleAccessToken).accessToken],
    });
  }

  /** A valid token, from the cache or fresh from the token endpoint. */
  token(signal?: AbortSignal): Promise<GoogleAccessToken> {
    return this.credential.get(signal);
  }

  /** A Transport `authorize` hook: sets `Authorization: Bearer …` on every attempt. */
  readonly authorize = async (attempt: Attempt): Promise<void> => {
    const t = await this.token(attempt.signal);
    attempt.headers.authorization = `${t.tokenType} ${t.accessToken}`;
  };

  /** Drop the cached token (e.g. after a 401); the next call fetches a new one. */
  invalidate(): void {
    this.credential.invalidate();
  }

  async close(): Promise<void> {
    if (this.ownsTransport) await this.transport.close();
  }

  /** The signed assertion for one exchange. Exposed for tests and for callers with their own exchange. */
  assertion(nowMs: number = this.now()): string {
    const iat = Math.floor(nowMs / 1000);
    const claims: Record<string, string | number> = {
      iss: this.key.clientEmail,
      scope: this.scope,
      aud: this.key.tokenUri,
      iat,
      exp: iat + MAX_ASSERTION_SECONDS,
    };
    if (this.options.subject) claims.sub = this.options.subject;
    const header = this.key.privateKeyId
      ? { alg: "RS256" as const, typ: "JWT" as const, kid: this.key.privateKeyId }
      : { alg: "RS256" as const, typ: "JWT" as const };
    return signJwtRs256(header, claims, this.key.privateKey);
  }

  private async fetchToken(signal?: AbortSignal): Promise<Expiring<GoogleAccessToken>> {
    const requestedAt = this.now();
    const assertion = this.assertion(requestedAt);
    // The assertion is a bearer credential for its hour: scrub it wherever it might be echoed.
    registerSecret(assertion);
    const body = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString();
    let doc: unknown;
    try {
      const res = await this.transport.sendJson({
        method: "POST",
        url: this.key.tokenUri,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        signal,
        // Asking for a token changes nothing on the server, so a lost answer may be asked again.
        idempotent: true,
        operation: "google:token",
      });
      doc = res.body;
    } catch (err) {
      if (isOmnicloudError(err) && (err.kind === "Auth" || err.kind === "Permission")) {
        throw new AuthError(
          `Google refused a token for service account ${this.key.clientEmail} (key file ${this.key.source}): ${err.code ?? `status ${err.status}`}`,
          {
            provider: "google",
            status: err.status,
            code: err.code,
            requestId: err.requestId,
            cause: err,
            hint: "The key may be deleted or disabled, the account removed, or the clock far off; create a new key if needed",
          },
        );
      }
      throw err;
    }
    return parseTokenResponse(doc, requestedAt, this.key.source);
  }
}

/** Read `{access_token, expires_in, token_type}`; expiry counts from when the request was made, to be safe. */
export function parseTokenResponse(
  doc: unknown,
  requestedAtMs: number,
  source: string,
): Expiring<GoogleAccessToken> {
  const o = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  const accessToken = o.access_token;
  const expiresIn = typeof o.expires_in === "string" ? Number(o.expires_in) : o.expires_in;
  if (typeof accessToken !== "string" || accessToken === "") {
    throw new ProviderError(`The token endpoint for ${source} answered without an access_token`, {
      provider: "google",
    });
  }
  registerSecret(accessToken);
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new ProviderError(`The token endpoint for ${source} answered without a valid expires_in`, {
      provider: "google",
    });
  }
  const expiresAt = new Date(requestedAtMs + expiresIn * 1000);
  const tokenType = typeof o.token_type === "string" && o.token_type !== "" ? o.token_type : "Bearer";
  return { value: { accessToken, tokenType: normalizeTokenType(tokenType), expiresAt }, expiresAt };
}

/** Servers write "bearer" or "Bearer"; the Authorization header wants the scheme as RFC 6750 spells it. */
function normalizeTokenType(type: string): string {
  return type.toLowerCase() === "bearer" ? "Bearer" : type;
}
