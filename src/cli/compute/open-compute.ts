import type { Compute } from "../../compute/compute.js";
import { openCompute } from "../../compute/open.js";
import { findProvider, listProviders } from "../../core/registry.js";
import { type FlagValues, flagString } from "../command-spec.js";
import { chooseProfile } from "../config/profiles.js";
import { providerOptions } from "../config/provider-options.js";
import type { Cli } from "../context.js";
import { UsageError } from "../usage-error.js";

/**
 * The compute provider a command works on: `--provider`, else the profile's. There is no silent default:
 * creating or destroying servers on a provider nobody named would be a bad surprise.
 */
export async function openComputeFor(cli: Cli, values: FlagValues): Promise<Compute> {
  const choice = await chooseProfile(cli, "compute");
  const flag = flagString(values, "provider");
  let profile = choice.profile;
  let provider: string;
  if (flag !== undefined) {
    provider = findProvider("compute", flag).name;
    const fits = profile !== undefined && findProvider("compute", profile.provider).name === provider;
    if (choice.explicit && !fits) {
      throw new UsageError(
        `--provider ${flag} and profile "${choice.explicit.name}" (provider ${choice.explicit.provider}) disagree`,
      );
    }
    if (!fits) profile = undefined;
  } else if (profile) {
    provider = findProvider("compute", profile.provider).name;
  } else {
    const known = listProviders("compute").map((p) => p.name);
    throw new UsageError(
      "compute commands need a provider: --provider NAME, or a compute profile (--profile NAME)",
      known.length > 0
        ? `Compute providers: ${known.join(", ")} (libvirt's test:///default needs no daemon: --provider libvirt --endpoint test:///default)`
        : "No compute providers are registered yet",
    );
  }
  const local = findProvider("compute", provider).local === true;
  // Local compute providers (libvirt) take a connection URI through --endpoint, not a root folder.
  return openCompute(
    provider,
    providerOptions(cli, values, { provider, local: local && provider !== "libvirt", profile }),
  );
}
