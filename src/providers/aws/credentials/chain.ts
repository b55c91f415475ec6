/**
 * AWS's default credential chain, in its documented order: explicit options, the environment, the shared
 * files' profile (keys or credential_process), container credentials, EC2 instance metadata. A source
 * that is not configured is passed over; a source that is configured but broken is an error, so a typo in
 * a profile never silently turns into the instance role's identity. Temporary credentials are refreshed
 * before they expire.
 */

import { RefreshingCredential } from "../../../core/credentials/refreshing.js";
import { AuthError, InvalidInputError } from "../../../core/errors.js";
import type { LogSink } from "../../../core/layers/logging.js";
import { registerSecret } from "../../../core/redact.js";
import { containerConfigured, containerCredentials } from "./container.js";
import { environmentCredentials } from "./env.js";
import { ImdsClient, ImdsUnavailable, imdsDisabled } from "./imds.js";
import { chooseProfile, loadProfile, profileCredentials, profileSkipReason } from "./profile.js";
import { type AwsCredentialProvider, type AwsCredentials, secretsOf } from "./types.js";

export interface ExplicitCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface AwsCredentialChainOptions {
  /** Keys to use as they are; nothing else is consulted. */
  credentials?: ExplicitCredentials;
  /** A profile to use instead of AWS_PROFILE / "default". Choosing one also skips the environment's keys. */
  profile?: string;
  /** Default process.env; tests pass their own. */
  env?: NodeJS.ProcessEnv;
  /** Home directory for ~/.aws; default the user's. */
  homeDir?: string;
  /** Debug lines of the metadata requests (container, instance metadata). */
  logger?: LogSink;
  /** Refresh temporary credentials this long before they expire. Default 5 minutes. */
  refreshBeforeMs?: number;
  /** Time limit for a credential_process program. Default 60 s. */
  processTimeoutMs?: number;
  /** Timeout of the metadata endpoints' connect and response. Default 1 s. */
  metadataTimeoutMs?: number;
  /** Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points. Default http://169.254.170.2; for tests. */
  containerHost?: string;
  /** Clock, for tests. */
  now?: () => number;
}

function explicitCredentials(c: ExplicitCredentials, now: number): AwsCredentials {
  registerSecret(c.secretAccessKey);
  registerSecret(c.sessionToken);
  const missing = [c.accessKeyId ? "" : "accessKeyId", c.secretAccessKey ? "" : "secretAccessKey"].filter(
    Boolean,
  );
  if (missing.length > 0) {
    throw new InvalidInputError(`options.credentials lacks ${missing.join(" and ")}`);
  }
  if (c.expiration && c.expiration.getTime() <= now) {
    throw new AuthError(`options.credentials expired at ${c.expiration.toISOString()}`);
  }
  return { ...c, source: "options.credentials" };
}

/** One walk down the chain. Returns the first source's credentials; throws listing every place looked at. */
async function resolveOnce(
  options: AwsCredentialChainOptions,
  imds: ImdsClient,
  signal?: AbortSignal,
): Promise<AwsCredentials> {
  const env = options.env ?? process.env;
  const now = (options.now ?? Date.now)();
  if (options.credentials) return explicitCredentials(options.credentials, now);

  const looked: string[] = [];
  if (options.profile) {
    looked.push("environment keys not consulted (options.profile was given)");
  } else {
    const fromEnv = environmentCredentials(env, now);
    if (fromEnv) return fromEnv;
    looked.push("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are unset");
  }

  const choice = chooseProfile(env, options.profile);
  const { profile, files } = await loadProfile(choice, env, options.homeDir);
  if (profile) {
    const fromProfile = await profileCredentials(profile, {
      env,
      now,
      ...(options.processTimeoutMs !== undefined ? { processTimeoutMs: options.processTimeoutMs } : {}),
    });
    if (fromProfile) return fromProfile;
  }
  looked.push(profileSkipReason(choice, files, profile));

  const http = {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metadataTimeoutMs !== undefined ? { timeoutMs: options.metadataTimeoutMs } : {}),
  };
  if (containerConfigured(env)) {
    const fromContainer = await containerCredentials({
      env,
      now,
      ...http,
      ...(options.containerHost ? { host: options.containerHost } : {}),
      ...(signal ? { signal } : {}),
    });
    if (fromContainer) return fromContainer;
  } else {
    looked.push("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are unset");
  }

  if (imdsDisabled(env)) {
    looked.push("EC2 instance metadata is disabled (AWS_EC2_METADATA_DISABLED)");
  } else {
    try {
      return await imds.credentials(signal);
    } catch (err) {
      if (!(err instanceof ImdsUnavailable)) throw err;
      looked.push(err.reason);
    }
  }
  throw new AuthError(`No AWS credentials found: ${looked.join("; ")}`, {
    hint: "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile in ~/.aws/credentials",
  });
}

/**
 * The refresh point handed to RefreshingCredential. Credentials that arrive already inside the refresh
 * window would otherwise be reloaded on every request; they are kept for half their remaining life (at
 * most a minute), never past their real expiry.
 */
function refreshPoint(expiration: Date | undefined, now: number, refreshBeforeMs: number): Date | undefined {
  if (!expiration) return undefined;
  const left = expiration.getTime() - now;
  if (left > refreshBeforeMs) return expiration;
  return new Date(now + refreshBeforeMs + Math.min(60_000, Math.floor(left / 2)));
}

/**
 * The default chain as a provider: loaded on first use, shared by concurrent callers, refreshed before
 * expiry, and reloaded after `invalidate()` (e.g. when AWS answers ExpiredToken).
 */
export function awsCredentialChain(options: AwsCredentialChainOptions = {}): AwsCredentialProvider {
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60_000;
  const imds = new ImdsClient({
    env: options.env ?? process.env,
    now,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metadataTimeoutMs !== undefined ? { timeoutMs: options.metadataTimeoutMs } : {}),
  });
  const cached = new RefreshingCredential<AwsCredentials>(
    async (signal) => {
      const value = await resolveOnce(options, imds, signal);
      const expiresAt = refreshPoint(value.expiration, now(), refreshBeforeMs);
      return expiresAt ? { value, expiresAt } : { value };
    },
    { refreshBeforeMs, now, secretsOf: (v) => secretsOf(v as AwsCredentials) },
  );
  return {
    get: (signal) => cached.get(signal),
    invalidate: () => cached.invalidate(),
  };
}

/** A provider for fixed keys, validated once. */
export function staticCredentials(credentials: ExplicitCredentials): AwsCredentialProvider {
  const value = explicitCredentials(credentials, Date.now());
  return { get: async () => value };
}
