/** A named group of steps that runs as one: the first failing step stops it. */
import { runInOrder } from "./run-in-order.js";
import type { DeployStep, StepContext, StepResult } from "./types.js";

export interface SequenceOptions {
  /** Prefixed to a failing inner step's name in errors ("web setup > runScript install.sh"). */
  name?: string;
}

export function sequence(steps: readonly DeployStep[], options: SequenceOptions = {}): DeployStep {
  const name = options.name ?? `sequence of ${steps.length} step${steps.length === 1 ? "" : "s"}`;
  const list = [...steps];
  return {
    name,
    async run(context: StepContext): Promise<StepResult> {
      const started = performance.now();
      const results = await runInOrder(list, context, name);
      return { step: name, durationMs: Math.round(performance.now() - started), steps: results };
    },
  };
}
