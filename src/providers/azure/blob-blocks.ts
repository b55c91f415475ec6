/**
 * Block blobs staged in blocks, mapped onto the portable multipart contract:
 *
 * - initiate picks a random block-id prefix and makes no request: Azure has no "upload" object;
 * - uploadPart is Put Block (with Content-MD5, which the service verifies), many in parallel;
 * - complete is Put Block List naming our blocks in order, which makes the blob appear at once, whole,
 *   with its properties and metadata;
 * - abort has nothing to delete: staged blocks are invisible, never change an existing blob, and the
 *   service discards uncommitted blocks itself (after a week, or as soon as the blob is next committed);
 * - list is not possible: the service keeps no record of "uploads", only anonymous uncommitted blocks.
 *
 * Every block id of one blob must have the same length, so ids are fixed-width:
 * base64("oc" + 16 hex prefix + 6-digit part number), 24 bytes before encoding, 32 characters after.
 */
import { createHash, randomBytes } from "node:crypto";
import { buildXml } from "../../core/codec/xml-build.js";
import { InvalidInputError } from "../../core/errors.js";
import { headerValue } from "../../core/transport/response-error.js";
import type { RequestBody } from "../../core/transport/types.js";
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
import type { AzureBlobWriteExtras } from "./blob-options.js";
import {
  type BlobFields,
  type BlobHttp,
  base64Md5,
  mergeExtras,
  unquote,
  writeHeaders,
} from "./blob-requests.js";

const MiB = 1024 * 1024;

/**
 * Azure's documented limits (REST version 2019-12-12 and later): blocks up to 4000 MiB, 50,000 committed
 * blocks per blob, no minimum. 8 MiB blocks by default: large enough for throughput, small enough that
 * `concurrency` blocks in memory stay modest.
 */
export const AZURE_BLOCK_LIMITS: MultipartLimits = {
  minPartSize: 1,
  maxPartSize: 4000 * MiB,
  maxParts: 50_000,
  defaultPartSize: 8 * MiB,
};

/** Largest part number a 6-digit block id can carry; above Azure's 50,000 blocks anyway. */
const MAX_PART_NUMBER = 999_999;

/** A started block upload: where it goes, the id prefix of its blocks, and the properties to commit. */
export interface BlockUpload extends MultipartUpload {
  readonly fields: BlobFields;
}

/** The block id of part `partNumber` of the upload with `prefix`. */
export function blockId(prefix: string, partNumber: number): string {
  if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new InvalidInputError(`Block number ${partNumber} is outside 1 to ${MAX_PART_NUMBER}`);
  }
  return Buffer.from(`oc${prefix}${String(partNumber).padStart(6, "0")}`, "latin1").toString("base64");
}

/** A fresh 16-hex-digit prefix: two uploads of one blob at once never share a block id. */
export function newPrefix(): string {
  return randomBytes(8).toString("hex");
}

function isBlockUpload(upload: MultipartUpload): upload is BlockUpload {
  return typeof (upload as Partial<BlockUpload>).fields === "object";
}

function notSupported(what: string): InvalidInputError {
  // code NotImplemented: the portable layer's forced container delete skips the stale-upload sweep on it.
  return new InvalidInputError(`azure-blob cannot ${what}`, {
    provider: "azure-blob",
    code: "NotImplemented",
    hint:
      "Azure keeps no record of unfinished block uploads: staged blocks that were never committed are " +
      "invisible, leave any existing blob as it was, and are discarded by the service within 7 days",
  });
}

export class BlobBlocks implements MultipartDriver<AzureBlobWriteExtras> {
  constructor(
    private readonly http: BlobHttp,
    readonly limits: MultipartLimits,
    /** The store's default extras merged under each upload's. */
    private readonly defaults: AzureBlobWriteExtras,
  ) {}

