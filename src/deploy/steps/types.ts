/** The step contract: anything with a name and a `run` that uses the session is a deployment step. */
import type { DeployLogger } from "../log.js";
import type { SshSession } from "../session.js";

export interface StepContext {
  session: SshSession;
  log: DeployLogger;
  signal?: AbortSignal | undefined;
}

/** What a step did. Fields beyond `step` and `durationMs` depend on the kind of step. */
export interface StepResult {
  /** The step's name. */
  step: string;
  durationMs: number;
  /** runScript: the exit code. */
  exitCode?: number;
  /** runScript: the signal that ended the script, if one did. */
  signal?: string;
  /** runScript: captured output (the end is kept when it exceeds the capture limit). */
  stdout?: string;
  stderr?: string;
  truncated?: boolean;
  /** uploadFile: bytes written. */
  bytes?: number;
  /** uploadFile: the mode set. */
  mode?: number;
  /** installKey: false when the key was there already. */
  changed?: boolean;
  /** sequence: its steps' results. */
  steps?: StepResult[];
}

/** A deployment step. Throw a StepFailedError (or any error, which is wrapped into one) to stop. */
export interface DeployStep {
  readonly name: string;
  run(context: StepContext): Promise<StepResult>;
}
