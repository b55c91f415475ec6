/**
 * AWS's two shared files and the profiles in them. ~/.aws/credentials names sections after profiles;
 * ~/.aws/config writes `[profile name]` (and plain `[default]`). Both may hold any profile setting; where
 * both set one, the credentials file wins, as in the AWS CLI.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { InvalidInputError } from "../../../core/errors.js";
import { type IniSections, parseIni } from "./ini.js";

export interface SharedFilePath {
  path: string;
  /** How the path was chosen, for messages: the env var that set it, or "default". */
  from: string;
}

export interface SharedFilePaths {
  credentials: SharedFilePath;
  config: SharedFilePath;
}

function expandHome(path: string, home: string): string {
  return path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
}

/** Where the shared files are: AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE, else under ~/.aws. */
export function sharedFilePaths(env: NodeJS.ProcessEnv, home: string = homedir()): SharedFilePaths {
  const pick = (variable: string, fallback: string): SharedFilePath => {
    const set = env[variable];
    return set
      ? { path: expandHome(set, home), from: variable }
      : { path: join(home, ".aws", fallback), from: "default" };
  };
  return {
    credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    config: pick("AWS_CONFIG_FILE", "config"),
  };
}

export interface Profile {
  name: string;
  /** A setting, from the credentials file first, then the config file. */
  get(key: string): string | undefined;
  /** The file a setting was read from, for messages. */
  fileOf(key: string): string;
  /** "profile dev in /home/ann/.aws/credentials" (or both files when it is in both). */
  describe(): string;
}

export interface SharedFiles {
  paths: SharedFilePaths;
  /** Profiles by name from the credentials file, or undefined when the file does not exist. */
  credentials: IniSections | undefined;
  /** Profiles by name (the "profile " prefix removed) from the config file, or undefined when absent. */
  config: IniSections | undefined;
}

async function readIfPresent(file: SharedFilePath): Promise<string | undefined> {
  try {
    return await readFile(file.path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    const via = file.from === "default" ? "" : ` (set by ${file.from})`;
    throw new InvalidInputError(`Cannot read the AWS shared file ${file.path}${via}`, { cause: err });
  }
}

/** The config file's profile sections, renamed to their profile names; other section kinds are left out. */
function configProfiles(sections: IniSections): IniSections {
  const out: IniSections = new Map();
  for (const [name, values] of sections) {
    if (name === "default") out.set("default", new Map([...(out.get("default") ?? []), ...values]));
    else if (name.startsWith("profile ")) {
      const profile = name.slice("profile ".length).trim();
      out.set(profile, new Map([...(out.get(profile) ?? []), ...values]));
    }
  }
  return out;
}

export async function loadSharedFiles(paths: SharedFilePaths): Promise<SharedFiles> {
  const [credentialsText, configText] = await Promise.all([
    readIfPresent(paths.credentials),
    readIfPresent(paths.config),
  ]);
  return {
    paths,
    credentials:
      credentialsText === undefined ? undefined : parseIni(credentialsText, paths.credentials.path),
    config: configText === undefined ? undefined : configProfiles(parseIni(configText, paths.config.path)),
  };
}

export function profileNames(files: SharedFiles): string[] {
  return [...new Set([...(files.credentials?.keys() ?? []), ...(files.config?.keys() ?? [])])].sort();
}

export function findProfile(files: SharedFiles, name: string): Profile | undefined {
  const fromCredentials = files.credentials?.get(name);
  const fromConfig = files.config?.get(name);
  if (!fromCredentials && !fromConfig) return undefined;
  const credentialsPath = files.paths.credentials.path;
  const configPath = files.paths.config.path;
  return {
    name,
    get: (key) => fromCredentials?.get(key) ?? fromConfig?.get(key),
    fileOf: (key) => (fromCredentials?.has(key) || !fromConfig ? credentialsPath : configPath),
    describe: () => {
      const where = [fromCredentials ? credentialsPath : undefined, fromConfig ? configPath : undefined];
      return `profile "${name}" in ${where.filter((w) => w !== undefined).join(" and ")}`;
    },
  };
}
