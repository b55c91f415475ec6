import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type Dirent } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { IntegrityError, InvalidInputError, NotFoundError } from "../../core/errors.js";
import type {
  CompleteRequest,
  MultipartDriver,
  MultipartInit,
  MultipartLimits,
  MultipartUpload,
  PartRequest,
  UploadedPart,
} from "../../storage/driver.js";
import type { MultipartUploadInfo, ObjectInfo } from "../../storage/types.js";
import { objectPath, RESERVED } from "./paths.js";
import type { LocalStorageDriver, Sidecar } from "./storage.js";

/** What an unfinished upload remembers: where it goes and the object's headers. */
interface Manifest {
  name: string;
  initiated: string;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata: Record<string, string>;
}

const UPLOADS = `${RESERVED}-uploads`;
const MiB = 1024 * 1024;
const ID = /^[0-9a-f]{32}$/;

/**
 * Multipart upload on a folder, so that large uploads, their abort on failure and stale-upload clean-up
 * behave and can be tested as on the clouds. Each upload is a hidden folder in the container holding a
 * manifest and one file per part; completion concatenates the parts (checking each part's MD5 again)
 * into a temp file and renames it into place like any other write. Uploads are never listed as objects.
 */
export class LocalMultipart implements MultipartDriver {
  readonly limits: MultipartLimits = {
    minPartSize: 1,
    maxPartSize: 5 * 1024 * MiB,
    maxParts: 10_000,
    defaultPartSize: 8 * MiB,
    // A local write is streamed to a temp file and renamed: multipart only when the caller asks for it.
    defaultThreshold: Number.POSITIVE_INFINITY,
  };

  constructor(private readonly store: LocalStorageDriver) {}

  private async uploadDir(container: string, uploadId: string): Promise<string> {
    if (!ID.test(uploadId)) throw new InvalidInputError(`"${uploadId}" is not a local upload id`);
    return join(await this.store.requireContainer(container), UPLOADS, uploadId);
  }

  private async manifest(upload: MultipartUpload): Promise<{ dir: string; manifest: Manifest }> {
    const dir = await this.uploadDir(upload.container, upload.uploadId);
    try {
      return { dir, manifest: JSON.parse(await readFile(join(dir, "upload.json"), "utf8")) as Manifest };
    } catch {
      throw new NotFoundError(
        `Multipart upload ${upload.uploadId} of ${upload.container}/${upload.name} does not exist`,
        {
          provider: this.store.provider,
          code: "NoSuchUpload",
        },
      );
    }
  }

  async initiate(init: MultipartInit): Promise<MultipartUpload> {
    const containerDir = await this.store.requireContainer(init.container);
    objectPath(containerDir, init.name);
    const uploadId = randomBytes(16).toString("hex");
    const dir = join(containerDir, UPLOADS, uploadId);
    await mkdir(dir, { recursive: true });
    const manifest: Manifest = {
      name: init.name,
      initiated: new Date().toISOString(),
      contentType: init.contentType,
      cacheControl: init.cacheControl,
      contentDisposition: init.contentDisposition,
      metadata: init.metadata,
    };
    await writeFile(join(dir, "upload.json"), JSON.stringify(manifest));
    return { container: init.container, name: init.name, uploadId };
  }

  async uploadPart(upload: MultipartUpload, part: PartRequest): Promise<UploadedPart> {
    const { dir } = await this.manifest(upload);
    const md5 = createHash("md5").update(part.body).digest("hex");
    if (md5 !== part.md5.toLowerCase()) {
      throw new IntegrityError(
        `Part ${part.partNumber} of ${upload.container}/${upload.name}: MD5 is ${md5}, not ${part.md5}`,
      );
    }
    const temp = join(dir, `${part.partNumber}.${randomBytes(4).toString("hex")}.tmp`);
    await writeFile(temp, part.body, { ...(part.signal ? { signal: part.signal } : {}) });
    await rename(temp, join(dir, `${part.partNumber}.part`));
    return { partNumber: part.partNumber, etag: md5, size: part.size, md5 };
  }

  async complete(upload: MultipartUpload, request: CompleteRequest): Promise<ObjectInfo> {
    const { dir, manifest } = await this.manifest(upload);
    const containerDir = await this.store.requireContainer(upload.container);
    const temp = await this.store.tempFile(containerDir);
    const whole = createHash("md5");
    try {
      const out = createWriteStream(temp, { flags: "wx", flush: true });
      const parts = request.parts;
      async function* concatenated(): AsyncIterable<Buffer> {
        for (const [i, part] of parts.entries()) {
          if (part.partNumber !== i + 1) {
            throw new InvalidInputError(
              `Parts must be numbered 1, 2, 3, …; got ${part.partNumber} at position ${i + 1}`,
            );
          }
          const hash = createHash("md5");
          for await (const chunk of createReadStream(
            join(dir, `${part.partNumber}.part`),
          ) as AsyncIterable<Buffer>) {
            hash.update(chunk);
            whole.update(chunk);
            yield chunk;
          }
          if (hash.digest("hex") !== part.etag) {
            throw new IntegrityError(
              `Part ${part.partNumber} of ${upload.container}/${upload.name} changed on disk`,
            );
          }
        }
      }
      await pipeline(concatenated, out, { ...(request.signal ? { signal: request.signal } : {}) });
      const sidecar: Sidecar = {
        contentType: manifest.contentType,
        cacheControl: manifest.cacheControl,
        contentDisposition: manifest.contentDisposition,
        metadata: manifest.metadata,
        md5: whole.digest("hex"),
        sha256: request.checksums.sha256,
      };
      const info = await this.store.commit(containerDir, upload.container, manifest.name, temp, sidecar);
      await rm(dir, { recursive: true, force: true });
      return info;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async abort(upload: MultipartUpload): Promise<void> {
    await rm(await this.uploadDir(upload.container, upload.uploadId), { recursive: true, force: true });
  }

  async *list(container: string, options: { prefix?: string }): AsyncIterable<MultipartUploadInfo> {
    const root = join(await this.store.requireContainer(container), UPLOADS);
    let entries: Dirent[];
    try {
      entries = await readdir(root, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    const found: MultipartUploadInfo[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || !ID.test(entry.name)) continue;
      let manifest: Manifest;
      try {
        manifest = JSON.parse(await readFile(join(root, entry.name, "upload.json"), "utf8")) as Manifest;
      } catch {
        // An upload being created or aborted right now; a half-made one is still listed, by its folder time.
        const info = await stat(join(root, entry.name)).catch(() => undefined);
        if (info) found.push({ container, name: "", uploadId: entry.name, initiated: info.mtime });
        continue;
      }
      if (options.prefix && !manifest.name.startsWith(options.prefix)) continue;
      found.push({
        container,
        name: manifest.name,
        uploadId: entry.name,
        initiated: new Date(manifest.initiated),
      });
    }
    // S3's order: by name, then by start time.
    found.sort((a, b) =>
      a.name === b.name
        ? (a.initiated?.getTime() ?? 0) - (b.initiated?.getTime() ?? 0)
        : a.name < b.name
          ? -1
          : 1,
    );
    yield* found;
  }
}
