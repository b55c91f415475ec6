/**
 * The JSON credential document that credential_process tools, the container endpoint and EC2 instance
 * metadata all print, with small differences in the token's field name. Secrets are registered for
 * redaction the moment they are read, before any check can raise an error.
 */
import { AuthError } from "../../../core/errors.js";
import { registerSecret } from "../../../core/redact.js";
import type { AwsCredentials } from "./types.js";

export interface CredentialJsonOptions {
  /** "SessionToken" (credential_process) or "Token" (container, instance metadata). */
  tokenField: "SessionToken" | "Token";
  /** Where the document came from, for messages: "credential_process of profile dev in /x/config". */
  where: string;
  now: number;
}

function field(doc: Record<string, unknown>, name: string): string | undefined {
  const v = doc[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function credentialsFromJson(doc: unknown, options: CredentialJsonOptions): AwsCredentials {
  const { where } = options;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new AuthError(`${where} did not return a JSON object of credentials`);
  }
  const d = doc as Record<string, unknown>;
  const secretAccessKey = field(d, "SecretAccessKey");
  const sessionToken = field(d, options.tokenField);
  registerSecret(secretAccessKey);
  registerSecret(sessionToken);
  const accessKeyId = field(d, "AccessKeyId");
  const missing = [
    accessKeyId ? undefined : "AccessKeyId",
    secretAccessKey ? undefined : "SecretAccessKey",
  ].filter((m) => m !== undefined);
  if (missing.length > 0 || !accessKeyId || !secretAccessKey) {
    throw new AuthError(`${where} returned credentials without ${missing.join(" and ")}`);
  }
  let expiration: Date | undefined;
  const rawExpiration = d.Expiration;
  if (rawExpiration !== undefined && rawExpiration !== null) {
    expiration = typeof rawExpiration === "string" ? new Date(rawExpiration) : new Date(Number.NaN);
    if (Number.isNaN(expiration.getTime())) {
      throw new AuthError(`${where} returned an Expiration that is not an ISO 8601 date`);
    }
    if (expiration.getTime() <= options.now) {
      throw new AuthError(`${where} returned credentials that expired at ${expiration.toISOString()}`, {
        hint: "Renew them at the source (e.g. log in again), then retry",
      });
    }
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration ? { expiration } : {}),
    source: where,
  };
}
