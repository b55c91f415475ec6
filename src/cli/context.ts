/**
 * What every command gets: the output mode, the chosen profile, the streams, and the Ctrl-C signal. Commands
 * take their streams from here rather than from `process`, so they can be run in-process by tests.
 */
export interface Cli {
  /** One JSON document on stdout. */
  readonly json: boolean;
  /** One JSON object per line on stdout, streamed (lists). */
  readonly jsonl: boolean;
  /** `--debug`: the redacted HTTP trace is on (OMNICLOUD_DEBUG=1). */
  readonly debug: boolean;
  /** `--profile NAME`, else OMNICLOUD_PROFILE. */
  readonly profile: string | undefined;
  /** Draw progress bars and wait timers: stderr is a TTY and `--no-progress` was not given. */
  readonly progress: boolean;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Fires on Ctrl-C. Pass it to every call that takes a signal. */
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** True when output is for people (no --json or --jsonl). */
export function human(cli: Cli): boolean {
  return !cli.json && !cli.jsonl;
}

/** A line on stdout. */
export function say(cli: Cli, line: string): void {
  cli.stdout.write(`${line}\n`);
}

/** A line on stderr: notes and warnings that must not mix with the data on stdout. */
export function note(cli: Cli, line: string): void {
  cli.stderr.write(`${line}\n`);
}
