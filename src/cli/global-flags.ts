import { UsageError } from "./usage-error.js";

/**
 * Flags that mean the same for every command and may stand anywhere on the line (`omnicloud --json
 * storage ls …` and `omnicloud storage ls … --json` alike). They are taken out before the command parses
 * the rest; "--" ends them, so an argument that looks like one can still be passed after it.
 */
export interface GlobalFlags {
  help: boolean;
  version: boolean;
  debug: boolean;
  json: boolean;
  jsonl: boolean;
  noProgress: boolean;
  profile: string | undefined;
}

const SWITCHES: Record<string, keyof Omit<GlobalFlags, "profile">> = {
  "-h": "help",
  "--help": "help",
  "-v": "version",
  "--version": "version",
  "--debug": "debug",
  "--json": "json",
  "--jsonl": "jsonl",
  "--no-progress": "noProgress",
};

export const GLOBAL_FLAG_NAMES = [...Object.keys(SWITCHES), "--profile"];

export function splitGlobalFlags(argv: readonly string[]): { flags: GlobalFlags; rest: string[] } {
  const flags: GlobalFlags = {
    help: false,
    version: false,
    debug: false,
    json: false,
    jsonl: false,
    noProgress: false,
    profile: undefined,
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const name = SWITCHES[arg];
    if (name !== undefined) {
      flags[name] = true;
    } else if (arg === "--profile") {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("-"))
        throw new UsageError("--profile needs a profile name");
      flags.profile = value;
      i++;
    } else if (arg.startsWith("--profile=")) {
      flags.profile = arg.slice("--profile=".length);
    } else {
      rest.push(arg);
    }
  }
  if (flags.json && flags.jsonl) throw new UsageError("give --json or --jsonl, not both");
  return { flags, rest };
}