  async initiate(init: MultipartInit<AzureBlobWriteExtras>): Promise<BlockUpload> {
    return {
      container: init.container,
      name: init.name,
      uploadId: newPrefix(),
      fields: {
        contentType: init.contentType,
        cacheControl: init.cacheControl,
        contentDisposition: init.contentDisposition,
        metadata: init.metadata,
        extras: mergeExtras(this.defaults, init.extras),
      },
    };
  }

  async uploadPart(upload: MultipartUpload, part: PartRequest): Promise<UploadedPart> {
    const id = blockId(upload.uploadId, part.partNumber);
    // In memory, so a failed attempt is sent again by the transport's retry layer.
    await this.stage(upload, id, part.body, part.size, part.md5, part.signal);
    return { partNumber: part.partNumber, etag: id, size: part.size, md5: part.md5 };
  }

  /** Put Block: one block, verified by the service against `md5` when given. */
  async stage(
    upload: MultipartUpload,
    id: string,
    body: RequestBody,
    length: number,
    md5: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    await this.http.send("BlockBlob_StageBlock", {
      method: "PUT",
      container: upload.container,
      blob: upload.name,
      query: { comp: "block", blockid: id },
      headers: md5 ? { "content-md5": base64Md5(md5) } : {},
      body,
      contentLength: length,
      signal,
    });
  }

  async complete(upload: MultipartUpload, request: CompleteRequest): Promise<ObjectInfo> {
    if (!isBlockUpload(upload)) {
      throw new InvalidInputError(
        `Upload ${upload.uploadId} of ${upload.name} was not started by this driver`,
        {
          provider: this.http.provider,
        },
      );
    }
    const size = request.parts.reduce((sum, p) => sum + p.size, 0);
    return this.commit(
      upload,
      request.parts.map((p) => p.etag),
      size,
      request.checksums.md5,
      request.signal,
    );
  }

  /**
   * Put Block List: the blob becomes exactly these blocks, in this order. A whole-object MD5, when the
   * caller's data had one computed, is stored as the blob's Content-MD5 so later downloads are verified.
   */
  async commit(
    upload: BlockUpload,
    ids: string[],
    size: number,
    md5: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ObjectInfo> {
    const body = buildXml({ BlockList: { Latest: ids } });
    const headers: Record<string, string> = {
      ...writeHeaders(upload.fields),
      // The service checks the list itself arrived intact.
      "content-md5": createHash("md5").update(body).digest("base64"),
      "content-type": "application/xml; charset=utf-8",
    };
    if (md5) headers["x-ms-blob-content-md5"] = base64Md5(md5);
    const res = await this.http.send("BlockBlob_CommitBlockList", {
      method: "PUT",
      container: upload.container,
      blob: upload.name,
      query: { comp: "blocklist" },
      headers,
      body,
      // Committing the same list again gives the same blob: safe to retry (the SDKs do too).
      idempotent: true,
      signal,
    });
    const f = upload.fields;
    const etag = unquote(headerValue(res.headers, "etag"));
    const modified = headerValue(res.headers, "last-modified");
    return {
      container: upload.container,
      name: upload.name,
      size,
      ...(etag ? { etag } : {}),
      ...(modified ? { lastModified: new Date(modified) } : {}),
      ...(f.contentType ? { contentType: f.contentType } : {}),
      ...(f.cacheControl ? { cacheControl: f.cacheControl } : {}),
      ...(f.contentDisposition ? { contentDisposition: f.contentDisposition } : {}),
      metadata: { ...f.metadata },
      checksums: md5 ? { md5 } : {},
    };
  }

  /** Nothing to do on the service (see the file comment); succeeds so the portable layer's clean-up holds. */
  async abort(_upload: MultipartUpload, _signal?: AbortSignal): Promise<void> {}

  list(
    _container: string,
    _options: { prefix?: string; signal?: AbortSignal },
  ): AsyncIterable<MultipartUploadInfo> {
    throw notSupported("list unfinished multipart uploads");
  }
}
