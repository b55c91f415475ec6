import { join, resolve, sep } from "node:path";
import { InvalidInputError } from "../../core/errors.js";

/** Files and folders omnicloud keeps beside the objects start with this; object names may not. */
export const RESERVED = ".omnicloud";

/** Local container names become folder names: no leading dot (hidden, and our reserved names). */
export function checkLocalContainer(name: string): void {
  if (name.startsWith(".")) {
    throw new InvalidInputError(`Local container name "${name}" may not start with "."`, {
      hint: "Names starting with a dot are hidden folders and reserved for omnicloud's own files",
    });
  }
}

/**
 * The file path of object `name` in `containerDir`, refusing any name that could escape the container
 * or clash with omnicloud's own files: empty, "." or ".." segments, backslashes, and reserved names.
 */
export function objectPath(containerDir: string, name: string): string {
  const segments = name.split("/");
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") {
      throw new InvalidInputError(`Object name "${name}" has an empty, "." or ".." path segment`, {
        hint: "The local provider stores objects as files, so names must be relative paths without traversal",
      });
    }
    if (segment.includes("\\")) {
      throw new InvalidInputError(`Object name "${name}" may not contain a backslash on the local provider`);
    }
    if (segment.startsWith(RESERVED)) {
      throw new InvalidInputError(`Object name "${name}" uses the reserved prefix "${RESERVED}"`);
    }
  }
  const root = resolve(containerDir);
  const full = resolve(root, ...segments);
  // Belt and braces: whatever the checks above missed, the path must stay inside the container.
  if (!full.startsWith(root + sep)) {
    throw new InvalidInputError(`Object name "${name}" resolves outside its container`);
  }
  return full;
}

/** Where an object's metadata lives: a hidden file beside it. */
export function sidecarPath(containerDir: string, name: string): string {
  const slash = name.lastIndexOf("/");
  const dir = slash < 0 ? "" : name.slice(0, slash);
  const base = name.slice(slash + 1);
  return join(resolve(containerDir), ...(dir ? dir.split("/") : []), `${RESERVED}.${base}.json`);
}
