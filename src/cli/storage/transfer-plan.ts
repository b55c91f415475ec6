import { type Dirent, type Stats, statSync } from "node:fs";
import { mkdir, readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import { UsageError } from "../usage-error.js";
import type { Endpoint } from "./open-store.js";
import { asPrefix, baseName } from "./storage-url.js";

/**
 * What a put/get/cp will move, worked out before any byte moves: one transfer per object, each from and to
 * a file, stdin/stdout or an object. Naming follows `aws s3 cp`: a destination ending in "/" (or an
 * existing folder, or a bare container) receives the source under its own base name; with -r, every object
 * under the source prefix (or file under the source folder) lands under the destination with the same
 * relative name.
 */
export type Side =
  | { kind: "file"; path: string }
  | { kind: "stdio" }
  | { kind: "object"; endpoint: Endpoint; container: string; key: string };

export type Resolved =
  | { kind: "file"; path: string }
  | { kind: "stdio" }
  | { kind: "remote"; endpoint: Endpoint };

export interface Transfer {
  from: Side;
  to: Side;
  /** Bytes, when known before the transfer starts (files, listed objects). */
  size: number | undefined;
}

/** An object as a URL for messages: scheme://container/key. */
export function describeSide(side: Side): string {
  if (side.kind === "file") return side.path;
  if (side.kind === "stdio") return "-";
  return `${side.endpoint.scheme}://${side.container}/${side.key}`;
}

async function statOrNotFound(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT")
      throw new NotFoundError(`No such file or folder: ${path}`);
    throw err;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function containerOf(endpoint: Endpoint): string {
  if (endpoint.container === undefined) {
    throw new UsageError(`${endpoint.label} names no container`, `Write ${endpoint.scheme}://container/…`);
  }
  return endpoint.container;
}

/** Under a destination prefix or folder, or as the exact destination name. */
function objectTarget(endpoint: Endpoint, sourceName: string): Side {
  const container = containerOf(endpoint);
  const key = endpoint.key === "" || endpoint.key.endsWith("/") ? endpoint.key + sourceName : endpoint.key;
  return { kind: "object", endpoint, container, key };
}

async function fileTarget(path: string, sourceName: string): Promise<Side> {
  if (path.endsWith("/") || path.endsWith(sep)) {
    await mkdir(path, { recursive: true });
    return { kind: "file", path: join(path, sourceName) };
  }
  if (isDirectory(path)) return { kind: "file", path: join(path, sourceName) };
  return { kind: "file", path };
}

/** Files under a folder, relative names with "/", sorted; symlinks to files are followed, other kinds skipped. */
async function walk(root: string): Promise<Array<{ rel: string; size: number }>> {
  const out: Array<{ rel: string; size: number }> = [];
  const visit = async (dir: string): Promise<void> => {
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.isFile() || entry.isSymbolicLink()) {
        const info = await stat(full).catch(() => undefined);
        if (info?.isFile()) out.push({ rel: relative(root, full).split(sep).join("/"), size: info.size });
      }
    }
  };
  await visit(root);
  return out;
}

function sameObject(a: Side, b: Side): boolean {
  return (
    a.kind === "object" &&
    b.kind === "object" &&
    a.endpoint.store === b.endpoint.store &&
    a.container === b.container &&
    a.key === b.key
  );
}

export async function planTransfers(
  src: Resolved,
  dst: Resolved,
  recursive: boolean,
  signal: AbortSignal,
): Promise<Transfer[]> {
  if (src.kind !== "remote" && dst.kind !== "remote") {
    throw new UsageError("one side must be a storage URL (both are local)", "Use cp(1) to copy local files");
  }
  if (dst.kind === "stdio" && recursive) throw new UsageError("-r cannot write to stdout");
  if (src.kind === "stdio") {
    if (recursive) throw new UsageError("-r cannot read from stdin");
    const to = dst.kind === "remote" ? objectTarget(dst.endpoint, "") : undefined;
    if (to?.kind !== "object" || to.key === "" || to.key.endsWith("/")) {
      throw new UsageError("uploading stdin needs a full object URL, e.g. s3://bucket/key");
    }
    return [{ from: src, to, size: undefined }];
  }

  if (src.kind === "file") {
    const info = await statOrNotFound(src.path);
    if (dst.kind !== "remote") throw new UsageError("one side must be a storage URL");
    if (info.isDirectory()) {
      if (!recursive) throw new UsageError(`${src.path} is a folder`, "Add -r to copy everything in it");
      const prefix = asPrefix(dst.endpoint.key);
      const container = containerOf(dst.endpoint);
      return (await walk(src.path)).map(({ rel, size }) => ({
        from: { kind: "file", path: join(src.path, ...rel.split("/")) },
        to: { kind: "object", endpoint: dst.endpoint, container, key: prefix + rel },
        size,
      }));
    }
    if (!info.isFile()) throw new UsageError(`${src.path} is not a regular file`);
    return [{ from: src, to: objectTarget(dst.endpoint, baseName(src.path)), size: info.size }];
  }

  // From objects.
  const from = src.endpoint;
  const container = containerOf(from);
  if (!recursive) {
    if (from.key === "" || from.key.endsWith("/")) {
      throw new UsageError(
        `${from.label} is a container or prefix, not an object`,
        "Add -r to copy everything under it",
      );
    }
    const source: Side = { kind: "object", endpoint: from, container, key: from.key };
    const name = baseName(from.key);
    const to =
      dst.kind === "stdio"
        ? dst
        : dst.kind === "file"
          ? await fileTarget(dst.path, name)
          : objectTarget(dst.endpoint, name);
    if (sameObject(source, to)) throw new UsageError("the source and the destination are the same object");
    return [{ from: source, to, size: undefined }];
  }
  const prefix = asPrefix(from.key);
  const transfers: Transfer[] = [];
  const destinationRoot = dst.kind === "file" ? resolve(dst.path) : undefined;
  for await (const entry of from.store.list(container, { ...(prefix ? { prefix } : {}), signal })) {
    if (entry.kind !== "object") continue;
    const rel = entry.name.slice(prefix.length);
    const source: Side = { kind: "object", endpoint: from, container, key: entry.name };
    if (destinationRoot !== undefined) {
      // Folder markers ("photos/") have no file to become.
      if (rel === "" || rel.endsWith("/")) continue;
      const path = resolve(destinationRoot, ...rel.split("/"));
      if (!path.startsWith(destinationRoot + sep)) {
        throw new InvalidInputError(
          `Object name "${entry.name}" would be written outside ${destinationRoot}`,
          {
            hint: "Copy it on its own, to a file name of your choosing",
          },
        );
      }
      transfers.push({ from: source, to: { kind: "file", path }, size: entry.size });
    } else if (dst.kind === "remote") {
      const target: Side = {
        kind: "object",
        endpoint: dst.endpoint,
        container: containerOf(dst.endpoint),
        key: asPrefix(dst.endpoint.key) + rel,
      };
      if (sameObject(source, target))
        throw new UsageError("the source and the destination are the same objects");
      transfers.push({ from: source, to: target, size: entry.size });
    }
  }
  if (transfers.length === 0) throw new NotFoundError(`No objects under ${from.label}`);
  return transfers;
}
