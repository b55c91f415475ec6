import { type FlagValues, flagPairs, flagString } from "../command-spec.js";
import type { Cli } from "../context.js";
import { UsageError } from "../usage-error.js";
import type { Profile } from "./config-file.js";

/**
 * The options a provider is opened with, in order of precedence: command-line flags, then the environment
 * (OMNICLOUD_ENDPOINT, OMNICLOUD_REGION), then the profile. Provider-native variables (AWS_ACCESS_KEY_ID,
 * PDNS_API_KEY, OMNICLOUD_LOCAL_ROOT, …) are read by the drivers themselves, below all of these.
 */

/** Most drivers call their base URL "endpoint"; the few that do not are listed. */
const ENDPOINT_KEY: Record<string, string> = { powerdns: "url", libvirt: "uri" };

/** `-o` values: JSON literals (numbers, booleans, objects) as such, anything else as a string. */
function optionValue(text: string): unknown {
  if (/^(true|false|null|-?[0-9]+(\.[0-9]+)?|\{.*\}|\[.*\])$/s.test(text.trim())) {
    try {
      return JSON.parse(text);
    } catch {
      // Not JSON after all ("{abc}"): keep the text.
    }
  }
  return text;
}

/** Set `a.b.c` in a nested object, creating the objects on the way. */
export function setDotted(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  if (keys.some((k) => k === "" || k === "__proto__" || k === "constructor" || k === "prototype")) {
    throw new UsageError(`option name "${path}" is not valid`);
  }
  let at = target;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]!] = value;
}

/** A deep copy of `base` with `over` laid on top (objects merge, anything else replaces). */
export function mergeOptions(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    const bothObjects =
      typeof prev === "object" &&
      prev !== null &&
      !Array.isArray(prev) &&
      typeof v === "object" &&
      v !== null &&
      !Array.isArray(v);
    out[k] = bothObjects ? mergeOptions(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export interface OptionSources {
  provider: string;
  /** Local providers take a root folder; remote ones an endpoint and region. */
  local: boolean;
  profile: Profile | undefined;
}

/** The options to open `provider` with, from the profile, the environment and the flags. */
export function providerOptions(
  cli: Cli,
  values: FlagValues,
  sources: OptionSources,
): Record<string, unknown> {
  const over: Record<string, unknown> = {};
  if (sources.local) {
    const root = flagString(values, "root");
    if (root !== undefined) over.root = root;
  } else {
    const endpointKey = ENDPOINT_KEY[sources.provider] ?? "endpoint";
    const endpoint = flagString(values, "endpoint") ?? cli.env.OMNICLOUD_ENDPOINT;
    if (endpoint) over[endpointKey] = endpoint;
    const region = flagString(values, "region") ?? cli.env.OMNICLOUD_REGION;
    if (region) over.region = region;
  }
  for (const [key, value] of flagPairs(values, "option")) setDotted(over, key, optionValue(value));
  return mergeOptions(sources.profile?.options ?? {}, over);
}
