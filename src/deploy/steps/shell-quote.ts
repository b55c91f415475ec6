/** Quoting for POSIX sh command lines built from caller-supplied strings. */
import { InvalidInputError } from "../../core/errors.js";

/** One shell word that stands for exactly `value`, whatever it holds: single quotes, with ' spelled '\''. */
export function shQuote(value: string): string {
  if (value.includes("\0")) throw new InvalidInputError("Shell arguments cannot contain NUL characters");
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `export NAME='value' …` for the given variables; names are checked, values quoted. */
export function exportLine(env: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) {
      throw new InvalidInputError(`"${name}" is not a valid environment variable name (letters, digits, _)`);
    }
    parts.push(`${name}=${shQuote(value)}`);
  }
  return parts.length === 0 ? "" : `export ${parts.join(" ")}`;
}
