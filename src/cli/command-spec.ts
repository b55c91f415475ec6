import type { Cli } from "./context.js";
import { UsageError } from "./usage-error.js";

/**
 * How commands describe themselves: one table (catalogue.ts) drives argument parsing, `--help`, "did you
 * mean" suggestions and shell completion, so they can never disagree.
 */
export interface FlagSpec {
  name: string;
  short?: string;
  /** "boolean" flags take no value. */
  type: "boolean" | "string";
  /** The flag may be given several times; its values are collected in order. */
  multiple?: boolean;
  /** The value's name in help, e.g. "SECONDS". */
  value?: string;
  help: string;
}

/** The values node:util parseArgs gives back, without its generic typing (our specs are data). */
export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Invocation {
  args: string[];
  values: FlagValues;
  /** The option names in the order they were given (for commands whose flags are ordered steps). */
  order?: readonly string[];
}

/** A command's code. It may return an exit code (e.g. `config check` when a profile fails). */
export type CommandRun = (cli: Cli, invocation: Invocation) => Promise<number | undefined>;

export interface VerbSpec {
  name: string;
  /** Positional arguments as shown in help, e.g. "<src> <dst>". */
  args: string;
  summary: string;
  flags: readonly FlagSpec[];
  /** Imports the command's module only when it runs, so start-up never pays for it. */
  load: () => Promise<CommandRun>;
  /** Lines of examples or notes for `--help`. */
  notes?: readonly string[];
}

export interface GroupSpec {
  name: string;
  summary: string;
  /** Verbs of a service; a group without verbs is one command that runs `run`. */
  verbs?: readonly VerbSpec[];
  run?: VerbSpec;
  /** Flags every verb of the group takes (provider choice, endpoint, ...). */
  common?: readonly FlagSpec[];
  /** Lines shown in the group's help after the verbs (URL forms, defaults). */
  notes?: readonly string[];
}

// ---- typed reads of parsed flags -------------------------------------------------------------------

export function flagString(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  if (Array.isArray(v)) {
    const last = v[v.length - 1];
    return typeof last === "string" ? last : undefined;
  }
  return typeof v === "string" ? v : undefined;
}

export function flagBool(values: FlagValues, name: string): boolean {
  return values[name] === true;
}

export function flagList(values: FlagValues, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return typeof v === "string" ? [v] : [];
}

/** A whole number flag within bounds, or a usage error naming the flag. */
export function flagInt(values: FlagValues, name: string, min: number, max: number): number | undefined {
  const text = flagString(values, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return n;
}

/** `key=value` flags (metadata, tags, options) as pairs, refusing a missing "=". */
export function flagPairs(values: FlagValues, name: string): Array<[string, string]> {
  return flagList(values, name).map((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--${name} takes KEY=VALUE, not "${pair}"`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

/** Positional arguments between `min` and `max` in number, else a usage error with the usage line. */
export function expectArgs(invocation: Invocation, min: number, max: number, usage: string): string[] {
  const n = invocation.args.length;
  if (n < min || n > max) {
    const what = n < min ? "too few arguments" : "too many arguments";
    throw new UsageError(`${what}; usage: omnicloud ${usage}`);
  }
  return invocation.args;
}
