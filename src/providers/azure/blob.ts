/**
 * The `azure-blob` storage driver: Azure Blob storage (and the Azurite emulator) with block blobs. All HTTP
 * goes through one Transport authorised by Shared Key, a SAS token or a bearer hook; the service's error
 * documents become typed errors; listings follow the real marker pagination; large uploads are staged as
 * blocks in parallel and committed at once; signed URLs are service SAS.
 */
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { IntegrityError, InvalidInputError, isOmnicloudError, ProviderError } from "../../core/errors.js";
import { headerValue } from "../../core/transport/response-error.js";
import type {
  CopyRequest,
  DeleteOutcome,
  ListObjectsRequest,
  PutRequest,
  SignedUrlRequest,
  StorageDriver,
} from "../../storage/driver.js";
import type {
  ByteRange,
  ContainerInfo,
  CreateContainerOptions,
  ListEntry,
  ObjectInfo,
} from "../../storage/types.js";
import { BLOB_BATCH_LIMIT, deleteBatch } from "./blob-batch.js";
import { AZURE_BLOCK_LIMITS, BlobBlocks, blockId, newPrefix } from "./blob-blocks.js";
import { copyBlob } from "./blob-copy.js";
import { hasBlobs, listBlobs, listContainers } from "./blob-list.js";
import { checkContainerName } from "./blob-names.js";
import {
  type AzureBlobStorageOptions,
  type AzureBlobWriteExtras,
  type ResolvedBlobOptions,
  resolveBlobOptions,
} from "./blob-options.js";
import {
  BlobHttp,
  base64Md5,
  encodeBlobPath,
  hexMd5,
  mergeExtras,
  objectInfoFrom,
  unquote,
  writeHeaders,
} from "./blob-requests.js";
import { blobServiceSas } from "./sas.js";
import { AZURE_STORAGE_VERSION } from "./shared-key.js";

export type {
  AzureAccessTier,
  AzureBlobStorageOptions,
  AzureBlobTransportOptions,
  AzureBlobWriteExtras,
} from "./blob-options.js";

const MiB = 1024 * 1024;
/** Put Blob's limit (REST 2019-12-12 and later): larger single-request streams cannot be sent. */
const MAX_PUT_BLOB = 5000 * MiB;
const DEFAULT_COPY_TIMEOUT_MS = 10 * 60_000;

export class AzureBlobDriver implements StorageDriver<AzureBlobWriteExtras> {
  readonly provider = "azure-blob";
  readonly account: string;
  readonly http: BlobHttp;
  /** Put Blob, Put Block and Put Block List check a sent Content-MD5; the service has no SHA-256 check. */
  readonly verifiedChecksums = ["md5"] as const;
  readonly multipart: BlobBlocks;
  readonly maxBatchDelete = BLOB_BATCH_LIMIT;
  /** Signed URLs are service SAS signed with the account key: only stores opened with the key have them. */
  readonly signedUrl?: (request: SignedUrlRequest) => Promise<URL>;
  /**
   * Blob Batch, with a Shared Key signature per sub-request: only stores opened with the key have it.
   * SAS-token stores delete one by one: a SAS batch could not be proved here (Azurite 3.35 answers an
   * account-SAS batch with 500, as it has no permission rule for it), and bearer tokens are not put
   * inside sub-requests.
   */
  readonly deleteObjects?: (
    container: string,
    names: string[],
    signal?: AbortSignal,
  ) => Promise<DeleteOutcome[]>;
  private readonly defaults: AzureBlobWriteExtras;

  constructor(
    private readonly options: AzureBlobStorageOptions,
    resolved: ResolvedBlobOptions,
  ) {
    this.account = resolved.account;
    this.http = new BlobHttp(
      this.provider,
      resolved.endpoint,
      resolved.auth,
      options.version ?? AZURE_STORAGE_VERSION,
      options.transport,
    );
    this.defaults = options.accessTier ? { accessTier: options.accessTier } : {};
    this.multipart = new BlobBlocks(
      this.http,
      { ...AZURE_BLOCK_LIMITS, ...options.multipart },
      this.defaults,
    );
    if (resolved.auth.kind === "shared-key") {
      this.signedUrl = (r) => this.sign(r);
      this.deleteObjects = (container, names, signal) => deleteBatch(this.http, container, names, signal);
    }
  }

