import { type CommandRun, expectArgs } from "../command-spec.js";
import { UsageError } from "../usage-error.js";
import { bashScript } from "./bash-script.js";
import { completionModel } from "./completion-model.js";
import { fishScript } from "./fish-script.js";
import { zshScript } from "./zsh-script.js";

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

/** `omnicloud completion bash|zsh|fish`: the script on stdout. */
export const completionCommand: CommandRun = async (cli, invocation) => {
  const [shell] = expectArgs(invocation, 1, 1, "completion <bash|zsh|fish>");
  const make = SHELLS[shell as keyof typeof SHELLS];
  if (!make) {
    const { closest } = await import("../../core/suggest.js");
    const guess = closest(shell!, Object.keys(SHELLS));
    throw new UsageError(
      `no completion for shell "${shell}"${guess ? `; did you mean "${guess}"?` : ""}`,
      "Shells: bash, zsh, fish",
    );
  }
  cli.stdout.write(make(completionModel()));
  return 0;
};
