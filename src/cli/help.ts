import { VERSION } from "../version.js";
import { GROUPS } from "./catalogue.js";
import type { FlagSpec, GroupSpec, VerbSpec } from "./command-spec.js";

/** `--help` texts, written from the catalogue so they list exactly what the parser accepts. */

const GLOBAL_OPTIONS = `Global options (anywhere on the line):
  -h, --help           show help (for a service or verb: omnicloud storage --help, omnicloud storage cp -h)
  -v, --version        print the version
      --json           one JSON document on stdout
      --jsonl          one JSON object per line, streamed (lists)
      --profile NAME   use this profile from the config file (also OMNICLOUD_PROFILE)
      --debug          print a redacted trace of every HTTP request on stderr (same as OMNICLOUD_DEBUG=1)
      --no-progress    no progress bars or wait timers (they only show when stderr is a terminal)`;

const EXIT_CODES = `Exit codes: 0 ok, 1 internal, 2 usage or invalid input, 3 not found, 4 already exists, 5 auth,
  6 permission, 7 rate limited, 8 timeout, 9 network, 10 integrity, 11 provider error, 12 conflict,
  13 unsupported, 130 interrupted.`;

export function mainHelp(): string {
  const width = Math.max(...GROUPS.map((g) => g.name.length)) + 2;
  const lines = GROUPS.map((g) => `  ${g.name.padEnd(width)} ${g.summary}`);
  return `omnicloud ${VERSION} — one interface to many clouds

Usage: omnicloud <service> <verb> [arguments] [options]

Commands:
${lines.join("\n")}

${GLOBAL_OPTIONS}

Examples:
  omnicloud demo                                   the main job on local providers; results in ./omnicloud-demo
  omnicloud storage cp ./photo.jpg s3://my-bucket/photos/
  omnicloud storage cp -r s3://old-bucket/site local://backup/site
  omnicloud dns apply example.com ./example.com.zone
  omnicloud providers --service storage

Profiles: omnicloud config --help. Shell completion: omnicloud completion --help.

${EXIT_CODES}
`;
}

function flagLeft(f: FlagSpec): string {
  const short = f.short ? `-${f.short}, ` : "    ";
  return `  ${short}--${f.name}${f.value ? ` ${f.value}` : ""}`;
}

/** Flag lines with the help text in one column; `alongside` are flags printed in another block of the same page. */
function flagLines(flags: readonly FlagSpec[], alongside: readonly FlagSpec[] = []): string[] {
  const width = Math.max(22, ...[...flags, ...alongside].map((f) => flagLeft(f).length + 2));
  return flags.map((f) => `${flagLeft(f).padEnd(width)} ${f.help}`);
}

export function groupHelp(group: GroupSpec): string {
  if (group.run) return verbHelp(group, group.run);
  const verbs = group.verbs ?? [];
  const usage = verbs.map((v) => `${v.name} ${v.args}`.trimEnd());
  const width = Math.max(...usage.map((u) => u.length)) + 2;
  const out = [
    `omnicloud ${group.name} — ${group.summary}`,
    "",
    `Usage: omnicloud ${group.name} <verb> [arguments] [options]`,
    "",
    "Verbs:",
    ...verbs.map((v, i) => `  ${usage[i]!.padEnd(width)} ${v.summary}`),
  ];
  if (group.common && group.common.length > 0)
    out.push("", "Options for every verb:", ...flagLines(group.common));
  if (group.notes) out.push("", ...group.notes);
  out.push("", `Verb options: omnicloud ${group.name} <verb> --help. Global options: omnicloud --help.`);
  return `${out.join("\n")}\n`;
}

export function verbHelp(group: GroupSpec, verb: VerbSpec): string {
  const command = group.run ? group.name : `${group.name} ${verb.name}`;
  const out = [`Usage: omnicloud ${command} ${verb.args}`.trimEnd() + " [options]", "", verb.summary];
  const common = group.common ?? [];
  if (verb.flags.length > 0) out.push("", "Options:", ...flagLines(verb.flags, common));
  if (common.length > 0)
    out.push("", `Options for every ${group.name} verb:`, ...flagLines(common, verb.flags));
  if (verb.notes) out.push("", ...verb.notes);
  if (!group.run && group.notes) out.push("", ...group.notes);
  return `${out.join("\n")}\n`;
}
