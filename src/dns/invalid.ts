import { InvalidInputError } from "../core/errors.js";

/**
 * The error every DNS check raises: the message starts with what was being checked (a record, a zone, a
 * zone-file line), so the caller knows which of many inputs is wrong without a debugger.
 */
export function invalid(what: string, problem: string, hint?: string): InvalidInputError {
  return new InvalidInputError(`${what}: ${problem}`, hint === undefined ? {} : { hint });
}
