import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { InvalidInputError, isOmnicloudError, UnsupportedError } from "../core/errors.js";
import { streamCopy } from "./copy.js";
import type { DeleteOutcome, ExtrasOf, StorageDriver } from "./driver.js";
import { Meter } from "./meter.js";
import { checkContainerName, checkObjectName, checkRange, normaliseMetadata } from "./names.js";
import type {
  ByteRange,
  ContainerInfo,
  CopyOptions,
  CreateContainerOptions,
  DeleteContainerOptions,
  DeleteManyResult,
  DownloadOptions,
  ListEntry,
  ListOptions,
  MultipartUploadInfo,
  ObjectInfo,
  SignedUrlOptions,
  StorageCapabilities,
  UploadOptions,
  UploadSource,
} from "./types.js";
import { uploadObject } from "./upload.js";
import { writeToFile } from "./write-file.js";

/** Names per batch when deleting many objects through a driver without a batch call. */
const DELETE_CONCURRENCY = 8;
/** S3's maximum, and a sane page for any provider: `deleteObjects` is called with at most this many. */
const DEFAULT_BATCH = 1000;

/**
 * The portable object-storage API. It works the same on every provider: names are checked before any
 * request, uploads are checksummed as they stream (large ones go multipart in parallel with bounded
 * memory, and are aborted on failure), file downloads land atomically, and every list is an
 * AsyncIterable over the provider's real pagination.
 */
export class Storage<D extends StorageDriver<unknown> = StorageDriver<unknown>> {
  /** Container names already found valid (bounded). */
  private readonly validContainers = new Set<string>();

  constructor(readonly driver: D) {}

  get provider(): string {
    return this.driver.provider;
  }

  /** What this store can do beyond the portable core. */
  get capabilities(): StorageCapabilities {
    const d = this.driver;
    return {
      multipart: d.multipart !== undefined,
      serverSideCopy: d.copyObject !== undefined,
      batchDelete: d.deleteObjects !== undefined,
      signedUrls: d.signedUrl !== undefined,
      publicUrls: d.publicUrl !== undefined,
      verifiedChecksums: d.verifiedChecksums ?? [],
    };
  }

  /**
   * The driver itself, for the provider's extra operations. Naming the provider makes the cast checked:
   * asking a local store for "s3" is an error, not a silent undefined later.
   */
  as<T extends StorageDriver<unknown> = D>(provider: string): T {
    if (provider !== this.driver.provider) {
      throw new InvalidInputError(`This storage is provider "${this.driver.provider}", not "${provider}"`);
    }
    return this.driver as unknown as T;
  }

  private checkContainer(name: string): void {
    // Perf: a store writes to a few containers many times; their names are checked once.
    if (this.validContainers.has(name)) return;
    checkContainerName(name);
    this.driver.checkContainerName?.(name);
    if (this.validContainers.size >= 256) this.validContainers.clear();
    this.validContainers.add(name);
  }

  listContainers(options: { signal?: AbortSignal } = {}): AsyncIterable<ContainerInfo> {
    return this.driver.listContainers(options.signal);
  }

  async createContainer(name: string, options: CreateContainerOptions = {}): Promise<ContainerInfo> {
    this.checkContainer(name);
    return this.driver.createContainer(name, options);
  }

  async getContainer(name: string, options: { signal?: AbortSignal } = {}): Promise<ContainerInfo> {
    this.checkContainer(name);
    return this.driver.getContainer(name, options.signal);
  }

  /** Delete a container; with `force`, its objects and unfinished multipart uploads go first. */
  async deleteContainer(name: string, options: DeleteContainerOptions = {}): Promise<void> {
    this.checkContainer(name);
    if (options.force) {
      const names = async function* (driver: D): AsyncIterable<string> {
        for await (const entry of driver.listObjects(name, { signal: options.signal })) {
          if (entry.kind === "object") yield entry.name;
        }
      };
      const result = await this.deleteMany(name, names(this.driver), { signal: options.signal });
      const [firstFailure] = result.failed;
      if (firstFailure) throw firstFailure.error;
      if (this.driver.multipart)
        await this.abortStaleUploads(name, { olderThan: 0, signal: options.signal }).catch(ignoreUnsupported);
    }
    await this.driver.deleteContainer(name, options.signal);
  }

