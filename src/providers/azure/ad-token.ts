/**
 * Microsoft Entra ID (Azure AD) client credentials: an app's id and secret exchanged at
 * {authority}/{tenant}/oauth2/v2.0/token for a bearer token, cached and refreshed before it lapses.
 */

import { type OAuthAccessToken, type OAuthGrant, OAuthTokenSource } from "../../core/credentials/oauth2.js";
import { InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import type { Transport } from "../../core/transport/transport.js";

export const AZURE_PUBLIC_AUTHORITY = "https://login.microsoftonline.com";
export const AZURE_MANAGEMENT_SCOPE = "https://management.azure.com/.default";

export type AzureAccessToken = OAuthAccessToken;

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
export class AzureClientCredentials extends OAuthTokenSource {
  readonly tokenUrl: string;
  readonly scope: string;

  constructor(private readonly options: AzureClientCredentialsOptions) {
    super({
      provider: "azure",
      parseError: azureAdErrorParser,
      transport: options.transport,
      refreshBeforeMs: options.refreshBeforeMs,
      now: options.now,
    });
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
    // The form encoding of the secret is what goes on the wire; scrub that spelling too.
    registerSecret(new URLSearchParams({ s: options.clientSecret }).toString().slice(2));
  }

  protected grant(): OAuthGrant {
    return {
      url: this.tokenUrl,
      form: {
        grant_type: "client_credentials",
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        scope: this.scope,
      },
      who: `client credentials for app ${this.options.clientId} in tenant ${this.options.tenantId}`,
      hint: "Check the client id and secret (secrets expire), the tenant, and the scope",
      operation: "azure:token",
    };
  }
}