  checkContainerName(name: string): void {
    checkContainerName(name);
  }

  listContainers(signal?: AbortSignal): AsyncIterable<ContainerInfo> {
    return listContainers(this.http, signal);
  }

  async createContainer(name: string, options: CreateContainerOptions): Promise<ContainerInfo> {
    if (options.region !== undefined) {
      throw new InvalidInputError(
        `azure-blob containers have no region of their own (asked for ${options.region})`,
        {
          provider: this.provider,
          hint: "A container lives in its storage account's region: open a store on an account in that region",
        },
      );
    }
    // "public-read" lets anyone read blobs by URL but not list the container (Azure's "blob" level).
    await this.http.send("Container_Create", {
      method: "PUT",
      container: name,
      query: { restype: "container" },
      headers: options.acl === "public-read" ? { "x-ms-blob-public-access": "blob" } : {},
      signal: options.signal,
    });
    return { name, createdAt: new Date() };
  }

  async getContainer(name: string, signal?: AbortSignal): Promise<ContainerInfo> {
    await this.http.send("Container_GetProperties", {
      method: "GET",
      container: name,
      query: { restype: "container" },
      signal,
    });
    return { name };
  }

  /**
   * Azure deletes a container with everything in it. The portable contract is to refuse a non-empty one,
   * so the container is listed first (one request for one name). A blob written between that look and
   * the delete is deleted with the container: the service offers no "delete if empty".
   */
  async deleteContainer(name: string, signal?: AbortSignal): Promise<void> {
    if (await hasBlobs(this.http, name, signal)) {
      throw new ProviderError(`Container "${name}" is not empty`, {
        provider: this.provider,
        code: "ContainerNotEmpty",
        hint: "Delete its blobs first, or pass { force: true }",
      });
    }
    await this.http.send("Container_Delete", {
      method: "DELETE",
      container: name,
      query: { restype: "container" },
      signal,
    });
  }

  listObjects(container: string, options: ListObjectsRequest): AsyncIterable<ListEntry> {
    return listBlobs(this.http, container, options);
  }

  async putObject(request: PutRequest<AzureBlobWriteExtras>): Promise<ObjectInfo> {
    const fields = {
      contentType: request.contentType,
      cacheControl: request.cacheControl,
      contentDisposition: request.contentDisposition,
      metadata: request.metadata,
      extras: mergeExtras(this.defaults, request.extras),
    };
    const body = request.body;
    if (body.kind === "bytes") return this.putBytes(request, fields, body.bytes);
    if (body.size === undefined) {
      throw new InvalidInputError(`${this.provider} needs the length of a single-request upload`, {
        provider: this.provider,
        hint: "Pass options.size, or leave multipart on so the object is sent in blocks",
      });
    }
    if (body.size > this.multipart.limits.maxPartSize)
      return this.putLargeStream(request, fields, body.stream, body.size);
    // Staged as one block and committed only once the whole stream was read and verified: a source that
    // breaks or does not match never becomes visible, and the committed blob carries the MD5 computed on
    // the way.
    const upload = { container: request.container, name: request.name, uploadId: newPrefix(), fields };
    const id = blockId(upload.uploadId, 1);
    await this.guardLength(request, body.size, () =>
      this.multipart.stage(upload, id, body.stream, body.size!, request.expected?.md5, request.signal),
    );
    request.verify();
    return this.multipart.commit(upload, [id], body.size, request.checksums().md5, request.signal);
  }

