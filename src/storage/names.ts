import { InvalidInputError } from "../core/errors.js";

/**
 * Rules every provider shares; drivers add their own stricter ones. Checked before any request, so bad
 * names fail fast with a message that says which rule they broke.
 */
export function checkContainerName(name: string): void {
  if (typeof name !== "string" || name.length === 0) {
    throw new InvalidInputError("A container name must be a non-empty string");
  }
  if (name.length > 255)
    throw new InvalidInputError(`Container name "${name.slice(0, 40)}…" is longer than 255 characters`);
  if (name.includes("/") || name.includes("\\") || name.includes("\0")) {
    throw new InvalidInputError(`Container name "${name}" may not contain "/", "\\" or NUL`);
  }
  if (name === "." || name === "..") throw new InvalidInputError(`Container name "${name}" is reserved`);
}

export function checkObjectName(name: string): void {
  if (typeof name !== "string" || name.length === 0) {
    throw new InvalidInputError("An object name must be a non-empty string");
  }
  if (Buffer.byteLength(name) > 1024) {
    throw new InvalidInputError(`Object name "${name.slice(0, 40)}…" is longer than 1024 bytes of UTF-8`);
  }
  if (name.includes("\0")) throw new InvalidInputError(`Object name "${name}" may not contain NUL`);
}
