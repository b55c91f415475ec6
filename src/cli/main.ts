#!/usr/bin/env node
import { GROUPS } from "./catalogue.js";
import type { FlagValues, GroupSpec, VerbSpec } from "./command-spec.js";
import type { Cli } from "./context.js";
import { EXIT_CODES } from "./exit-codes.js";
import { splitGlobalFlags } from "./global-flags.js";
import type { Interrupt } from "./interrupt.js";
import { UsageError } from "./usage-error.js";

/**
 * `omnicloud <service> <verb> …`. Only the command table and the flag splitter load at start; help texts,
 * the command's own module, and the drivers it opens are imported on use, so `--help` and `--version` stay
 * as fast as Node itself allows (undici and every driver are never imported for them).
 */

async function suggestion(name: string, candidates: readonly string[]): Promise<string> {
  const { closest } = await import("../core/suggest.js");
  const guess = closest(name, candidates);
  return guess ? `; did you mean "${guess}"?` : "";
}

function findGroup(name: string): GroupSpec | undefined {
  return GROUPS.find((g) => g.name === name);
}

/**
 * The verb is the first word after the service that is not a flag (or a flag's value), so the service's
 * own flags may come first: `omnicloud dns --provider powerdns zones`.
 */
function pickVerb(group: GroupSpec, words: string[]): { verbName: string | undefined; args: string[] } {
  if (group.run) return { verbName: words[0], args: words.slice(1) };
  const takesValue = new Set<string>();
  for (const f of group.common ?? []) {
    if (f.type !== "string") continue;
    takesValue.add(`--${f.name}`);
    if (f.short) takesValue.add(`-${f.short}`);
  }
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "--") break;
    if (takesValue.has(word)) {
      i++;
      continue;
    }
    if (!word.startsWith("-")) return { verbName: word, args: [...words.slice(0, i), ...words.slice(i + 1)] };
  }
  return { verbName: words[0], args: words.slice(1) };
}

async function parseVerbArgs(
  group: GroupSpec,
  verb: VerbSpec,
  args: string[],
): Promise<{ positionals: string[]; values: FlagValues; order: string[] }> {
  const { parseArgs } = await import("node:util");
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const flag of [...verb.flags, ...(group.common ?? [])]) {
    options[flag.name] = {
      type: flag.type,
      ...(flag.short ? { short: flag.short } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
    };
  }
  const parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  const order = parsed.tokens.flatMap((t) => (t.kind === "option" ? [t.name] : []));
  return { positionals: parsed.positionals, values: parsed.values as FlagValues, order };
}

/** Ctrl-C handling, installed only when a command is about to run (help and version need none). */
let interrupt: Interrupt | undefined;

async function main(argv: string[]): Promise<number> {
  const { flags, rest } = splitGlobalFlags(argv);
  if (flags.version) {
    const { VERSION } = await import("../version.js");
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [name, ...afterName] = rest;
  const group = name === undefined ? undefined : findGroup(name);
  const { verbName, args } = group
    ? pickVerb(group, afterName)
    : { verbName: afterName[0], args: afterName.slice(1) };
  if (name?.startsWith("-") && name !== "--") {
    throw new UsageError(`unknown option "${name}"`, "See omnicloud --help");
  }
  const help = await import("./help.js");
  if (name === undefined || name === "help" || name === "--") {
    // `omnicloud help storage` is `omnicloud storage --help`.
    const topic = name === "help" && verbName !== undefined ? findGroup(verbName) : undefined;
    process.stdout.write(topic ? help.groupHelp(topic) : help.mainHelp());
    return 0;
  }
  if (!group) {
    throw new UsageError(
      `unknown command "${name}"${await suggestion(
        name,
        GROUPS.map((g) => g.name),
      )}`,
      "See omnicloud --help",
    );
  }
  let verb: VerbSpec;
  let verbArgs: string[];
  if (group.run) {
    verb = group.run;
    verbArgs = verbName === undefined ? [] : [verbName, ...args];
  } else {
    const verbs = group.verbs ?? [];
    if (verbName === undefined || verbName === "help" || (flags.help && verbName.startsWith("-"))) {
      process.stdout.write(help.groupHelp(group));
      return 0;
    }
    const found = verbs.find((v) => v.name === verbName);
    if (!found) {
      throw new UsageError(
        `unknown ${group.name} verb "${verbName}"${await suggestion(
          verbName,
          verbs.map((v) => v.name),
        )}`,
        `See omnicloud ${group.name} --help`,
      );
    }
    verb = found;
    verbArgs = args;
  }
  if (flags.help) {
    process.stdout.write(help.verbHelp(group, verb));
    return 0;
  }
  // Before any driver loads: the transport reads this when it is built.
  if (flags.debug) process.env.OMNICLOUD_DEBUG = "1";
  const { positionals, values, order } = await parseVerbArgs(group, verb, verbArgs);
  interrupt = (await import("./interrupt.js")).installInterrupt(process.stderr);
  const cli: Cli = {
    json: flags.json,
    jsonl: flags.jsonl,
    debug: flags.debug || Boolean(process.env.OMNICLOUD_DEBUG && process.env.OMNICLOUD_DEBUG !== "0"),
    profile: flags.profile ?? (process.env.OMNICLOUD_PROFILE || undefined),
    progress: process.stderr.isTTY === true && !flags.noProgress,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signal: interrupt.signal,
    env: process.env,
    cwd: process.cwd(),
  };
  const run = await verb.load();
  return (await run(cli, { args: positionals, values, order })) ?? 0;
}

let settled = false;
// A command whose promise never settles would otherwise let Node exit 0 when the event loop drains.
process.on("exit", () => {
  if (!settled) {
    process.stderr.write("omnicloud: internal error: the command stopped before it finished\n");
    process.exitCode = EXIT_CODES.Internal;
  }
});
// `omnicloud storage ls … | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") {
    settled = true;
    process.exit(0);
  }
});

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    settled = true;
    interrupt?.dispose();
    process.exitCode = code;
  },
  async (err: unknown) => {
    const { reportError } = await import("./report-error.js");
    const report = reportError(err, interrupt?.fired === true);
    settled = true;
    interrupt?.dispose();
    const json = argv.includes("--json") || argv.includes("--jsonl");
    process.stderr.write(`${json ? JSON.stringify(report.json) : report.line}\n`);
    if (report.code === EXIT_CODES.Internal && argv.includes("--debug") && err instanceof Error) {
      process.stderr.write(`${err.stack ?? ""}\n`);
    }
    process.exitCode = report.code;
  },
);
