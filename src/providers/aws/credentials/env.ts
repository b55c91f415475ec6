/**
 * Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (with the optional
 * AWS_CREDENTIAL_EXPIRATION that some tools export alongside temporary keys).
 */
import { AuthError, InvalidInputError } from "../../../core/errors.js";
import { registerSecret } from "../../../core/redact.js";
import type { AwsCredentials } from "./types.js";

/** Credentials from the environment; undefined when neither key variable is set. */
export function environmentCredentials(env: NodeJS.ProcessEnv, now: number): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID?.trim();
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY?.trim();
  const sessionToken = env.AWS_SESSION_TOKEN?.trim();
  registerSecret(secretAccessKey);
  registerSecret(sessionToken);
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    const [set, unset] = accessKeyId
      ? ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
      : ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"];
    throw new InvalidInputError(`The environment sets ${set} but not ${unset}`, {
      hint: "Set both, or neither to use a profile or an instance role",
    });
  }
  let expiration: Date | undefined;
  const rawExpiration = env.AWS_CREDENTIAL_EXPIRATION?.trim();
  if (rawExpiration) {
    expiration = new Date(rawExpiration);
    if (Number.isNaN(expiration.getTime())) {
      throw new InvalidInputError("AWS_CREDENTIAL_EXPIRATION is not an ISO 8601 date");
    }
    if (expiration.getTime() <= now) {
      throw new AuthError(
        `The credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY expired at ${expiration.toISOString()} (AWS_CREDENTIAL_EXPIRATION)`,
        { hint: "Export fresh credentials" },
      );
    }
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration ? { expiration } : {}),
    source: "environment (AWS_ACCESS_KEY_ID)",
  };
}
