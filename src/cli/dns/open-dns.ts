import { findProvider } from "../../core/registry.js";
import type { Dns } from "../../dns/dns.js";
import { openDns } from "../../dns/open.js";
import { type FlagValues, flagString } from "../command-spec.js";
import { chooseProfile } from "../config/profiles.js";
import { providerOptions } from "../config/provider-options.js";
import type { Cli } from "../context.js";
import { UsageError } from "../usage-error.js";

/**
 * The DNS provider a command works on: `--provider`, else the profile's, else `local` (zone files under
 * --root, OMNICLOUD_LOCAL_DNS_ROOT, or ~/.local/share/omnicloud/dns), so dns commands work with no setup.
 */
export async function openDnsFor(cli: Cli, values: FlagValues): Promise<Dns> {
  const choice = await chooseProfile(cli, "dns");
  const flag = flagString(values, "provider");
  let provider: string;
  let profile = choice.profile;
  if (flag !== undefined) {
    provider = findProvider("dns", flag).name;
    const fits = profile !== undefined && findProvider("dns", profile.provider).name === provider;
    if (choice.explicit && !fits) {
      throw new UsageError(
        `--provider ${flag} and profile "${choice.explicit.name}" (provider ${choice.explicit.provider}) disagree`,
      );
    }
    if (!fits) profile = undefined;
  } else {
    provider = profile ? findProvider("dns", profile.provider).name : "local";
  }
  const local = findProvider("dns", provider).local === true;
  return openDns(provider, providerOptions(cli, values, { provider, local, profile }));
}
