/** Runs steps one after another; the first failure stops the rest and says which step it was. */
import { redactText } from "../../core/redact.js";
import { StepFailedError } from "../errors.js";
import type { DeployStep, StepContext, StepResult } from "./types.js";

/** Leaf results in the order the steps ran, sequences opened up. */
export function flattenResults(results: readonly StepResult[]): StepResult[] {
  return results.flatMap((r) => (r.steps === undefined ? [r] : flattenResults(r.steps)));
}

/** Any error from a step, as a StepFailedError naming it. */
export function asStepFailure(err: unknown, step: string): StepFailedError {
  if (err instanceof StepFailedError) return err;
  const message = redactText(err instanceof Error ? err.message : String(err));
  return new StepFailedError({ step, reason: `failed: ${message}` }, { cause: err });
}

export async function runInOrder(
  steps: readonly DeployStep[],
  context: StepContext,
  sequenceName?: string,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    context.log.info(`step "${step.name}" starting on ${context.session.host}`);
    try {
      const result = await step.run(context);
      results.push(result);
      context.log.info(`step "${step.name}" done in ${result.durationMs} ms`);
    } catch (err) {
      throw asStepFailure(err, step.name).within(sequenceName, flattenResults(results));
    }
  }
  return results;
}
