/**
 * EC2 instance metadata (IMDSv2): a session token from PUT /latest/api/token, then the role name from
 * /latest/meta-data/iam/security-credentials/ and the role's credentials below it, each GET carrying the
 * token. Only v2 is spoken: v1's tokenless GETs are what SSRF attacks on instance credentials use.
 */
import { AuthError, isOmnicloudError, type OmnicloudError } from "../../../core/errors.js";
import { registerSecret } from "../../../core/redact.js";
import type { Transport } from "../../../core/transport/transport.js";
import { credentialsFromJson } from "./json-credentials.js";
import { type MetadataHttpOptions, metadataTransport } from "./metadata-http.js";
import type { AwsCredentials } from "./types.js";

export const IMDS_ENDPOINT = "http://169.254.169.254";
const IMDS_ENDPOINT_IPV6 = "http://[fd00:ec2::254]";
const TOKEN_PATH = "/latest/api/token";
const ROLE_PATH = "/latest/meta-data/iam/security-credentials/";
/** Six hours, the longest IMDS grants; the token is reused across credential refreshes. */
const TOKEN_TTL_SECONDS = 21_600;
/** Fetch a new token this long before the old one lapses. */
const TOKEN_MARGIN_MS = 60_000;

/** Whether AWS_EC2_METADATA_DISABLED turns instance metadata off. */
export function imdsDisabled(env: NodeJS.ProcessEnv): boolean {
  return (env.AWS_EC2_METADATA_DISABLED ?? "").trim().toLowerCase() === "true";
}

/** The endpoint and how it was chosen: AWS_EC2_METADATA_SERVICE_ENDPOINT, the IPv6 mode, or the default. */
export function imdsEndpoint(env: NodeJS.ProcessEnv): { url: string; from: string } {
  const set = env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  if (set) return { url: set.replace(/\/+$/, ""), from: "AWS_EC2_METADATA_SERVICE_ENDPOINT" };
  if ((env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE ?? "").toLowerCase() === "ipv6") {
    return { url: IMDS_ENDPOINT_IPV6, from: "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE" };
  }
  return { url: IMDS_ENDPOINT, from: "default" };
}

/** Instance metadata answered that it is not there for us: no role attached, or not an EC2 instance. */
export class ImdsUnavailable extends Error {
  constructor(
    readonly reason: string,
    options?: { cause: unknown },
  ) {
    super(reason, options);
  }
}

export interface ImdsOptions extends MetadataHttpOptions {
  env: NodeJS.ProcessEnv;
  now: () => number;
}

/**
 * One client per credential chain, so the session token outlives a single credential load: a refresh
 * costs two GETs, not three requests.
 */
export class ImdsClient {
  private token: { value: string; expiresAt: number } | undefined;
  readonly endpoint: string;
  private readonly from: string;

  constructor(private readonly options: ImdsOptions) {
    const e = imdsEndpoint(options.env);
    this.endpoint = e.url;
    this.from = e.from;
  }

  private where(): string {
    return `EC2 instance metadata at ${this.endpoint}${this.from === "default" ? "" : ` (from ${this.from})`}`;
  }

  /**
   * The instance role's credentials. Throws ImdsUnavailable when there is no instance metadata here (no
   * answer, or no role), AuthError when it refuses the token or returns unusable credentials.
   */
  async credentials(signal?: AbortSignal): Promise<AwsCredentials> {
    const transport = metadataTransport("aws-imds", this.options);
    try {
      const roles = await this.get(transport, ROLE_PATH, signal, true);
      const role = roles
        .split("\n")
        .map((r) => r.trim())
        .find((r) => r !== "");
      if (!role) throw new ImdsUnavailable(`${this.where()} lists no instance role`);
      const text = await this.get(transport, `${ROLE_PATH}${encodeURIComponent(role)}`, signal, false);
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        throw new AuthError(`${this.where()} returned role credentials that are not JSON`);
      }
      const code = (doc as { Code?: unknown } | null)?.Code;
      const where = `${this.where()} for role ${role}`;
      const credentials = credentialsFromJson(doc, { tokenField: "Token", where, now: this.options.now() });
      if (code !== undefined && code !== "Success") {
        throw new AuthError(`${where} answered Code ${JSON.stringify(code)} instead of Success`);
      }
      return credentials;
    } finally {
      await transport.close();
    }
  }

  private async sessionToken(transport: Transport, signal?: AbortSignal): Promise<string> {
    const now = this.options.now();
    if (this.token && this.token.expiresAt - TOKEN_MARGIN_MS > now) return this.token.value;
    let value: string;
    try {
      const res = await transport.send({
        method: "PUT",
        url: `${this.endpoint}${TOKEN_PATH}`,
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": String(TOKEN_TTL_SECONDS) },
        operation: "imds:GetToken",
        idempotent: true,
        ...(signal ? { signal } : {}),
      });
      value = res.body.toString("utf8").trim();
    } catch (err) {
      if (isOmnicloudError(err) && (err.kind === "Network" || err.kind === "Timeout")) {
        throw new ImdsUnavailable(`${this.where()} did not answer (${err.code ?? err.kind})`, { cause: err });
      }
      if (isOmnicloudError(err) && (err.status === 403 || err.status === 404 || err.status === 405)) {
        // 403: metadata is switched off for this instance; 404/405: not an IMDSv2 endpoint.
        throw new ImdsUnavailable(`${this.where()} refused a session token (status ${err.status})`, {
          cause: err,
        });
      }
      throw err;
    }
    if (value === "") throw new AuthError(`${this.where()} returned an empty session token`);
    registerSecret(value);
    this.token = { value, expiresAt: now + TOKEN_TTL_SECONDS * 1000 };
    return value;
  }

  /** GET with the session token; on 401 (token expired or revoked) fetch a new token and try once more. */
  private async get(
    transport: Transport,
    path: string,
    signal: AbortSignal | undefined,
    listing: boolean,
  ): Promise<string> {
    let lastRejection: OmnicloudError | undefined;
    for (let round = 0; round < 2; round++) {
      const token = await this.sessionToken(transport, signal);
      try {
        const res = await transport.send({
          method: "GET",
          url: `${this.endpoint}${path}`,
          headers: { "x-aws-ec2-metadata-token": token },
          operation: listing ? "imds:ListRoles" : "imds:GetRoleCredentials",
          ...(signal ? { signal } : {}),
        });
        return res.body.toString("utf8");
      } catch (err) {
        if (!isOmnicloudError(err)) throw err;
        if (err.status === 401) {
          this.token = undefined;
          lastRejection = err;
          continue;
        }
        if (err.status === 404 && listing) {
          throw new ImdsUnavailable(`${this.where()} has no instance role attached`, { cause: err });
        }
        err.explain(`While loading credentials from ${this.where()}.`);
        throw err;
      }
    }
    throw new AuthError(`${this.where()} rejected its own fresh session token (status 401), twice`, {
      cause: lastRejection,
      hint: "The token may be expiring immediately (check the instance clock) or metadata access is restricted",
    });
  }
}