  /** Put Blob with the bytes and their MD5, which the service verifies before storing anything. */
  private async putBytes(
    request: PutRequest<AzureBlobWriteExtras>,
    fields: Parameters<typeof writeHeaders>[0],
    bytes: Uint8Array,
  ): Promise<ObjectInfo> {
    const md5 = request.checksums().md5;
    const headers: Record<string, string> = { ...writeHeaders(fields), "x-ms-blob-type": "BlockBlob" };
    if (md5) headers["content-md5"] = base64Md5(md5);
    // Bytes are replayable: the transport retries this PUT on a dropped connection or a 5xx.
    const res = await this.http.send("BlockBlob_Upload", {
      method: "PUT",
      container: request.container,
      blob: request.name,
      headers,
      body: bytes,
      signal: request.signal,
    });
    const stored = hexMd5(headerValue(res.headers, "content-md5"));
    if (stored && md5 && stored !== md5) {
      await this.deleteObject(request.container, request.name).catch(() => {});
      throw new IntegrityError(
        `Upload of ${request.container}/${request.name}: ${this.provider} stored MD5 ${stored}, sent ${md5}`,
        { provider: this.provider, requestId: res.requestId, hint: "The blob was deleted" },
      );
    }
    return this.writtenInfo(request, bytes.byteLength, res.headers, md5);
  }

  /** A stream above the block limit: Put Blob streamed, verified after, and deleted if it did not match. */
  private async putLargeStream(
    request: PutRequest<AzureBlobWriteExtras>,
    fields: Parameters<typeof writeHeaders>[0],
    stream: Readable,
    size: number,
  ): Promise<ObjectInfo> {
    if (size > MAX_PUT_BLOB) {
      throw new InvalidInputError(
        `${this.provider} cannot send ${size} bytes in one request (at most ${MAX_PUT_BLOB})`,
        {
          provider: this.provider,
          hint: "Leave multipart on so the object is sent in blocks",
        },
      );
    }
    const headers: Record<string, string> = { ...writeHeaders(fields), "x-ms-blob-type": "BlockBlob" };
    if (request.expected?.md5) headers["content-md5"] = base64Md5(request.expected.md5);
    const res = await this.guardLength(request, size, () =>
      this.http.send("BlockBlob_Upload", {
        method: "PUT",
        container: request.container,
        blob: request.name,
        headers,
        body: stream,
        contentLength: size,
        signal: request.signal,
      }),
    );
    try {
      request.verify();
    } catch (err) {
      await this.deleteObject(request.container, request.name).catch(() => {});
      throw err;
    }
    return this.writtenInfo(request, size, res.headers, request.checksums().md5);
  }

