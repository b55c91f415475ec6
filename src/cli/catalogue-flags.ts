import type { FlagSpec } from "./command-spec.js";

/** Flags several command groups share, spelled once so they read the same everywhere. */

export const option: FlagSpec = {
  name: "option",
  short: "o",
  type: "string",
  multiple: true,
  value: "KEY=VALUE",
  help: "a provider option (dotted keys nest: credentials.accessKeyId=…); overrides the profile",
};

export const yes: FlagSpec = { name: "yes", short: "y", type: "boolean", help: "do it without asking" };
