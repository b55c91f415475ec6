import { AbortedError } from "../core/errors.js";

/**
 * Ctrl-C as an AbortSignal. The first SIGINT aborts the signal every transfer and request was given, so
 * the portable layers clean up (temp files removed, multipart uploads aborted) and the command ends with
 * exit 130; a second SIGINT, for when clean-up itself hangs, exits at once.
 */
export interface Interrupt {
  signal: AbortSignal;
  /** True once Ctrl-C was pressed. */
  readonly fired: boolean;
  dispose(): void;
}

export function installInterrupt(stderr: NodeJS.WritableStream): Interrupt {
  const controller = new AbortController();
  let fired = false;
  const onSignal = (): void => {
    if (fired) {
      stderr.write("\nomnicloud: interrupted again; exiting without waiting for clean-up\n");
      process.exit(130);
    }
    fired = true;
    controller.abort(new AbortedError("Interrupted by Ctrl-C (SIGINT)"));
  };
  process.on("SIGINT", onSignal);
  return {
    signal: controller.signal,
    get fired() {
      return fired;
    },
    dispose: () => {
      process.off("SIGINT", onSignal);
    },
  };
}
