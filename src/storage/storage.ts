import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { InvalidInputError } from "../core/errors.js";
import type { StorageDriver } from "./driver.js";
import { Meter } from "./meter.js";
import { checkContainerName, checkObjectName } from "./names.js";
import { openSource } from "./source.js";
import type {
  ByteRange,
  ContainerInfo,
  CreateContainerOptions,
  DeleteContainerOptions,
  DownloadOptions,
  ListEntry,
  ListOptions,
  ObjectInfo,
  UploadOptions,
  UploadSource,
} from "./types.js";

function checkRange(range: ByteRange | undefined): void {
  if (!range) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new InvalidInputError(`Range start ${start} must be a whole number ≥ 0`);
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new InvalidInputError(`Range end ${end} must be a whole number ≥ the start (${start})`);
  }
}

/**
 * The portable object-storage API. It works the same on every provider: names are checked before any
 * request, uploads are checksummed as they stream, file downloads land atomically, and every list is an
 * AsyncIterable over the provider's real pagination.
 */
export class Storage<D extends StorageDriver = StorageDriver> {
  constructor(readonly driver: D) {}

  get provider(): string {
    return this.driver.provider;
  }

  /**
   * The driver itself, for the provider's extra operations. Naming the provider makes the cast checked:
   * asking a local store for "s3" is an error, not a silent undefined later.
   */
  as<T extends StorageDriver = D>(provider: string): T {
    if (provider !== this.driver.provider) {
      throw new InvalidInputError(`This storage is provider "${this.driver.provider}", not "${provider}"`);
    }
    return this.driver as unknown as T;
  }

  listContainers(options: { signal?: AbortSignal } = {}): AsyncIterable<ContainerInfo> {
    return this.driver.listContainers(options.signal);
  }

  async createContainer(name: string, options: CreateContainerOptions = {}): Promise<ContainerInfo> {
    checkContainerName(name);
    return this.driver.createContainer(name, options);
  }

  async getContainer(name: string, options: { signal?: AbortSignal } = {}): Promise<ContainerInfo> {
    checkContainerName(name);
    return this.driver.getContainer(name, options.signal);
  }

  async deleteContainer(name: string, options: DeleteContainerOptions = {}): Promise<void> {
    checkContainerName(name);
    if (options.force) {
      for await (const entry of this.driver.listObjects(name, { signal: options.signal })) {
        if (entry.kind === "object") await this.driver.deleteObject(name, entry.name, options.signal);
      }
    }
    await this.driver.deleteContainer(name, options.signal);
  }

  list(container: string, options: ListOptions = {}): AsyncIterable<ListEntry> {
    checkContainerName(container);
    if (options.delimiter === "") throw new InvalidInputError("The list delimiter may not be empty");
    return this.driver.listObjects(container, options);
  }

  /** Upload from any source; the data is checksummed on the way and verified before it becomes visible. */
  async upload(
    container: string,
    name: string,
    source: UploadSource,
    options: UploadOptions = {},
  ): Promise<ObjectInfo> {
    checkContainerName(container);
    checkObjectName(name);
    if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 0)) {
      throw new InvalidInputError(`Upload size ${options.size} must be a whole number ≥ 0`);
    }
    const { stream, size } = await openSource(source, options.size);
    const meter = new Meter(size, options.expect, options.onProgress);
    const what = `Upload of ${container}/${name} to ${this.provider}`;
    // The meter sits between the source and the driver; a source error reaches the driver's reads.
    stream.on("error", (err) => meter.destroy(err));
    stream.pipe(meter);
    try {
      return await this.driver.putObject({
        container,
        name,
        body: meter,
        size,
        contentType: options.contentType,
        cacheControl: options.cacheControl,
        contentDisposition: options.contentDisposition,
        metadata: lowerKeys(options.metadata ?? {}),
        verify: () => meter.verify(what),
        checksums: () => meter.checksums(),
        signal: options.signal,
      });
    } finally {
      if (!stream.destroyed) stream.destroy();
    }
  }

  async stat(container: string, name: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    checkContainerName(container);
    checkObjectName(name);
    return this.driver.headObject(container, name, options.signal);
  }

  /** The object's bytes as a stream (backpressure respected), with its info. */
  async download(
    container: string,
    name: string,
    options: DownloadOptions = {},
  ): Promise<{ info: ObjectInfo; body: Readable }> {
    checkContainerName(container);
    checkObjectName(name);
    checkRange(options.range);
    const result = await this.driver.getObject(container, name, {
      range: options.range,
      signal: options.signal,
    });
    if (!options.onProgress) return result;
    const total = expectedLength(result.info, options.range);
    const report = options.onProgress;
    let done = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        done += chunk.length;
        report({ done, total });
        cb(null, chunk);
      },
    });
    result.body.on("error", (err) => counter.destroy(err));
    return { info: result.info, body: result.body.pipe(counter) };
  }

  /** The whole object in memory. For small objects; use `download` or `downloadToFile` for large ones. */
  async getBytes(container: string, name: string, options: DownloadOptions = {}): Promise<Buffer> {
    const { body } = await this.download(container, name, options);
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /**
   * Download to `path` atomically: the bytes land in a temp file beside it, their size and (for whole
   * objects) MD5 are checked, then it is renamed into place. On any failure nothing is left at `path`.
   */
  async downloadToFile(
    container: string,
    name: string,
    path: string,
    options: DownloadOptions = {},
  ): Promise<ObjectInfo> {
    const { info, body } = await this.download(container, name, options);
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.part`);
    const size = expectedLength(info, options.range);
    const wholeMd5 =
      options.range === undefined && info.checksums.md5 ? { md5: info.checksums.md5 } : undefined;
    const meter = new Meter(size, wholeMd5, undefined);
    try {
      await pipeline(body, meter, createWriteStream(temp, { flags: "wx" }), { signal: options.signal });
      meter.verify(`Download of ${container}/${name} from ${this.provider}`);
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return info;
  }

  async delete(container: string, name: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkContainerName(container);
    checkObjectName(name);
    await this.driver.deleteObject(container, name, options.signal);
  }

  async close(): Promise<void> {
    await this.driver.close?.();
  }
}

function expectedLength(info: ObjectInfo, range: ByteRange | undefined): number {
  if (!range) return info.size;
  const end = Math.min(range.end ?? info.size - 1, info.size - 1);
  return Math.max(0, end - range.start + 1);
}

function lowerKeys(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) out[k.toLowerCase()] = v;
  return out;
}
