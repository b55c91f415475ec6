/**
 * Errors raised by omnicloud/deploy. They extend the core hierarchy (a host-key refusal is an `AuthError`,
 * a failed step carries the kind of what went wrong), so callers branch on classes they already know.
 */
import { AuthError, type ErrorKind, OmnicloudError, type OmnicloudErrorOptions } from "../core/errors.js";
import type { StepResult } from "./steps/types.js";

/** Why a host key was refused. */
export type HostKeyProblem =
  /** The host is known with other keys: either the server changed or someone is in the middle. */
  | "mismatch"
  /** Nothing says what this host's key should be. */
  | "unknown"
  /** The offered key is marked @revoked in known_hosts. */
  | "revoked";

export interface HostKeyErrorDetails {
  host: string;
  port: number;
  problem: HostKeyProblem;
  /** The key type the server offered, e.g. "ssh-ed25519". */
  offeredType: string;
  /** The offered key's fingerprint as ssh-keygen prints it: "SHA256:…". */
  offeredFingerprint: string;
  /** What was expected, in words: fingerprints, or where we looked (e.g. the known_hosts file). */
  expected: string;
}

/**
 * The server's host key was not the one expected, was revoked, or could not be checked against anything.
 * Never retried: retrying a possible man-in-the-middle only hands it more chances.
 */
export class HostKeyError extends AuthError {
  readonly host: string;
  readonly port: number;
  readonly problem: HostKeyProblem;
  readonly offeredType: string;
  readonly offeredFingerprint: string;
  readonly expected: string;

  constructor(details: HostKeyErrorDetails, options: OmnicloudErrorOptions = {}) {
    super(hostKeyMessage(details), { code: `HOST_KEY_${details.problem.toUpperCase()}`, ...options });
    this.host = details.host;
    this.port = details.port;
    this.problem = details.problem;
    this.offeredType = details.offeredType;
    this.offeredFingerprint = details.offeredFingerprint;
    this.expected = details.expected;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      host: this.host,
      port: this.port,
      problem: this.problem,
      offeredType: this.offeredType,
      offeredFingerprint: this.offeredFingerprint,
      expected: this.expected,
    };
  }
}

function hostKeyMessage(d: HostKeyErrorDetails): string {
  const where = `${d.host} port ${d.port}`;
  const offered = `${d.offeredType} ${d.offeredFingerprint}`;
  switch (d.problem) {
    case "mismatch":
      return `Host key mismatch for ${where}: the server offered ${offered}, expected ${d.expected}. The server's key changed or someone is intercepting the connection; the connection was refused`;
    case "revoked":
      return `Host key for ${where} is revoked: the server offered ${offered}, which ${d.expected}; the connection was refused`;
    case "unknown":
      return `Unknown host ${where}: the server offered ${offered}, and nothing vouches for it (${d.expected}); the connection was refused`;
  }
}

export interface StepFailureDetails {
  /** The failing step's name, with its place in named sequences ("setup > run install.sh"). */
  step: string;
  /** What went wrong, completing "Step X …": "exited with code 3", "was killed at its timeout of 5000 ms". */
  reason: string;
  /** The remote exit code, when the process exited. */
  exitCode?: number | undefined;
  /** The signal that ended the remote process, when one did (e.g. "KILL"). */
  signal?: string | undefined;
  /** True when the step was stopped at its timeout. */
  timedOut?: boolean | undefined;
  /** The last lines of the step's stderr, already redacted. */
  stderrTail?: string | undefined;
  /** Results of the steps that finished before this one (leaf steps, in the order they ran). */
  completed?: readonly StepResult[] | undefined;
  /** The failing step's own result, when it ran far enough to have one. */
  result?: StepResult | undefined;
}

/**
 * A deployment step failed, which stopped the sequence. Its `kind` follows the cause: "Timeout" when the
 * step hit its timeout, the cause's kind when an SSH or SFTP call failed, "Provider" for a non-zero exit.
 */
export class StepFailedError extends OmnicloudError {
  override readonly kind: ErrorKind;
  readonly step: string;
  readonly reason: string;
  readonly exitCode?: number;
  readonly signal?: string;
  readonly timedOut: boolean;
  readonly stderrTail?: string;
  readonly completed: readonly StepResult[];
  readonly result?: StepResult;

  constructor(details: StepFailureDetails, options: OmnicloudErrorOptions = {}) {
    super(stepMessage(details), options);
    this.step = details.step;
    this.reason = details.reason;
    if (details.exitCode !== undefined) this.exitCode = details.exitCode;
    if (details.signal !== undefined) this.signal = details.signal;
    this.timedOut = details.timedOut === true;
    if (details.stderrTail !== undefined) this.stderrTail = details.stderrTail;
    this.completed = details.completed ?? [];
    if (details.result !== undefined) this.result = details.result;
    const cause = options.cause;
    this.kind = this.timedOut ? "Timeout" : cause instanceof OmnicloudError ? cause.kind : "Provider";
  }

  /**
   * The same failure as an enclosing sequence reports it: results of the steps that finished before are
   * added, and a named sequence prefixes its name to the step path.
   */
  within(sequenceName: string | undefined, completedBefore: readonly StepResult[]): StepFailedError {
    return new StepFailedError(
      {
        step: sequenceName === undefined ? this.step : `${sequenceName} > ${this.step}`,
        reason: this.reason,
        exitCode: this.exitCode,
        signal: this.signal,
        timedOut: this.timedOut,
        stderrTail: this.stderrTail,
        completed: [...completedBefore, ...this.completed],
        result: this.result,
      },
      { cause: this.cause, ...(this.hint === undefined ? {} : { hint: this.hint }) },
    );
  }

  override toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...super.toJSON(), step: this.step, timedOut: this.timedOut };
    if (this.exitCode !== undefined) out.exitCode = this.exitCode;
    if (this.signal !== undefined) out.signal = this.signal;
    if (this.stderrTail !== undefined) out.stderrTail = this.stderrTail;
    return out;
  }
}

function stepMessage(d: StepFailureDetails): string {
  const tail =
    d.stderrTail === undefined || d.stderrTail === "" ? "" : `; stderr ends with:\n${d.stderrTail}`;
  return `Step "${d.step}" ${d.reason}${tail}`;
}
