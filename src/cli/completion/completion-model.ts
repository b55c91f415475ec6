import { listProviders, SERVICES, type ServiceKind } from "../../core/registry.js";
import "../../providers/builtin.js";
import { GROUPS } from "../catalogue.js";
import type { FlagSpec } from "../command-spec.js";
import { GLOBAL_FLAG_NAMES } from "../global-flags.js";

/**
 * What the completion scripts complete, taken from the catalogue and the registry so the scripts always
 * match the CLI that printed them: commands, verbs, flags per verb, and the values of a few flags.
 */
export interface CompletionModel {
  groups: Array<{
    name: string;
    summary: string;
    verbs: Array<{ name: string; summary: string; flags: FlagSpec[] }>;
  }>;
  globalFlags: string[];
  /** Flags that take a value, so the scripts skip their value when counting words. */
  valueFlags: string[];
  /** Fixed value lists: --service, --method, `completion`'s shell. */
  values: Record<string, string[]>;
  /** --provider's values for each command group (storage providers for storage, ...). */
  providers: Record<string, string[]>;
}

export function completionModel(): CompletionModel {
  const groups = GROUPS.map((g) => ({
    name: g.name,
    summary: g.summary,
    verbs: (g.verbs ?? (g.run ? [{ ...g.run, name: "" }] : [])).map((v) => ({
      name: v.name,
      summary: v.summary,
      flags: [...v.flags, ...(g.common ?? [])],
    })),
  }));
  const valueFlags = new Set<string>(["--profile"]);
  for (const g of groups)
    for (const v of g.verbs) for (const f of v.flags) if (f.type === "string") valueFlags.add(`--${f.name}`);
  const providers: Record<string, string[]> = {};
  for (const g of groups) {
    if ((SERVICES as readonly string[]).includes(g.name)) {
      providers[g.name] = listProviders(g.name as ServiceKind).map((p) => p.name);
    }
  }
  return {
    groups,
    globalFlags: GLOBAL_FLAG_NAMES,
    valueFlags: [...valueFlags].sort(),
    providers,
    values: {
      "--service": [...SERVICES],
      "--method": ["GET", "PUT"],
      completion: ["bash", "zsh", "fish"],
    },
  };
}

/** A word safe inside single quotes in every shell we print for. */
export function quoted(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
