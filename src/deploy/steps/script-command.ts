/**
 * The remote command that runs a script: the script arrives on stdin into a private temporary directory,
 * then runs with stdin from /dev/null (so a command inside it that reads stdin cannot swallow the rest of
 * the script), in the asked-for directory and environment, under `timeout -s KILL`. `timeout` puts itself
 * and the script in a new process group and kills the whole group, so children the script started die
 * with it. The temporary directory is removed however the script ends.
 */
import { exportLine, shQuote } from "./shell-quote.js";

export interface ScriptCommandOptions {
  /** The program and optional argument that run the script, e.g. ["/bin/sh"] or ["/usr/bin/env", "python3"]. */
  interpreter: readonly string[];
  args: readonly string[];
  cwd?: string | undefined;
  env?: Readonly<Record<string, string>> | undefined;
  /** Undefined or Infinity: no remote timeout. */
  timeoutMs?: number | undefined;
}

/**
 * The interpreter a script names in its `#!` line (program plus at most one argument, as the kernel
 * reads it), or /bin/sh. Running it explicitly, rather than executing the file, works where the temporary
 * directory is mounted noexec.
 */
export function interpreterOf(script: string): string[] {
  if (!script.startsWith("#!")) return ["/bin/sh"];
  const line = script.slice(2).split("\n", 1)[0]!.trim();
  const match = /^(\S+)(?:\s+(.*\S))?$/.exec(line);
  if (!match) return ["/bin/sh"];
  return match[2] === undefined ? [match[1]!] : [match[1]!, match[2]];
}

/** Seconds for `timeout`: whole when exact, else with milliseconds (GNU and busybox both read decimals). */
function seconds(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(3);
}

/** The wrapper as POSIX sh source; run it as `/bin/sh -c <quoted wrapper>`. */
export function scriptWrapper(o: ScriptCommandOptions): string {
  const run = [...o.interpreter.map(shQuote), '"$d/script"', ...o.args.map(shQuote)].join(" ");
  const limited =
    o.timeoutMs !== undefined && Number.isFinite(o.timeoutMs)
      ? [
          "if command -v timeout >/dev/null 2>&1; then",
          `  exec timeout -s KILL ${seconds(o.timeoutMs)} ${run}`,
          "fi",
          "echo 'omnicloud: no timeout command on this host; the timeout is enforced by closing the connection' >&2",
          `exec ${run}`,
        ]
      : [`exec ${run}`];
  const env = o.env === undefined ? "" : exportLine(o.env);
  return [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${TMPDIR:-/tmp} is for the remote shell
    'd=$(mktemp -d "${TMPDIR:-/tmp}/omnicloud-step.XXXXXX") || { echo "omnicloud: mktemp failed" >&2; exit 125; }',
    `trap 'rm -rf "$d"' EXIT`,
    'cat > "$d/script" || { echo "omnicloud: could not store the script" >&2; exit 125; }',
    "(",
    ...(o.cwd === undefined ? [] : [`  cd ${shQuote(o.cwd)} || exit 125`]),
    ...(env === "" ? [] : [`  ${env}`]),
    ...limited.map((l) => `  ${l}`),
    ") </dev/null",
  ].join("\n");
}

/** The full command line for the login shell. */
export function scriptCommand(o: ScriptCommandOptions): string {
  return `/bin/sh -c ${shQuote(scriptWrapper(o))}`;
}