  /** A source shorter or longer than declared breaks the request before anything is stored: the data's fault. */
  private async guardLength<T>(
    request: PutRequest<AzureBlobWriteExtras>,
    size: number,
    send: () => Promise<T>,
  ): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (isOmnicloudError(err) && err.code === "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH") {
        throw new IntegrityError(
          `Upload of ${request.container}/${request.name}: the source did not give the declared ${size} bytes`,
          { provider: this.provider, cause: err, hint: "Nothing was stored" },
        );
      }
      throw err;
    }
  }

  private writtenInfo(
    request: PutRequest<AzureBlobWriteExtras>,
    size: number,
    headers: Parameters<typeof headerValue>[0],
    md5: string | undefined,
  ): ObjectInfo {
    const etag = unquote(headerValue(headers, "etag"));
    const modified = headerValue(headers, "last-modified");
    return {
      container: request.container,
      name: request.name,
      size,
      ...(etag ? { etag } : {}),
      ...(modified ? { lastModified: new Date(modified) } : {}),
      ...(request.contentType ? { contentType: request.contentType } : {}),
      ...(request.cacheControl ? { cacheControl: request.cacheControl } : {}),
      ...(request.contentDisposition ? { contentDisposition: request.contentDisposition } : {}),
      metadata: request.metadata,
      checksums: { ...request.checksums(), ...(md5 ? { md5 } : {}) },
    };
  }

  async getObject(
    container: string,
    name: string,
    options: { range?: ByteRange; signal?: AbortSignal },
  ): Promise<{ info: ObjectInfo; body: Readable }> {
    const range = options.range;
    const res = await this.http.stream("Blob_Download", {
      method: "GET",
      container,
      blob: name,
      headers: range ? { "x-ms-range": `bytes=${range.start}-${range.end ?? ""}` } : {},
      signal: options.signal,
    });
    const info = objectInfoFrom(container, name, res.headers);
    if (range && beyondEnd(headerValue(res.headers, "content-range"))) {
      // Azure answers a range past the end with 416 InvalidRange; Azurite with an empty 206. Both mean the same.
      res.body.destroy();
      throw new InvalidInputError(
        `Range start ${range.start} is past the end of ${container}/${name} (${info.size} bytes)`,
        {
          provider: this.provider,
          code: "InvalidRange",
          requestId: res.requestId,
        },
      );
    }
    // A server that ignored the range and sent the whole blob: cut the range out here.
    if (range && res.status === 200) return { info, body: sliceStream(res.body, range) };
    return { info, body: res.body };
  }

  async headObject(container: string, name: string, signal?: AbortSignal): Promise<ObjectInfo> {
    const res = await this.http.send("Blob_GetProperties", { method: "HEAD", container, blob: name, signal });
    return objectInfoFrom(container, name, res.headers);
  }

  async deleteObject(container: string, name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.http.send("Blob_Delete", {
        method: "DELETE",
        container,
        blob: name,
        // A blob with snapshots cannot be deleted alone; the object goes with its snapshots, as on S3.
        headers: { "x-ms-delete-snapshots": "include" },
        signal,
      });
    } catch (err) {
      // Already gone is success; a missing container is not.
      if (isOmnicloudError(err) && err.code === "BlobNotFound") return;
      throw err;
    }
  }

  copyObject(request: CopyRequest): Promise<ObjectInfo> {
    return copyBlob(
      { http: this.http, timeoutMs: this.options.copyTimeoutMs ?? DEFAULT_COPY_TIMEOUT_MS },
      request,
    );
  }

  /** A service SAS for one blob: read for GET, create + write for PUT, valid from now until the expiry. */
  private async sign(request: SignedUrlRequest): Promise<URL> {
    const auth = this.http.auth;
    if (auth.kind !== "shared-key") throw new InvalidInputError("Signed URLs need the account key");
    const sas = blobServiceSas({
      credentials: auth.credentials,
      containerName: request.container,
      blobName: request.name,
      permissions: request.method === "PUT" ? "cw" : "r",
      expiresOn: new Date(Date.now() + request.expiresIn * 1000),
      version: this.http.version,
    });
    return new URL(`${this.http.url(request.container, request.name)}?${sas.query}`);
  }

  publicUrl(container: string, name: string): URL {
    const base = this.options.publicBaseUrl;
    if (!base) return new URL(this.http.url(container, name));
    // A CDN in front of the whole account keeps the container in the path; one per container names it.
    const root = base.includes("{container}")
      ? base.replaceAll("{container}", encodeURIComponent(container))
      : `${base.replace(/\/+$/, "")}/${encodeURIComponent(container)}`;
    return new URL(`${root.replace(/\/+$/, "")}/${encodeBlobPath(name)}`);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** True for a Content-Range that covers nothing ("bytes 10-9/10"): the range started at or past the end. */
function beyondEnd(contentRange: string | undefined): boolean {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? "");
  return m !== null && (Number(m[1]) > Number(m[2]) || Number(m[1]) >= Number(m[3]));
}

/** The bytes `range` covers of a whole-blob stream, for servers that answer a range with 200. */
function sliceStream(source: Readable, range: ByteRange): Readable {
  let offset = 0;
  const end = range.end === undefined ? Number.POSITIVE_INFINITY : range.end + 1;
  const slicer = new Transform({
    transform(chunk: Buffer, _e, callback) {
      const from = Math.max(range.start - offset, 0);
      const to = Math.min(end - offset, chunk.length);
      offset += chunk.length;
      callback(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
  source.on("error", (err) => slicer.destroy(err));
  return source.pipe(slicer);
}

/** Builds the driver; options are resolved now, so a misconfiguration fails at open. */
export async function createAzureBlobStorage(
  options: AzureBlobStorageOptions = {},
): Promise<AzureBlobDriver> {
  return new AzureBlobDriver(options, resolveBlobOptions(options));
}
