import { findProvider, type ServiceKind } from "../../core/registry.js";
import "../../providers/builtin.js";
import type { Cli } from "../context.js";
import { UsageError } from "../usage-error.js";
import { type Config, loadConfig, type Profile } from "./config-file.js";

/**
 * Which profile a command uses: `--profile NAME` (or OMNICLOUD_PROFILE) when given, which must exist and
 * fit the service; else the file's defaultProfile when it fits; else none.
 */
export interface ProfileChoice {
  config: Config;
  /** The profile named on the command line or in the environment, if any. */
  explicit: Profile | undefined;
  /** The profile to use for this service when nothing more specific applies. */
  profile: Profile | undefined;
}

/** True when the profile can open a provider of `service`. */
export function profileFits(profile: Profile, service: ServiceKind): boolean {
  if (profile.service !== undefined) return profile.service === service;
  try {
    findProvider(service, profile.provider);
    return true;
  } catch {
    return false;
  }
}

export async function chooseProfile(cli: Cli, service: ServiceKind): Promise<ProfileChoice> {
  const config = await loadConfig(cli.env);
  let explicit: Profile | undefined;
  if (cli.profile !== undefined) {
    explicit = config.profiles.get(cli.profile);
    if (!explicit) {
      const { closest } = await import("../../core/suggest.js");
      const guess = closest(cli.profile, config.profiles.keys());
      throw new UsageError(
        `no profile "${cli.profile}" in ${config.path}${config.exists ? "" : " (the file does not exist)"}`,
        guess ? `Did you mean "${guess}"?` : "List profiles with: omnicloud config list",
      );
    }
    if (!profileFits(explicit, service)) {
      throw new UsageError(
        `profile "${explicit.name}" is for ${explicit.service ?? `provider ${explicit.provider}`}, not ${service}`,
      );
    }
  }
  const fallback =
    config.defaultProfile === undefined ? undefined : config.profiles.get(config.defaultProfile);
  const profile = explicit ?? (fallback && profileFits(fallback, service) ? fallback : undefined);
  return { config, explicit, profile };
}
