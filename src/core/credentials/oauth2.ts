/**
 * The OAuth 2.0 token-endpoint exchange that Google service accounts and Azure AD client credentials share:
 * POST a form, read `{access_token, expires_in, token_type}`, cache it and refresh it before it lapses. A
 * subclass says only how to build its grant and how to word a refusal.
 */
import { AuthError, isOmnicloudError, type OmnicloudError, ProviderError } from "../errors.js";
import { registerSecret } from "../redact.js";
import type { ErrorParser } from "../transport/response-error.js";
import { Transport } from "../transport/transport.js";
import type { Attempt } from "../transport/types.js";
import { type Expiring, RefreshingCredential } from "./refreshing.js";

export interface OAuthAccessToken {
  readonly accessToken: string;
  /** The Authorization scheme, "Bearer" unless the server says otherwise. */
  readonly tokenType: string;
  readonly expiresAt: Date;
}

export interface OAuthTokenSourceOptions {
  /** Provider id for errors and logs, e.g. "google". */
  provider: string;
  /** Reads the token endpoint's error bodies. */
  parseError: ErrorParser;
  /** The transport for the token endpoint; by default one of its own (closed by `close()`). */
  transport?: Transport | undefined;
  /** Refresh this long before expiry. Default 5 minutes. */
  refreshBeforeMs?: number | undefined;
  /** Clock in ms, for tests. */
  now?: (() => number) | undefined;
}

/** A grant to send: the endpoint, the form fields, and how to describe who asked (for errors). */
export interface OAuthGrant {
  url: string;
  form: Record<string, string>;
  /** e.g. "service account a@b (key file k.json)"; names the credential, never its secret. */
  who: string;
  /** What to try when the endpoint refuses. */
  hint: string;
  operation: string;
}

export abstract class OAuthTokenSource {
  protected readonly transport: Transport;
  protected readonly now: () => number;
  private readonly credential: RefreshingCredential<OAuthAccessToken>;
  private readonly ownsTransport: boolean;
  private readonly provider: string;

  constructor(options: OAuthTokenSourceOptions) {
    this.provider = options.provider;
    this.now = options.now ?? Date.now;
    this.ownsTransport = options.transport === undefined;
    this.transport =
      options.transport ?? new Transport({ provider: options.provider, parseError: options.parseError });
    this.credential = new RefreshingCredential((signal) => this.fetchToken(signal), {
      refreshBeforeMs: options.refreshBeforeMs,
      now: this.now,
    });
  }

  /** The grant for one exchange at time `nowMs` (a JWT assertion is dated, a client secret is not). */
  protected abstract grant(nowMs: number): OAuthGrant;

  /** A valid token, from the cache or fresh from the token endpoint. */
  token(signal?: AbortSignal): Promise<OAuthAccessToken> {
    return this.credential.get(signal);
  }

  /** A Transport `authorize` hook: sets `Authorization: <type> <token>` on every attempt. */
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

  private async fetchToken(signal?: AbortSignal): Promise<Expiring<OAuthAccessToken>> {
    const requestedAt = this.now();
    const grant = this.grant(requestedAt);
    const body = new URLSearchParams(grant.form).toString();
    let doc: unknown;
    try {
      const res = await this.transport.sendJson({
        method: "POST",
        url: grant.url,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        signal,
        // Asking for a token changes nothing on the server, so a lost answer may be asked again.
        idempotent: true,
        operation: grant.operation,
      });
      doc = res.body;
    } catch (err) {
      throw this.refusal(err, grant);
    }
    return parseOAuthTokenAnswer(doc, requestedAt, { provider: this.provider, who: grant.who });
  }

  private refusal(err: unknown, grant: OAuthGrant): unknown {
    if (!isOmnicloudError(err) || (err.kind !== "Auth" && err.kind !== "Permission")) return err;
    const e: OmnicloudError = err;
    return new AuthError(`The token endpoint refused ${grant.who}: ${e.code ?? `status ${e.status}`}`, {
      provider: this.provider,
      status: e.status,
      code: e.code,
      requestId: e.requestId,
      cause: e,
      hint: grant.hint,
    });
  }
}

/**
 * Read `{access_token, expires_in, token_type}`. Expiry counts from when the request was made, not when the
 * answer came, so a slow answer never overstates the lifetime.
 */
export function parseOAuthTokenAnswer(
  doc: unknown,
  requestedAtMs: number,
  context: { provider: string; who: string },
): Expiring<OAuthAccessToken> {
  const o = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
  const accessToken = o.access_token;
  const expiresIn = typeof o.expires_in === "string" ? Number(o.expires_in) : o.expires_in;
  if (typeof accessToken !== "string" || accessToken === "") {
    throw new ProviderError(`The token endpoint answered ${context.who} without an access_token`, {
      provider: context.provider,
    });
  }
  registerSecret(accessToken);
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new ProviderError(`The token endpoint answered ${context.who} without a valid expires_in`, {
      provider: context.provider,
    });
  }
  const expiresAt = new Date(requestedAtMs + expiresIn * 1000);
  const raw = typeof o.token_type === "string" && o.token_type !== "" ? o.token_type : "Bearer";
  // Servers write "bearer" or "Bearer"; the Authorization header wants the scheme as RFC 6750 spells it.
  const tokenType = raw.toLowerCase() === "bearer" ? "Bearer" : raw;
  return { value: { accessToken, tokenType, expiresAt }, expiresAt };
}
