/**
 * The region to use: options, then AWS_REGION, AWS_DEFAULT_REGION, then the profile's `region` setting.
 * When none says, the error lists every place looked at.
 */
import { InvalidInputError } from "../../../core/errors.js";
import { partitionOf } from "../endpoints.js";
import { chooseProfile, loadProfile } from "./profile.js";

export interface RegionOptions {
  region?: string;
  profile?: string;
  env?: NodeJS.ProcessEnv;
  /** Home directory for ~/.aws; default the user's. */
  homeDir?: string;
}

export interface ResolvedRegion {
  region: string;
  /** Where it was found: "options.region", "AWS_REGION", 'profile "dev" in /home/ann/.aws/config', ... */
  from: string;
}

function checked(region: string, from: string): ResolvedRegion {
  try {
    partitionOf(region);
  } catch (err) {
    throw new InvalidInputError(`The AWS region "${region}" from ${from} is not a region name`, {
      cause: err,
    });
  }
  return { region, from };
}

export async function resolveAwsRegion(options: RegionOptions = {}): Promise<ResolvedRegion> {
  const env = options.env ?? process.env;
  if (options.region) return checked(options.region, "options.region");
  for (const variable of ["AWS_REGION", "AWS_DEFAULT_REGION"] as const) {
    const value = env[variable]?.trim();
    if (value) return checked(value, variable);
  }
  const choice = chooseProfile(env, options.profile);
  const { profile, files } = await loadProfile(choice, env, options.homeDir);
  const region = profile?.get("region");
  if (profile && region) return checked(region, `profile "${profile.name}" in ${profile.fileOf("region")}`);
  const profileText = profile
    ? `${profile.describe()} has no "region" setting`
    : `there is no profile "${choice.name}" in ${files.paths.config.path} or ${files.paths.credentials.path}`;
  throw new InvalidInputError(
    `No AWS region given: options.region, AWS_REGION and AWS_DEFAULT_REGION are unset, and ${profileText}`,
    { hint: 'Pass a region (e.g. "eu-west-1"), set AWS_REGION, or add "region = ..." to the profile' },
  );
}
