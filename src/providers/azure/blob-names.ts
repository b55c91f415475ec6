/** Azure's container-name rules, checked before any request so a bad name fails with the rule it broke. */
import { InvalidInputError } from "../../core/errors.js";

/** Containers the service itself names: the root container, logs and the static website. */
const SPECIAL = new Set(["$root", "$logs", "$web"]);

/** Why `name` is not a valid container name, or undefined when it is. */
export function containerNameProblem(name: string): string | undefined {
  if (SPECIAL.has(name)) return undefined;
  if (name.length < 3 || name.length > 63) return "it must be 3 to 63 characters long";
  if (!/^[a-z0-9-]+$/.test(name)) return "it may only use lower-case letters, digits and '-'";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    return "it must start and end with a letter or digit";
  if (name.includes("--")) return "it may not contain two dashes in a row";
  return undefined;
}

export function checkContainerName(name: string): void {
  const problem = containerNameProblem(name);
  if (problem) {
    throw new InvalidInputError(`"${name}" is not a valid Azure Blob container name: ${problem}`, {
      provider: "azure-blob",
      hint: 'Container names follow DNS rules: e.g. "my-photos-2026"',
    });
  }
}
