/**
 * Credentials from a profile in the shared files: static keys, or a credential_process. Profiles that
 * assume a role or use SSO are recognised and refused with a clear message rather than skipped, so the
 * chain never falls through to some other identity the user did not choose.
 */
import { InvalidInputError } from "../../../core/errors.js";
import { registerSecret } from "../../../core/redact.js";
import { runCredentialProcess } from "./process.js";
import {
  findProfile,
  loadSharedFiles,
  type Profile,
  profileNames,
  type SharedFiles,
  sharedFilePaths,
} from "./shared-files.js";
import type { AwsCredentials } from "./types.js";

export interface ProfileChoice {
  name: string;
  /** "options.profile", "AWS_PROFILE" or "default". */
  from: string;
}

export function chooseProfile(env: NodeJS.ProcessEnv, explicit?: string): ProfileChoice {
  if (explicit) return { name: explicit, from: "options.profile" };
  const fromEnv = env.AWS_PROFILE?.trim();
  if (fromEnv) return { name: fromEnv, from: "AWS_PROFILE" };
  return { name: "default", from: "default" };
}

function filesDescription(files: SharedFiles): string {
  const describe = (f: { path: string; from: string }, present: boolean) =>
    `${f.path}${f.from === "default" ? "" : ` (from ${f.from})`}${present ? "" : " (absent)"}`;
  return `${describe(files.paths.credentials, files.credentials !== undefined)} and ${describe(files.paths.config, files.config !== undefined)}`;
}

/**
 * The chosen profile, or undefined when it is the implicit "default" and does not exist. A profile chosen
 * by name that does not exist is an error listing the ones that do.
 */
export async function loadProfile(
  choice: ProfileChoice,
  env: NodeJS.ProcessEnv,
  home?: string,
): Promise<{ profile: Profile | undefined; files: SharedFiles }> {
  const files = await loadSharedFiles(sharedFilePaths(env, home));
  const profile = findProfile(files, choice.name);
  if (!profile && choice.from !== "default") {
    const known = profileNames(files);
    throw new InvalidInputError(
      `The AWS profile "${choice.name}" (from ${choice.from}) is not in ${filesDescription(files)}`,
      {
        hint:
          known.length > 0 ? `Known profiles: ${known.join(", ")}` : "No profiles are defined in either file",
      },
    );
  }
  return { profile, files };
}

/** Why a chain could not use the shared files, for its final message. */
export function profileSkipReason(
  choice: ProfileChoice,
  files: SharedFiles,
  profile: Profile | undefined,
): string {
  return profile
    ? `${profile.describe()} holds no credentials`
    : `no profile "${choice.name}" in ${filesDescription(files)}`;
}

const UNSUPPORTED: ReadonlyArray<readonly [key: string, what: string]> = [
  ["role_arn", "assumes a role (role_arn)"],
  ["sso_session", "uses IAM Identity Center (sso_session)"],
  ["sso_start_url", "uses IAM Identity Center (sso_start_url)"],
  ["web_identity_token_file", "uses web identity federation (web_identity_token_file)"],
];

export interface ProfileCredentialOptions {
  env: NodeJS.ProcessEnv;
  now: number;
  processTimeoutMs?: number;
}

/** The profile's credentials, or undefined when it configures none (a profile with only a region, say). */
export async function profileCredentials(
  profile: Profile,
  options: ProfileCredentialOptions,
): Promise<AwsCredentials | undefined> {
  const accessKeyId = profile.get("aws_access_key_id");
  const secretAccessKey = profile.get("aws_secret_access_key");
  const sessionToken = profile.get("aws_session_token");
  registerSecret(secretAccessKey);
  registerSecret(sessionToken);
  if (accessKeyId || secretAccessKey) {
    if (!accessKeyId || !secretAccessKey) {
      const [has, lacks] = accessKeyId
        ? ["aws_access_key_id", "aws_secret_access_key"]
        : ["aws_secret_access_key", "aws_access_key_id"];
      throw new InvalidInputError(
        `The AWS profile "${profile.name}" in ${profile.fileOf(has)} has ${has} but no ${lacks}`,
      );
    }
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      source: `profile "${profile.name}" in ${profile.fileOf("aws_access_key_id")}`,
    };
  }
  const command = profile.get("credential_process");
  if (command) {
    return runCredentialProcess(command, {
      where: `profile "${profile.name}" in ${profile.fileOf("credential_process")}`,
      env: options.env,
      now: options.now,
      ...(options.processTimeoutMs !== undefined ? { timeoutMs: options.processTimeoutMs } : {}),
    });
  }
  for (const [key, what] of UNSUPPORTED) {
    if (profile.get(key)) {
      throw new InvalidInputError(
        `The AWS profile "${profile.name}" in ${profile.fileOf(key)} ${what}, which omnicloud does not support yet`,
        {
          hint: "Use credential_process with a tool that prints credentials (e.g. `aws configure export-credentials --format process`)",
        },
      );
    }
  }
  return undefined;
}
