/** deploy(): connect (waiting for sshd where needed), run the steps in order, close, report. */
import { OmnicloudError } from "../core/errors.js";
import type { SshTarget } from "./connect.js";
import type { VerifiedHostKey } from "./host-keys.js";
import { makeLogger } from "./log.js";
import { runInOrder } from "./steps/run-in-order.js";
import type { DeployStep, StepResult } from "./steps/types.js";
import { type WaitForSshOptions, waitForSshWithLogger } from "./wait-for-ssh.js";

export type DeployOptions = WaitForSshOptions;

export interface DeployResult {
  host: string;
  port: number;
  user: string;
  /** The server's key and what vouched for it. */
  hostKey: VerifiedHostKey;
  /** Connection attempts it took (more than 1 when sshd was still starting). */
  connectAttempts: number;
  /** One result per step, in order. */
  steps: StepResult[];
}

/**
 * Runs `steps` on the server over SSH. Rejects with a HostKeyError or AuthError at the first attempt that
 * meets one, a TimeoutError when sshd did not come up in time, or a StepFailedError naming the step that
 * failed (its `completed` holds the results of the steps before it).
 */
export async function deploy(
  target: SshTarget,
  steps: DeployStep | readonly DeployStep[],
  options: DeployOptions = {},
): Promise<DeployResult> {
  const log = makeLogger(options.log);
  const list: readonly DeployStep[] = Array.isArray(steps) ? steps : [steps as DeployStep];
  const { session, attempts } = await waitForSshWithLogger(target, options, log);
  try {
    const results = await runInOrder(list, { session, log, signal: options.signal });
    return {
      host: session.host,
      port: session.port,
      user: session.user,
      hostKey: session.hostKey,
      connectAttempts: attempts,
      steps: results,
    };
  } catch (err) {
    if (err instanceof OmnicloudError) log.warn(err.message);
    throw err;
  } finally {
    await session.close();
  }
}