  list(container: string, options: ListOptions = {}): AsyncIterable<ListEntry> {
    this.checkContainer(container);
    if (options.delimiter === "") throw new InvalidInputError("The list delimiter may not be empty");
    if (
      options.pageSize !== undefined &&
      !(Number.isSafeInteger(options.pageSize) && options.pageSize >= 1)
    ) {
      throw new InvalidInputError(`List page size ${options.pageSize} must be a whole number ≥ 1`);
    }
    return this.driver.listObjects(container, options);
  }

  /**
   * Upload from any source. The data is checksummed on the way and verified before it becomes visible;
   * large uploads go multipart (parallel parts, bounded memory) and a failed one is aborted.
   */
  async upload(
    container: string,
    name: string,
    source: UploadSource,
    options: UploadOptions<ExtrasOf<D>> = {},
  ): Promise<ObjectInfo> {
    this.checkContainer(container);
    checkObjectName(name);
    if (options.size !== undefined && (!Number.isSafeInteger(options.size) || options.size < 0)) {
      throw new InvalidInputError(`Upload size ${options.size} must be a whole number ≥ 0`);
    }
    const metadata = normaliseMetadata(options.metadata);
    return uploadObject(
      {
        driver: this.driver as StorageDriver<ExtrasOf<D>>,
        container,
        name,
        metadata,
        options,
        what: `Upload of ${container}/${name} to ${this.provider}`,
      },
      source,
      options.size,
    );
  }

  async stat(container: string, name: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
    this.checkContainer(container);
    checkObjectName(name);
    return this.driver.headObject(container, name, options.signal);
  }

  /** The object's bytes as a stream (backpressure respected), with its info. */
  async download(
    container: string,
    name: string,
    options: DownloadOptions = {},
  ): Promise<{ info: ObjectInfo; body: Readable }> {
    this.checkContainer(container);
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
    // Hash only when there is a stored MD5 to compare with (not for ranges, multipart ETags, block blobs).
    const meter = new Meter(size, wholeMd5, undefined, { md5: wholeMd5 !== undefined });
    try {
      await writeToFile(body, temp, (chunk) => meter.count(chunk), options.signal);
      meter.verify(`Download of ${container}/${name} from ${this.provider}`);
      await rename(temp, path);
    } catch (err) {
      if (!body.destroyed) body.destroy();
      await rm(temp, { force: true });
      throw err;
    }
    return info;
  }

  async delete(container: string, name: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.checkContainer(container);
    checkObjectName(name);
    await this.driver.deleteObject(container, name, options.signal);
  }

  /**
   * Delete many objects: in batches where the provider has a batch call (S3: 1000 per request), else
   * several at a time. Names are read lazily, so an AsyncIterable of millions is fine. Per-name failures
   * are collected, not thrown; deleting a name that does not exist succeeds.
   */
  async deleteMany(
    container: string,
    names: Iterable<string> | AsyncIterable<string>,
    options: { signal?: AbortSignal } = {},
  ): Promise<DeleteManyResult> {
    this.checkContainer(container);
    const result: DeleteManyResult = { deleted: [], failed: [] };
    const batchSize = this.driver.deleteObjects
      ? (this.driver.maxBatchDelete ?? DEFAULT_BATCH)
      : DELETE_CONCURRENCY;
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      const todo = batch;
      batch = [];
      if (todo.length === 0) return;
      const outcomes: DeleteOutcome[] = this.driver.deleteObjects
        ? await this.driver.deleteObjects(container, todo, options.signal)
        : await Promise.all(
            todo.map((name) =>
              this.driver.deleteObject(container, name, options.signal).then(
                (): DeleteOutcome => ({ name }),
                (error: unknown): DeleteOutcome => ({
                  name,
                  error: error instanceof Error ? error : new Error(String(error)),
                }),
              ),
            ),
          );
      for (const outcome of outcomes) {
        if (outcome.error) result.failed.push({ name: outcome.name, error: outcome.error });
        else result.deleted.push(outcome.name);
      }
    };
    for await (const name of names) {
      checkObjectName(name);
      batch.push(name);
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    return result;
  }

