import { createInterface } from "node:readline";
import { AbortedError } from "../core/errors.js";
import type { Cli } from "./context.js";
import { UsageError } from "./usage-error.js";

/**
 * Ask before a change that cannot be undone. `--yes` answers for the user; without a terminal to ask on
 * (a script, a pipe) the command refuses rather than guess, which is exit 2 with the hint to pass --yes.
 * The question goes to stderr, so stdout keeps only the plan. Anything but "y"/"yes" is a no.
 */
export async function confirm(cli: Cli, question: string, what: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (cli.stdin.isTTY !== true) {
    throw new UsageError(
      `not ${what} without confirmation: stdin is not a terminal to ask on`,
      "Pass --yes to go ahead without asking",
    );
  }
  const rl = createInterface({ input: cli.stdin, output: cli.stderr, terminal: true });
  try {
    return await new Promise<boolean>((resolve, reject) => {
      let answered = false;
      // Ctrl-C at the prompt: readline catches it in raw mode, so it is handled here as an interrupt.
      rl.on("SIGINT", () => {
        answered = true;
        cli.stderr.write("\n");
        reject(new AbortedError("Interrupted at the prompt; nothing was changed"));
      });
      // Ctrl-D (end of input) is a no.
      rl.on("close", () => {
        if (!answered) resolve(false);
      });
      rl.question(`${question} [y/N] `, (answer) => {
        answered = true;
        resolve(/^\s*y(es)?\s*$/i.test(answer));
      });
    });
  } finally {
    rl.close();
  }
}
