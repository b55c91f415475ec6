#!/usr/bin/env node
import { isOmnicloudError } from "../core/errors.js";
import { closest } from "../core/suggest.js";
import { VERSION } from "../version.js";
import { EXIT_CODES } from "./exit-codes.js";

const HELP = `omnicloud ${VERSION} — one interface to many clouds

Usage: omnicloud <service> <verb> [options]

Commands:
  demo [--root DIR]    the main job on the local providers: no credentials, no network
  providers            list the providers omnicloud knows and what each supports

Options:
  -h, --help           show this help
  -v, --version        print the version
      --debug          print a redacted trace of every HTTP request (same as OMNICLOUD_DEBUG=1)
      --json           machine-readable output

Exit codes: 0 ok, 1 internal, 2 usage or invalid input, 3 not found, 4 already exists, 5 auth,
  6 permission, 7 rate limited, 8 timeout, 9 network, 10 integrity, 11 provider error, 130 aborted.
`;

type Command = (args: string[], flags: { json: boolean }) => Promise<void>;

/** Commands load their module on use, so `--help` and `--version` stay instant. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import("./demo-command.js")).demoCommand,
  providers: async () => (await import("./providers-command.js")).providersCommand,
};

class UsageError extends Error {}

const GLOBAL_FLAGS = new Set(["-h", "--help", "-v", "--version", "--debug", "--json"]);

async function main(argv: string[]): Promise<number> {
  // Global flags may stand anywhere; everything else belongs to the command, which parses it itself.
  const globals = new Set(argv.filter((a) => GLOBAL_FLAGS.has(a)));
  const [name, ...rest] = argv.filter((a) => !GLOBAL_FLAGS.has(a));
  const values = {
    help: globals.has("-h") || globals.has("--help"),
    version: globals.has("-v") || globals.has("--version"),
    debug: globals.has("--debug"),
    json: globals.has("--json"),
  };
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (name?.startsWith("-")) throw new UsageError(`unknown option "${name}" (see omnicloud --help)`);
  if (values.help || name === undefined || name === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.debug) process.env.OMNICLOUD_DEBUG = "1";
  const load = COMMANDS[name];
  if (!load) {
    const guess = closest(name, Object.keys(COMMANDS));
    throw new UsageError(
      `unknown command "${name}"${guess ? `; did you mean "${guess}"?` : ""} (see omnicloud --help)`,
    );
  }
  const command = await load();
  await command(rest, { json: values.json });
  return 0;
}

let settled = false;
// A command whose promise never settles would otherwise let Node exit 0 when the event loop drains.
process.on("exit", () => {
  if (!settled) {
    process.stderr.write("omnicloud: internal error: the command stopped before it finished\n");
    process.exitCode = EXIT_CODES.Internal;
  }
});

main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (err: unknown) => {
    settled = true;
    const code = (err as { code?: unknown }).code;
    if (err instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_"))) {
      process.stderr.write(`omnicloud: ${(err as Error).message}\n`);
      process.exitCode = EXIT_CODES.Usage;
      return;
    }
    if (isOmnicloudError(err)) {
      // One line: what failed, why, and the hint the error carries.
      process.stderr.write(`omnicloud: ${err.name}: ${err.message}\n`);
      process.exitCode = EXIT_CODES[err.kind];
      return;
    }
    process.stderr.write(
      `omnicloud: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = EXIT_CODES.Internal;
  },
);
