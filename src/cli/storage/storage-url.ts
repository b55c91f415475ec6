import { posix } from "node:path";
import { UsageError } from "../usage-error.js";

/**
 * Where a storage command reads or writes: an object URL, a local file path, or "-" (stdin/stdout).
 *
 * URL forms:
 * - `scheme://container/key`: the scheme names a profile from the config file, or a provider ("s3",
 *   "azure", "swift", "gs", "local", or any storage provider id such as "minio"). The key is everything
 *   after the first "/" after the container, taken literally (no %-decoding), so keys with spaces or
 *   "?" work as typed. `scheme://` alone, with no container, means the provider's list of containers.
 * - `local:///absolute/path`: the local provider, with the path written out in full. It must lie inside
 *   the local root; the first segment below the root is the container, the rest the key.
 * Anything else is a local path. A word and a colon without "//" ("s3:bucket/key") is refused as a
 * malformed URL rather than taken as a file name; write "./s3:bucket" for such a file.
 */
export type StorageLocation =
  | { kind: "file"; path: string }
  | { kind: "stdio" }
  | {
      kind: "url";
      raw: string;
      scheme: string;
      /** Undefined for `scheme://` (the provider's containers) and for the absolute local form. */
      container: string | undefined;
      key: string;
      /** `local:///…`: the absolute path, to be split against the local root. */
      absolutePath?: string;
    };

export type UrlLocation = Extract<StorageLocation, { kind: "url" }>;

const URL_FORM = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s;
const LOOKS_LIKE_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\/\/)/;

export function parseLocation(text: string): StorageLocation {
  if (text === "-") return { kind: "stdio" };
  if (text === "") throw new UsageError("an empty string is not a path or URL");
  const url = URL_FORM.exec(text);
  if (url) {
    const scheme = url[1]!.toLowerCase();
    const rest = url[2]!;
    if ((scheme === "local" || scheme === "file") && rest.startsWith("/")) {
      // Normalised, so "." and ".." are resolved before the path is checked against the root.
      const absolutePath = posix.normalize(rest);
      return { kind: "url", raw: text, scheme, container: undefined, key: "", absolutePath };
    }
    const slash = rest.indexOf("/");
    const container = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? "" : rest.slice(slash + 1);
    if (container === "" && key !== "") {
      throw new UsageError(`"${text}" has no container`, `Write ${scheme}://container/key`);
    }
    return { kind: "url", raw: text, scheme, container: container === "" ? undefined : container, key };
  }
  const almost = LOOKS_LIKE_SCHEME.exec(text);
  if (almost && !text.startsWith("/") && !text.startsWith(".")) {
    const scheme = almost[1]!;
    const rest = text.slice(scheme.length + 1).replace(/^\/+/, "");
    throw new UsageError(
      `"${text}" is not a valid URL`,
      `Write ${scheme}://${rest}, or ./${text} if it is a local file`,
    );
  }
  return { kind: "file", path: text };
}

/** A URL location, or a usage error saying what the argument should have been. */
export function requireUrl(location: StorageLocation, text: string, what: string): UrlLocation {
  if (location.kind !== "url") {
    throw new UsageError(`${what} must be a storage URL such as s3://bucket/key, not "${text}"`);
  }
  return location;
}

/** The last segment of a key or path, for naming a copy ("a/b/c.txt" → "c.txt"). */
export function baseName(key: string): string {
  const trimmed = key.endsWith("/") ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** A key prefix to put names under: "" stays "", "photos" becomes "photos/". */
export function asPrefix(key: string): string {
  return key === "" || key.endsWith("/") ? key : `${key}/`;
}
