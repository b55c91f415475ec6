/**
 * A mistake in how the command was called (unknown verb, bad flag value, malformed URL, missing profile).
 * It always exits 2 and prints as one line, with a hint where there is one.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}
