import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { SERVICES, type ServiceKind } from "../../core/registry.js";
import { UsageError } from "../usage-error.js";

/**
 * The config file: named profiles, each a provider and its options, so commands say `--profile prod`
 * instead of repeating endpoints and keys. JSON (one format, no YAML parser to load on every start):
 *
 *   { "defaultProfile": "dev",
 *     "profiles": { "dev": { "service": "storage", "provider": "minio", "options": { … } } } }
 *
 * `service` may be left out when the provider name says it (a "local" profile without one serves every
 * service that has a local provider).
 */
export interface Profile {
  name: string;
  service: ServiceKind | undefined;
  provider: string;
  options: Record<string, unknown>;
}

export interface Config {
  path: string;
  /** False when there is no file: no profiles, which is fine until one is asked for. */
  exists: boolean;
  defaultProfile: string | undefined;
  profiles: Map<string, Profile>;
}

/** $OMNICLOUD_CONFIG, else $XDG_CONFIG_HOME/omnicloud/config.json, else ~/.config/omnicloud/config.json. */
export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.OMNICLOUD_CONFIG) return env.OMNICLOUD_CONFIG;
  const base = env.XDG_CONFIG_HOME?.startsWith("/") ? env.XDG_CONFIG_HOME : join(homedir(), ".config");
  return join(base, "omnicloud", "config.json");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const PROFILE_NAME = /^[a-zA-Z][a-zA-Z0-9_-]*$/;

/** Read and check the file; every mistake is one line naming the file and the profile. */
export async function loadConfig(env: NodeJS.ProcessEnv): Promise<Config> {
  const path = configPath(env);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return { path, exists: false, defaultProfile: undefined, profiles: new Map() };
    }
    throw new UsageError(`cannot read the config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`the config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const bad = (what: string): UsageError => new UsageError(`config file ${path}: ${what}`);
  if (!isObject(doc)) throw bad('the top level must be an object with a "profiles" object');
  const raw = doc.profiles ?? {};
  if (!isObject(raw)) throw bad('"profiles" must be an object of named profiles');
  const profiles = new Map<string, Profile>();
  for (const [name, value] of Object.entries(raw)) {
    if (!PROFILE_NAME.test(name))
      throw bad(`profile name "${name}" must be letters, digits, "-" and "_", starting with a letter`);
    if (!isObject(value)) throw bad(`profile "${name}" must be an object`);
    const { service, provider, options } = value;
    if (typeof provider !== "string" || provider === "") throw bad(`profile "${name}" needs a "provider"`);
    if (service !== undefined && !(SERVICES as readonly unknown[]).includes(service)) {
      throw bad(
        `profile "${name}" has unknown service ${JSON.stringify(service)} (services: ${SERVICES.join(", ")})`,
      );
    }
    if (options !== undefined && !isObject(options))
      throw bad(`profile "${name}": "options" must be an object`);
    profiles.set(name, {
      name,
      service: service as ServiceKind | undefined,
      provider,
      options: options ?? {},
    });
  }
  const defaultProfile = doc.defaultProfile;
  if (defaultProfile !== undefined && (typeof defaultProfile !== "string" || !profiles.has(defaultProfile))) {
    throw bad(`"defaultProfile" names no profile: ${JSON.stringify(defaultProfile)}`);
  }
  return { path, exists: true, defaultProfile, profiles };
}
