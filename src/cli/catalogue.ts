import { COMPUTE } from "./catalogue-compute.js";
import { DEPLOY } from "./catalogue-deploy.js";
import { DNS } from "./catalogue-dns.js";
import { STORAGE } from "./catalogue-storage.js";
import type { GroupSpec } from "./command-spec.js";

/**
 * Every command omnicloud has, as data: names, arguments, flags, help and a loader per command (the
 * services' tables are in catalogue-<service>.ts). These files import nothing else at run time, so
 * `omnicloud --help` costs only the tables; a command's module (and the drivers it opens) is imported
 * when that command runs.
 */

export const CONFIG: GroupSpec = {
  name: "config",
  summary: "profiles: where they are, what they hold (secrets masked), whether they work",
  verbs: [
    {
      name: "list",
      args: "",
      summary: "list profiles, secrets masked",
      flags: [],
      load: async () => (await import("./config/config-command.js")).configListCommand,
    },
    {
      name: "check",
      args: "[<profile>...]",
      summary: "make one cheap call per profile and print ok or the error",
      flags: [],
      load: async () => (await import("./config/config-command.js")).configCheckCommand,
    },
    {
      name: "path",
      args: "",
      summary: "print the config file's path",
      flags: [],
      load: async () => (await import("./config/config-command.js")).configPathCommand,
    },
  ],
  notes: [
    "File: $OMNICLOUD_CONFIG, else $XDG_CONFIG_HOME/omnicloud/config.json, else ~/.config/omnicloud/config.json",
    '  { "defaultProfile": "dev", "profiles": { "dev": { "service": "storage", "provider": "minio",',
    '    "options": { "endpoint": "http://127.0.0.1:9000", "credentials": { … } } } } }',
    "Precedence: flags (--endpoint, --region, --root, -o) > OMNICLOUD_ENDPOINT / OMNICLOUD_REGION > profile.",
  ],
};

export const PROVIDERS: GroupSpec = {
  name: "providers",
  summary: "the providers omnicloud knows and what each supports",
  run: {
    name: "providers",
    args: "[<service>]",
    summary: "the providers omnicloud knows and what each supports",
    flags: [{ name: "service", type: "string", value: "SERVICE", help: "only this service's providers" }],
    load: async () => (await import("./providers-command.js")).providersCommand,
  },
};

export const COMPLETION: GroupSpec = {
  name: "completion",
  summary: "print a shell completion script: bash, zsh or fish",
  run: {
    name: "completion",
    args: "<bash|zsh|fish>",
    summary: "print a shell completion script",
    flags: [],
    load: async () => (await import("./completion/completion-command.js")).completionCommand,
    notes: [
      "bash: source <(omnicloud completion bash)",
      "zsh:  omnicloud completion zsh > ~/.zfunc/_omnicloud   (with ~/.zfunc on $fpath)",
      "fish: omnicloud completion fish > ~/.config/fish/completions/omnicloud.fish",
    ],
  },
};

export const DEMO: GroupSpec = {
  name: "demo",
  summary: "the main job on the local providers: no credentials, no network",
  run: {
    name: "demo",
    args: "",
    summary: "run the main job on the local providers and leave the results to inspect",
    flags: [{ name: "root", type: "string", value: "DIR", help: "where to work (default ./omnicloud-demo)" }],
    load: async () => (await import("./demo-command.js")).demoCommand,
  },
};

/** In the order `--help` lists them. */
export const GROUPS: readonly GroupSpec[] = [
  STORAGE,
  DNS,
  COMPUTE,
  DEPLOY,
  CONFIG,
  PROVIDERS,
  COMPLETION,
  DEMO,
];
