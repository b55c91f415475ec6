/**
 * `credential_process`: a profile names a program that prints credentials as JSON (Version 1). The command
 * line is split into words here and run without a shell, so nothing in it is interpreted: no expansion,
 * no pipes, no injection. The program gets a time limit and an output cap.
 */
import { type ExecFileException, execFile } from "node:child_process";
import { AuthError, InvalidInputError, TimeoutError } from "../../../core/errors.js";
import { redactText } from "../../../core/redact.js";
import { credentialsFromJson } from "./json-credentials.js";
import type { AwsCredentials } from "./types.js";

/** Default limit for the program; SSO helpers that open a browser need a while. */
export const DEFAULT_PROCESS_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Split a command line as a POSIX shell splits words, and nothing more: whitespace separates words,
 * 'single quotes' keep everything literal, "double quotes" allow \" \\ \$ \` escapes, a backslash outside
 * quotes escapes the next character. Returns undefined for an unterminated quote or trailing backslash.
 */
export function splitCommandLine(command: string): string[] | undefined {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command.charAt(i);
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word += command.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < command.length && command.charAt(j) !== '"'; j++) {
        const d = command.charAt(j);
        if (d === "\\" && '"\\$`'.includes(command.charAt(j + 1)) && j + 1 < command.length) {
          word += command.charAt(j + 1);
          j++;
        } else word += d;
      }
      if (j >= command.length) return undefined;
      i = j;
    } else if (c === "\\") {
      if (i + 1 >= command.length) return undefined;
      word += command.charAt(i + 1);
      inWord = true;
      i++;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export interface CredentialProcessOptions {
  /** Where the command was configured, e.g. 'profile "dev" in /home/ann/.aws/config'. */
  where: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  now: number;
}

interface ProcessOutput {
  stdout: string;
  stderr: string;
  error: ExecFileException | null;
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ProcessOutput> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        env,
        timeout: timeoutMs,
        // SIGKILL, so a program that ignores SIGTERM cannot outlast its limit.
        killSignal: "SIGKILL",
        maxBuffer: MAX_OUTPUT_BYTES,
        windowsHide: true,
        shell: false,
        encoding: "utf8",
      },
      (error, stdout, stderr) => resolve({ stdout, stderr, error }),
    );
  });
}

/** The last non-empty line of the program's stderr, redacted and cut short: usually the reason it failed. */
function stderrHint(stderr: string): string | undefined {
  const last = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .pop();
  return last === undefined ? undefined : `It said: ${redactText(last).slice(0, 200)}`;
}

export async function runCredentialProcess(
  command: string,
  options: CredentialProcessOptions,
): Promise<AwsCredentials> {
  const what = `credential_process of ${options.where}`;
  const argv = splitCommandLine(command);
  const program = argv?.[0];
  if (!argv || program === undefined) {
    throw new InvalidInputError(
      `${what} is not a valid command line (${argv ? "it is empty" : "an unterminated quote or trailing backslash"})`,
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
  // Only the program is named in messages: arguments may carry secrets (a password flag, a token).
  const { stdout, stderr, error } = await run(program, argv.slice(1), options.env, timeoutMs);
  if (error) {
    if (error.code === "ENOENT") {
      throw new InvalidInputError(`${what}: the program "${program}" was not found`, {
        hint: "Give its full path, or check PATH",
      });
    }
    if (error.killed && error.signal === "SIGKILL") {
      throw new TimeoutError(`${what}: "${program}" did not finish within ${timeoutMs} ms`);
    }
    if (error.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
      throw new AuthError(`${what}: "${program}" printed more than ${MAX_OUTPUT_BYTES} bytes`);
    }
    const how =
      typeof error.code === "number"
        ? `exited with code ${error.code}`
        : `failed (${error.signal ?? error.code})`;
    throw new AuthError(`${what}: "${program}" ${how}`, { hint: stderrHint(stderr) });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    // The output is not quoted: it may be credentials with a syntax slip.
    throw new AuthError(`${what}: "${program}" printed something that is not JSON`);
  }
  const version = (doc as { Version?: unknown } | null)?.Version;
  if (version !== 1) {
    // Parse first anyway, so any secret in the document is registered before the error is built.
    try {
      credentialsFromJson(doc, { tokenField: "SessionToken", where: what, now: options.now });
    } catch {
      // The version is the error worth reporting.
    }
    throw new AuthError(
      `${what}: "${program}" printed Version ${JSON.stringify(version)}; only Version 1 is understood`,
    );
  }
  return credentialsFromJson(doc, { tokenField: "SessionToken", where: what, now: options.now });
}
