/**
 * OAuth 2.0 access tokens for a service account (RFC 7523 JWT-bearer grant): a JWT signed with the
 * account's key is exchanged at its `token_uri` for a short-lived bearer token, cached and refreshed
 * before it lapses.
 */

import {
  type OAuthAccessToken,
  type OAuthGrant,
  OAuthTokenSource,
  parseOAuthTokenAnswer,
} from "../../core/credentials/oauth2.js";
import type { Expiring } from "../../core/credentials/refreshing.js";
import { InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import type { Transport } from "../../core/transport/transport.js";
import { signJwtRs256 } from "./jwt.js";
import { oauthErrorParser } from "./oauth-error.js";
import type { ServiceAccountKey } from "./service-account.js";

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** Google's ceiling for an assertion's lifetime. */
const MAX_ASSERTION_SECONDS = 3600;

export type GoogleAccessToken = OAuthAccessToken;

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
export class ServiceAccountTokenProvider extends OAuthTokenSource {
  private readonly scope: string;

  constructor(
    readonly key: ServiceAccountKey,
    private readonly options: ServiceAccountTokenOptions,
  ) {
    super({
      provider: "google",
      parseError: oauthErrorParser,
      transport: options.transport,
      refreshBeforeMs: options.refreshBeforeMs,
      now: options.now,
    });
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

  protected grant(nowMs: number): OAuthGrant {
    const assertion = this.assertion(nowMs);
    // The assertion is a bearer credential for its hour: scrub it wherever it might be echoed.
    registerSecret(assertion);
    return {
      url: this.key.tokenUri,
      form: { grant_type: JWT_BEARER_GRANT, assertion },
      who: `service account ${this.key.clientEmail} (key file ${this.key.source})`,
      hint: "The key may be deleted or disabled, the account removed, or the clock far off; create a new key if needed",
      operation: "google:token",
    };
  }
}

/** Read a token answer; kept for callers with their own exchange (see `assertion`). */
export function parseTokenResponse(
  doc: unknown,
  requestedAtMs: number,
  source: string,
): Expiring<GoogleAccessToken> {
  return parseOAuthTokenAnswer(doc, requestedAtMs, { provider: "google", who: `key file ${source}` });
}
