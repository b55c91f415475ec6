/** The runScript step: run a script (text or a local file) remotely, capture or stream its output. */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { InvalidInputError } from "../../core/errors.js";
import { redactText } from "../../core/redact.js";
import { StepFailedError } from "../errors.js";
import { tail } from "../output-capture.js";
import type { OutputChunk } from "../session.js";
import { interpreterOf, scriptCommand } from "./script-command.js";
import type { DeployStep, StepContext, StepResult } from "./types.js";

export interface RunScriptOptions {
  /** The step's name in results and errors; default from the file name or the script's first line. */
  name?: string;
  /** Positional arguments ($1, $2, …), passed unchanged. */
  args?: readonly string[];
  /** Working directory on the server (default: the login directory). */
  cwd?: string;
  /** Environment variables for the script. */
  env?: Readonly<Record<string, string>>;
  /**
   * Kill the script (and the processes it started) after this long, default 1 hour; `Infinity` for none.
   * The step then fails as timed out.
   */
  timeoutMs?: number;
  /** Receives output as it arrives. */
  onOutput?: (chunk: OutputChunk) => void;
  /** Exit codes that count as success (default [0]). */
  okExitCodes?: readonly number[];
  /** Interpreter to run the script with, e.g. ["/bin/bash", "-e"]; default from its #! line, else /bin/sh. */
  interpreter?: readonly string[];
  /** Characters of stdout and of stderr to keep in the result (default 1 MiB each; the end is kept). */
  maxCaptureChars?: number;
}

const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;
/** How long after its timeout the remote side gets to end a script itself before we close the channel. */
const REMOTE_KILL_GRACE_MS = 10_000;

function defaultName(script: string | { file: string }): string {
  if (typeof script !== "string") return `runScript ${basename(script.file)}`;
  const line = script
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith("#"));
  const shown = line === undefined ? "(empty)" : line.length > 40 ? `${line.slice(0, 40)}…` : line;
  return redactText(`runScript ${shown}`);
}

export function runScript(script: string | { file: string }, options: RunScriptOptions = {}): DeployStep {
  const name = options.name ?? defaultName(script);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0))
    throw new InvalidInputError(`runScript timeoutMs must be more than 0, not ${timeoutMs}`);
  const okCodes = options.okExitCodes ?? [0];

  return {
    name,
    async run(context: StepContext): Promise<StepResult> {
      const text = typeof script === "string" ? script : await readScriptFile(script.file);
      const command = scriptCommand({
        interpreter: options.interpreter ?? interpreterOf(text),
        args: options.args ?? [],
        cwd: options.cwd,
        env: options.env,
        timeoutMs,
      });
      const finite = Number.isFinite(timeoutMs);
      const result = await context.session.exec(command, {
        stdin: text,
        ...(options.onOutput ? { onOutput: options.onOutput } : {}),
        ...(finite ? { timeoutMs, graceMs: REMOTE_KILL_GRACE_MS } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
        ...(options.maxCaptureChars === undefined ? {} : { maxCaptureChars: options.maxCaptureChars }),
      });
      const stepResult: StepResult = {
        step: name,
        durationMs: result.durationMs,
        stdout: result.stdout,
        stderr: result.stderr,
        truncated: result.truncated,
      };
      if (result.exitCode !== undefined) stepResult.exitCode = result.exitCode;
      if (result.signal !== undefined) stepResult.signal = result.signal;

      const ok = !result.timedOut && result.exitCode !== undefined && okCodes.includes(result.exitCode);
      if (ok) return stepResult;
      const how =
        result.exitCode !== undefined
          ? `exit code ${result.exitCode}`
          : result.signal !== undefined
            ? `signal ${result.signal}`
            : "no exit status";
      const reason = result.timedOut
        ? `was killed at its timeout of ${timeoutMs} ms (${how})`
        : result.exitCode !== undefined
          ? `exited with code ${result.exitCode}`
          : result.signal !== undefined
            ? `was killed by signal ${result.signal}`
            : "ended without an exit status (the connection was closed)";
      throw new StepFailedError({
        step: name,
        reason,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut: result.timedOut,
        stderrTail: redactText(tail(result.stderr)),
        result: stepResult,
      });
    },
  };
}

async function readScriptFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new InvalidInputError(`Could not read the script file ${path}`, { cause: err });
  }
}
