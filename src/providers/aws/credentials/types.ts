/** An AWS access key pair, with its session token when temporary. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Present for temporary credentials (STS, containers, instance roles, most credential_process tools). */
  readonly sessionToken?: string;
  /** When temporary credentials stop working; undefined for long-term keys. */
  readonly expiration?: Date;
  /** Where they were read from, e.g. "environment" or "profile dev in /home/ann/.aws/credentials". */
  readonly source?: string;
}

/**
 * Something that hands out credentials, loading or refreshing them as needed. `RefreshingCredential` from
 * core fits this shape.
 */
export interface AwsCredentialProvider {
  get(signal?: AbortSignal): Promise<AwsCredentials>;
  /** Forget cached credentials, e.g. after AWS answered ExpiredToken; the next `get` loads afresh. */
  invalidate?(): void;
}

/** The secret parts of a credentials value, for `registerSecret`. */
export function secretsOf(credentials: AwsCredentials): string[] {
  return [credentials.secretAccessKey, credentials.sessionToken].filter(
    (s): s is string => typeof s === "string",
  );
}
