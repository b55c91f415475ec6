import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type Dirent } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { AlreadyExistsError, InvalidInputError, NotFoundError, ProviderError } from "../../core/errors.js";
import type { CopyRequest, PutRequest, StorageDriver } from "../../storage/driver.js";
import type {
  ByteRange,
  ContainerInfo,
  CreateContainerOptions,
  ListEntry,
  ObjectInfo,
} from "../../storage/types.js";
import { LocalMultipart } from "./multipart.js";
import { checkLocalContainer, objectPath, RESERVED, sidecarPath } from "./paths.js";

export interface LocalStorageOptions {
  /** The folder that holds one sub-folder per container. Default: $OMNICLOUD_LOCAL_ROOT, else ~/.local/share/omnicloud/storage. */
  root?: string;
}

export interface Sidecar {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata: Record<string, string>;
  md5?: string;
  sha256?: string;
}

const PROVIDER = "local";

function defaultRoot(): string {
  return process.env.OMNICLOUD_LOCAL_ROOT ?? join(homedir(), ".local", "share", "omnicloud", "storage");
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Object storage in a plain folder: a container is a sub-folder, an object a file (names with "/" make
 * sub-folders), and its metadata a hidden JSON file beside it. Writes land in a temp file and are renamed
 * into place, so a reader never sees half an object.
 */
export class LocalStorageDriver implements StorageDriver {
  readonly provider = PROVIDER;
  readonly root: string;
  readonly verifiedChecksums = ["md5", "sha256"] as const;
  /** Emulated with part files beside the container, so large uploads behave as on the clouds. */
  readonly multipart: LocalMultipart = new LocalMultipart(this);

  constructor(options: LocalStorageOptions = {}) {
    this.root = resolve(options.root ?? defaultRoot());
  }

  containerDir(name: string): string {
    checkLocalContainer(name);
    return join(this.root, name);
  }

  /** The container's folder, which must exist. */
  async requireContainer(name: string): Promise<string> {
    const dir = this.containerDir(name);
    try {
      if ((await stat(dir)).isDirectory()) return dir;
    } catch (err) {
      if (errno(err) !== "ENOENT") throw err;
    }
    throw new NotFoundError(`Container "${name}" does not exist in ${this.root}`, {
      provider: PROVIDER,
      hint: "Create it first with createContainer",
    });
  }

  async *listContainers(): AsyncIterable<ContainerInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(this.root, { withFileTypes: true });
    } catch (err) {
      if (errno(err) === "ENOENT") return;
      throw err;
    }
    const names = entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name);
    for (const name of names.sort()) {
      const info = await stat(join(this.root, name));
      yield { name, createdAt: info.birthtime.getTime() > 0 ? info.birthtime : info.mtime };
    }
  }

  checkContainerName(name: string): void {
    checkLocalContainer(name);
  }

  async createContainer(name: string, _options: CreateContainerOptions): Promise<ContainerInfo> {
    const dir = this.containerDir(name);
    await mkdir(this.root, { recursive: true });
    try {
      await mkdir(dir);
    } catch (err) {
      if (errno(err) === "EEXIST") {
        throw new AlreadyExistsError(`Container "${name}" already exists in ${this.root}`, {
          provider: PROVIDER,
        });
      }
      throw err;
    }
    return { name, createdAt: new Date() };
  }

  async getContainer(name: string): Promise<ContainerInfo> {
    const dir = await this.requireContainer(name);
    const info = await stat(dir);
    return { name, createdAt: info.birthtime.getTime() > 0 ? info.birthtime : info.mtime };
  }

  async deleteContainer(name: string): Promise<void> {
    const dir = await this.requireContainer(name);
    for await (const _ of this.listObjects(name, {})) {
      throw new ProviderError(`Container "${name}" is not empty`, {
        provider: PROVIDER,
        code: "ContainerNotEmpty",
        hint: "Delete its objects first, or pass { force: true }",
      });
    }
    await rm(dir, { recursive: true, force: true });
  }

  async *listObjects(
    container: string,
    options: { prefix?: string; delimiter?: string },
  ): AsyncIterable<ListEntry> {
    const dir = await this.requireContainer(container);
    const prefix = options.prefix ?? "";
    // Only walk the folder the prefix points into; a prefix "logs/2026-" starts in "logs".
    const slash = prefix.lastIndexOf("/");
    const startRel = slash < 0 ? "" : prefix.slice(0, slash);
    const names: string[] = [];
    await walk(dir, startRel, names);
    const matching = names.filter((n) => n.startsWith(prefix)).sort(compareUtf8);
    const delimiter = options.delimiter;
    let lastPrefix: string | undefined;
    for (const name of matching) {
      if (delimiter) {
        const cut = name.indexOf(delimiter, prefix.length);
        if (cut >= 0) {
          const common = name.slice(0, cut + delimiter.length);
          if (common !== lastPrefix) {
            lastPrefix = common;
            yield { kind: "prefix", container, name: common };
          }
          continue;
        }
      }
      yield { kind: "object", ...(await this.info(dir, container, name)) };
    }
  }

  async info(dir: string, container: string, name: string): Promise<ObjectInfo> {
    const path = objectPath(dir, name);
    let size: number;
    let mtime: Date;
    try {
      const s = await stat(path);
      if (!s.isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
      size = s.size;
      mtime = s.mtime;
    } catch (err) {
      if (errno(err) === "ENOENT" || errno(err) === "ENOTDIR") {
        throw new NotFoundError(`Object "${name}" does not exist in container "${container}"`, {
          provider: PROVIDER,
        });
      }
      throw err;
    }
    const meta = await readSidecar(sidecarPath(dir, name));
    return {
      container,
      name,
      size,
      etag: meta?.md5,
      lastModified: mtime,
      contentType: meta?.contentType,
      cacheControl: meta?.cacheControl,
      contentDisposition: meta?.contentDisposition,
      metadata: meta?.metadata ?? {},
      checksums: {
        ...(meta?.md5 ? { md5: meta.md5 } : {}),
        ...(meta?.sha256 ? { sha256: meta.sha256 } : {}),
      },
    };
  }

  async putObject(request: PutRequest): Promise<ObjectInfo> {
    const dir = await this.requireContainer(request.container);
    objectPath(dir, request.name);
    const temp = await this.tempFile(dir);
    try {
      const body = request.body;
      // `flush` fsyncs before close: the rename in commit() must never expose a file whose bytes are not on disk.
      if (body.kind === "bytes") {
        await writeFile(temp, body.bytes, {
          flag: "wx",
          flush: true,
          ...(request.signal ? { signal: request.signal } : {}),
        });
      } else {
        await pipeline(body.stream, createWriteStream(temp, { flags: "wx", flush: true }), {
          ...(request.signal ? { signal: request.signal } : {}),
        });
      }
      request.verify();
      const digest = request.checksums();
      return await this.commit(dir, request.container, request.name, temp, {
        contentType: request.contentType,
        cacheControl: request.cacheControl,
        contentDisposition: request.contentDisposition,
        metadata: request.metadata,
        md5: digest.md5,
        sha256: digest.sha256,
      });
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** A fresh temp file name inside the container (same filesystem, so the final rename is atomic). */
  async tempFile(dir: string): Promise<string> {
    const tmpDir = join(dir, `${RESERVED}-tmp`);
    await mkdir(tmpDir, { recursive: true });
    return join(tmpDir, randomBytes(8).toString("hex"));
  }

  /**
   * Make a finished temp file the object `name`: its metadata is written beside it, then both are renamed
   * into place. Shared by single uploads, multipart completion and copies.
   */
  async commit(
    dir: string,
    container: string,
    name: string,
    temp: string,
    sidecar: Sidecar,
  ): Promise<ObjectInfo> {
    const target = objectPath(dir, name);
    await mkdir(dirname(target), { recursive: true }).catch((err: unknown) => {
      throw conflict(container, name, err);
    });
    const sidecarTemp = `${temp}.json`;
    await writeFile(sidecarTemp, JSON.stringify(sidecar));
    try {
      await rename(temp, target);
    } catch (err) {
      await rm(sidecarTemp, { force: true });
      throw conflict(container, name, err);
    }
    await rename(sidecarTemp, sidecarPath(dir, name));
    return this.info(dir, container, name);
  }

  /** Copies the file and its metadata (or the replacement metadata) through a temp file. */
  async copyObject(request: CopyRequest): Promise<ObjectInfo> {
    const fromDir = await this.requireContainer(request.from.container);
    const toDir = await this.requireContainer(request.to.container);
    const source = await this.info(fromDir, request.from.container, request.from.name);
    objectPath(toDir, request.to.name);
    const temp = await this.tempFile(toDir);
    try {
      await copyFile(objectPath(fromDir, request.from.name), temp);
      const replace = request.metadata !== undefined || request.contentType !== undefined;
      return await this.commit(toDir, request.to.container, request.to.name, temp, {
        contentType: request.contentType ?? source.contentType,
        cacheControl: source.cacheControl,
        contentDisposition: source.contentDisposition,
        metadata: replace ? (request.metadata ?? {}) : source.metadata,
        md5: source.checksums.md5,
        sha256: source.checksums.sha256,
      });
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** A file: URL. "Public" here means readable by anyone who can read the folder. */
  publicUrl(container: string, name: string): URL {
    return pathToFileURL(objectPath(this.containerDir(container), name));
  }

  async getObject(
    container: string,
    name: string,
    options: { range?: ByteRange },
  ): Promise<{ info: ObjectInfo; body: Readable }> {
    const dir = await this.requireContainer(container);
    const info = await this.info(dir, container, name);
    const range = options.range;
    if (range && range.start >= info.size && !(info.size === 0 && range.start === 0)) {
      throw new InvalidInputError(
        `Range start ${range.start} is past the end of ${container}/${name} (${info.size} bytes)`,
      );
    }
    const end = range?.end === undefined ? undefined : Math.min(range.end, info.size - 1);
    const body = createReadStream(objectPath(dir, name), {
      ...(range ? { start: range.start } : {}),
      ...(end !== undefined ? { end } : {}),
    });
    return { info, body };
  }

  async headObject(container: string, name: string): Promise<ObjectInfo> {
    const dir = await this.requireContainer(container);
    return this.info(dir, container, name);
  }

  /** Idempotent, as on every cloud: deleting an object that is not there succeeds. */
  async deleteObject(container: string, name: string): Promise<void> {
    const dir = await this.requireContainer(container);
    const path = objectPath(dir, name);
    await rm(path, { force: true });
    await rm(sidecarPath(dir, name), { force: true });
    // Remove folders the object's name made, now empty, so listings and the tree stay tidy.
    let parent = dirname(path);
    while (parent.startsWith(dir) && parent !== dir) {
      try {
        await rmdir(parent);
      } catch {
        break;
      }
      parent = dirname(parent);
    }
  }
}

function conflict(container: string, name: string, err: unknown): Error {
  const code = errno(err);
  if (code === "ENOTDIR" || code === "EISDIR" || code === "EEXIST") {
    return new AlreadyExistsError(
      `Object "${name}" clashes with another object's path in local container "${container}"`,
      { provider: PROVIDER, cause: err, hint: 'On the local provider "a" and "a/b" cannot both be objects' },
    );
  }
  return err as Error;
}

async function readSidecar(path: string): Promise<Sidecar | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Sidecar;
  } catch {
    // Files put in the folder by hand have no metadata; that is allowed.
    return undefined;
  }
}

/** Every object name under `rel` (a "/"-separated path inside `dir`), skipping omnicloud's own files. */
async function walk(dir: string, rel: string, out: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(rel ? join(dir, ...rel.split("/")) : dir, { withFileTypes: true });
  } catch (err) {
    if (errno(err) === "ENOENT" || errno(err) === "ENOTDIR") return;
    throw err;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(RESERVED)) continue;
    const name = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await walk(dir, name, out);
    else if (entry.isFile()) out.push(name);
  }
}

/** S3 and most clouds order keys by their UTF-8 bytes; so does this listing. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function createLocalStorage(options: LocalStorageOptions = {}): LocalStorageDriver {
  return new LocalStorageDriver(options);
}