  /**
   * Copy an object. Inside one store it runs server-side where the provider can (no bytes through this
   * process); with `options.to` (another store, e.g. another provider) the bytes stream through,
   * checksummed, with memory bounded by the target's multipart window.
   */
  async copy(
    fromContainer: string,
    fromName: string,
    toContainer: string,
    toName: string,
    options: CopyOptions<unknown> = {},
  ): Promise<ObjectInfo> {
    this.checkContainer(fromContainer);
    this.checkContainer(toContainer);
    checkObjectName(fromName);
    checkObjectName(toName);
    const metadata = options.metadata === undefined ? undefined : normaliseMetadata(options.metadata);
    const from = { container: fromContainer, name: fromName };
    const to = { container: toContainer, name: toName };
    const target = options.to ?? this;
    if (target.driver === this.driver && this.driver.copyObject) {
      const info = await this.driver.copyObject({
        from,
        to,
        metadata,
        contentType: options.contentType,
        signal: options.signal,
      });
      options.onProgress?.({ done: info.size, total: info.size });
      return info;
    }
    return streamCopy(this, target, from, to, { ...options, ...(metadata ? { metadata } : {}) });
  }

  /** A URL anyone holding it may use for one method until it expires (S3 presigned URLs). */
  async signedUrl(
    container: string,
    name: string,
    options: SignedUrlOptions & { signal?: AbortSignal } = {},
  ): Promise<URL> {
    this.checkContainer(container);
    checkObjectName(name);
    const expiresIn = options.expiresIn ?? 900;
    if (!Number.isSafeInteger(expiresIn) || expiresIn < 1) {
      throw new InvalidInputError(`Signed URL lifetime ${expiresIn} must be a whole number of seconds ≥ 1`);
    }
    if (!this.driver.signedUrl) throw unsupported(this.provider, "signed URLs");
    return this.driver.signedUrl({
      container,
      name,
      method: options.method ?? "GET",
      expiresIn,
      contentType: options.contentType,
      signal: options.signal,
    });
  }

  /** The object's plain URL: works for public objects, or through the CDN the store was opened with. */
  publicUrl(container: string, name: string): URL {
    this.checkContainer(container);
    checkObjectName(name);
    if (!this.driver.publicUrl) throw unsupported(this.provider, "public URLs");
    return this.driver.publicUrl(container, name);
  }

  /** Multipart uploads started and never completed or aborted (they keep costing storage on most clouds). */
  listMultipartUploads(
    container: string,
    options: { prefix?: string; signal?: AbortSignal } = {},
  ): AsyncIterable<MultipartUploadInfo> {
    this.checkContainer(container);
    if (!this.driver.multipart) throw unsupported(this.provider, "multipart uploads");
    return this.driver.multipart.list(container, options);
  }

  /** Abort one unfinished multipart upload (as listed by `listMultipartUploads`). */
  async abortMultipartUpload(
    upload: MultipartUploadInfo,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    this.checkContainer(upload.container);
    if (!this.driver.multipart) throw unsupported(this.provider, "multipart uploads");
    await this.driver.multipart.abort(upload, options.signal);
  }

  /**
   * Abort unfinished multipart uploads started more than `olderThan` milliseconds ago (or before that
   * Date). Uploads whose start time the provider does not report count as old. Returns those aborted.
   */
  async abortStaleUploads(
    container: string,
    options: { olderThan: number | Date; prefix?: string; signal?: AbortSignal },
  ): Promise<MultipartUploadInfo[]> {
    const cutoff =
      options.olderThan instanceof Date ? options.olderThan.getTime() : Date.now() - options.olderThan;
    if (!Number.isFinite(cutoff)) throw new InvalidInputError("abortStaleUploads needs a valid olderThan");
    const stale: MultipartUploadInfo[] = [];
    for await (const upload of this.listMultipartUploads(container, options)) {
      if (upload.initiated === undefined || upload.initiated.getTime() <= cutoff) stale.push(upload);
    }
    for (const upload of stale) await this.abortMultipartUpload(upload, options);
    return stale;
  }

  async close(): Promise<void> {
    await this.driver.close?.();
  }
}

function unsupported(provider: string, what: string): UnsupportedError {
  return new UnsupportedError(`Provider "${provider}" does not support ${what}`, {
    hint: "Check storage.capabilities before calling",
  });
}

/** A provider that answers "not implemented" to an optional clean-up step: the step is skipped. */
function ignoreUnsupported(err: unknown): void {
  if (isOmnicloudError(err) && (err.status === 501 || err.code === "NotImplemented")) return;
  throw err;
}

function expectedLength(info: ObjectInfo, range: ByteRange | undefined): number {
  if (!range) return info.size;
  const end = Math.min(range.end ?? info.size - 1, info.size - 1);
  return Math.max(0, end - range.start + 1);
}
