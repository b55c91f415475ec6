/**
 * Microsoft Entra ID (Azure AD) client credentials: an app's id and secret exchanged at
 * {authority}/{tenant}/oauth2/v2.0/token for a bearer token, cached and refreshed before it lapses.
 */

import { type Expiring, RefreshingCredential } from "../../core/credentials/refreshing.js";
import { AuthError, InvalidInputError, isOmnicloudError, ProviderError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import { Transport } from "../../core/transport/transport.js";
import type { Attempt } from "../../core/transport/types.js";

export const AZURE_PUBLIC_AUTHORITY = "https://login.microsoftonline.com";
export const AZURE_MANAGEMENT_SCOPE = "https://management.azure.com/.default";

export interface AzureAccessToken {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly expiresAt: Date;
}

export interface AzureClientCredentialsOptions {
  /** Directory (tenant) id or domain. */
  tenantId: string;
  /** Application (client) id. */
  clientId: string;
  clientSecret: string;
  /** Resource scope ending in "/.default". Default the management API's. */
  scope?: string;
  /** Another cloud's login endpoint (sovereign clouds, or a test server). Default the public cloud's. */
  authority?: string;
  /** The transport for the token endpoint; by default one of its own (closed by `close()`). */
  transport?: Transport;
  /** Refresh this long before expiry. Default 5 minutes. */
  refreshBeforeMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/**
 * Entra's errors are OAuth errors plus AADSTS codes: `{"error":"invalid_client","error_description":
 * "AADSTS7000215: Invalid client secret …","error_codes":[7000215],"trace_id":…,"correlation_id":…}`.
 * Refusals map to Auth whatever the status (Entra uses 400 and 401); throttling and 5xx keep theirs.
 */
export const azureAdErrorParser: ErrorParser = ({ status, body }) => {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const o = doc as Record<string, unknown>;
  if (typeof o.error !== "string") return undefined;
  // The first line of the description is the reason; the rest repeats trace and correlation ids and time.
  const description =
    typeof o.error_description === "string" ? o.error_description.split(/\r?\n/)[0] : undefined;
  return {
    code: o.error,
    message: description ?? o.error,
    requestId:
      typeof o.correlation_id === "string"
        ? o.correlation_id
        : typeof o.trace_id === "string"
          ? o.trace_id
          : undefined,
    kind: status >= 500 || status === 429 ? undefined : "Auth",
  };
};

/** An app's bearer tokens from Entra ID, fetched on first use and refreshed before they expire. */
export class AzureClientCredentials {
  private readonly credential: RefreshingCredential<AzureAccessToken>;
  private readonly transport: Transport;
  private readonly ownsTransport: boolean;
  private readonly now: () => number;
  readonly tokenUrl: string;
  readonly scope: string;

  constructor(private readonly options: AzureClientCredentialsOptions) {
    registerSecret(options.clientSecret);
    for (const name of ["tenantId", "clientId", "clientSecret"] as const) {
      if (!options[name]) {
        throw new InvalidInputError(`Azure client credentials need ${name}`, { provider: "azure" });
      }
    }
    if (!/^[A-Za-z0-9.-]+$/.test(options.tenantId)) {
      throw new InvalidInputError(`"${options.tenantId}" is not a tenant id or domain`, {
        provider: "azure",
      });
    }
    const authority = (options.authority ?? AZURE_PUBLIC_AUTHORITY).replace(/\/+$/, "");
    this.tokenUrl = `${authority}/${options.tenantId}/oauth2/v2.0/token`;
    this.scope = options.scope ?? AZURE_MANAGEMENT_SCOPE;
    this.now = options.now ?? Date.now;
    this.ownsTransport = options.transport === undefined;
    this.transport =
      options.transport ?? new Transport({ provider: "azure", parseError: azureAdErrorParser });
    this.credential = new RefreshingCredential((signal) => this.fetchToken(signal), {
      refreshBeforeMs: options.refreshBeforeMs,
      now: this.now,
      secretsOf: (v) => [(v as AzureAccessToken).accessToken],
    });
  }

  token(signal?: AbortSignal): Promise<AzureAccessToken> {
    return this.credential.get(signal);
  }

  /** A Transport `authorize` hook: sets `Authorization: Bearer …` on every attempt. */
  readonly authorize = async (attempt: Attempt): Promise<void> => {
    const t = await this.token(attempt.signal);
    attempt.headers.authorization = `${t.tokenType} ${t.accessToken}`;
  };

  invalidate(): void {
    this.credential.invalidate();
  }

  async close(): Promise<void> {
    if (this.ownsTransport) await this.transport.close();
  }

  private async fetchToken(signal?: AbortSignal): Promise<Expiring<AzureAccessToken>> {
    const requestedAt = this.now();
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
      scope: this.scope,
    }).toString();
    // The form encoding of the secret is what goes on the wire; scrub that spelling too.
    registerSecret(new URLSearchParams({ s: this.options.clientSecret }).toString().slice(2));
    let doc: unknown;
    try {
      const res = await this.transport.sendJson({
        method: "POST",
        url: this.tokenUrl,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
        signal,
        // Asking for a token changes nothing on the server, so a lost answer may be asked again.
        idempotent: true,
        operation: "azure:token",
      });
      doc = res.body;
    } catch (err) {
      if (isOmnicloudError(err) && (err.kind === "Auth" || err.kind === "Permission")) {
        throw new AuthError(
          `Azure AD refused client credentials for app ${this.options.clientId} in tenant ${this.options.tenantId}: ${err.code ?? `status ${err.status}`}`,
          {
            provider: "azure",
            status: err.status,
            code: err.code,
            requestId: err.requestId,
            cause: err,
            hint: "Check the client id and secret (secrets expire), the tenant, and the scope",
          },
        );
      }
      throw err;
    }
    return this.parse(doc, requestedAt);
  }

  private parse(doc: unknown, requestedAt: number): Expiring<AzureAccessToken> {
    const o = (typeof doc === "object" && doc !== null ? doc : {}) as Record<string, unknown>;
    const accessToken = o.access_token;
    const expiresIn = typeof o.expires_in === "string" ? Number(o.expires_in) : o.expires_in;
    if (typeof accessToken !== "string" || accessToken === "") {
      throw new ProviderError(
        `The Azure AD token answer for app ${this.options.clientId} has no access_token`,
        {
          provider: "azure",
        },
      );
    }
    registerSecret(accessToken);
    if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new ProviderError(
        `The Azure AD token answer for app ${this.options.clientId} has no valid expires_in`,
        {
          provider: "azure",
        },
      );
    }
    // Counted from when we asked, not when the answer came, so a slow answer never overstates the lifetime.
    const expiresAt = new Date(requestedAt + expiresIn * 1000);
    const type =
      typeof o.token_type === "string" && o.token_type.toLowerCase() !== "bearer" ? o.token_type : "Bearer";
    return { value: { accessToken, tokenType: type, expiresAt }, expiresAt };
  }
}
