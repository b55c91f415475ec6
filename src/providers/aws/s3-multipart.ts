/**
 * S3 multipart upload: CreateMultipartUpload, UploadPart (each part with its Content-MD5, which S3
 * verifies), CompleteMultipartUpload (whose ETag is checked against the parts' MD5s where S3 computes it
 * that way), AbortMultipartUpload and ListMultipartUploads; and UploadPartCopy for copies above CopyObject's
 * 5 GiB limit.
 */
import { createHash } from "node:crypto";
import { readXml } from "../../core/codec/xml.js";
import { buildXml } from "../../core/codec/xml-build.js";
import { IntegrityError, isOmnicloudError, ProviderError } from "../../core/errors.js";
import { headerValue } from "../../core/transport/response-error.js";
import type {
  CompleteRequest,
  MultipartDriver,
  MultipartInit,
  MultipartLimits,
  MultipartUpload,
  PartRequest,
  UploadedPart,
} from "../../storage/driver.js";
import type { MultipartUploadInfo, ObjectInfo, ObjectRef } from "../../storage/types.js";
import { encodeS3Key } from "./s3-addressing.js";
import { errorFromS3Body } from "./s3-errors.js";
import { listUploads } from "./s3-list.js";
import type { S3WriteExtras } from "./s3-options.js";
import { contentMd5, encryptedEtag, type S3Http, unquote, writeHeaders } from "./s3-requests.js";

const MiB = 1024 * 1024;
const MD5_HEX = /^[0-9a-f]{32}$/;
export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

/** AWS's documented limits; S3-compatible providers override what differs. */
export const AWS_MULTIPART_LIMITS: MultipartLimits = {
  minPartSize: 5 * MiB,
  maxPartSize: 5 * 1024 * MiB,
  maxParts: 10_000,
  defaultPartSize: 8 * MiB,
};

/** What the multipart half needs from the driver. */
export interface S3Core {
  readonly http: S3Http;
  readonly etagIsMd5: boolean;
  writeExtras(extras: S3WriteExtras | undefined): S3WriteExtras;
  headObject(container: string, name: string, signal?: AbortSignal): Promise<ObjectInfo>;
  deleteObject(container: string, name: string, signal?: AbortSignal): Promise<void>;
}

/** S3's multipart ETag: the MD5 of the parts' binary MD5s, a dash, and the part count. */
export function multipartEtag(partMd5s: readonly string[]): string {
  const hash = createHash("md5");
  for (const md5 of partMd5s) hash.update(Buffer.from(md5, "hex"));
  return `${hash.digest("hex")}-${partMd5s.length}`;
}

function label(upload: MultipartUpload): string {
  return `${upload.container}/${upload.name} (upload ${upload.uploadId})`;
}

export class S3Multipart implements MultipartDriver<S3WriteExtras> {
  constructor(
    private readonly core: S3Core,
    readonly limits: MultipartLimits,
  ) {}

  async initiate(init: MultipartInit<S3WriteExtras>): Promise<MultipartUpload> {
    const http = this.core.http;
    const res = await http.send("CreateMultipartUpload", {
      method: "POST",
      bucket: init.container,
      key: init.name,
      query: { uploads: "" },
      headers: writeHeaders(init, this.core.writeExtras(init.extras)),
      // Retried like the SDKs do: a failed attempt almost never created an upload, and one that did is
      // an unfinished upload that abortStaleUploads (or a lifecycle rule) removes.
      idempotent: true,
      signal: init.signal,
    });
    const doc = readXml(res.body, { provider: http.provider, operation: "CreateMultipartUpload" });
    return {
      container: init.container,
      name: init.name,
      uploadId: doc.str("InitiateMultipartUploadResult.UploadId"),
    };
  }

  async uploadPart(upload: MultipartUpload, part: PartRequest): Promise<UploadedPart> {
    const res = await this.core.http.send("UploadPart", {
      method: "PUT",
      bucket: upload.container,
      key: upload.name,
      query: { partNumber: part.partNumber, uploadId: upload.uploadId },
      headers: { "content-md5": contentMd5(part.md5) },
      // In memory, so a failed attempt is sent again by the transport's retry layer.
      body: part.body,
      signal: part.signal,
    });
    const etag = unquote(headerValue(res.headers, "etag"));
    if (!etag) {
      throw new ProviderError(`UploadPart ${part.partNumber} of ${label(upload)}: the answer has no ETag`, {
        provider: this.core.http.provider,
        requestId: res.requestId,
      });
    }
    return { partNumber: part.partNumber, etag, size: part.size, md5: part.md5 };
  }

  async complete(upload: MultipartUpload, request: CompleteRequest): Promise<ObjectInfo> {
    const http = this.core.http;
    const body = buildXml({
      CompleteMultipartUpload: {
        "@_xmlns": S3_NAMESPACE,
        Part: request.parts.map((p) => ({ PartNumber: String(p.partNumber), ETag: `"${p.etag}"` })),
      },
    });
    let res: Awaited<ReturnType<S3Http["send"]>>;
    try {
      res = await http.send("CompleteMultipartUpload", {
        method: "POST",
        bucket: upload.container,
        key: upload.name,
        query: { uploadId: upload.uploadId },
        // S3's model gives this call no Content-MD5; the part ETags inside are what S3 checks.
        body,
        // Completing the same parts again is harmless, and losing a large upload to one 503 is not.
        idempotent: true,
        signal: request.signal,
      });
    } catch (err) {
      // A retry after an answer lost on the way finds the upload already completed: check the object.
      if (isOmnicloudError(err) && err.code === "NoSuchUpload")
        return this.completedEarlier(upload, request, err);
      throw err;
    }
    const text = res.body.toString("utf8");
    // S3 may fail after sending 200: the failure is then the body.
    if (/<Error[\s>]/.test(text.slice(0, 512))) {
      throw errorFromS3Body(text, {
        provider: http.provider,
        request: `CompleteMultipartUpload of ${label(upload)}`,
        requestId: res.requestId,
      });
    }
    const doc = readXml(text, { provider: http.provider, operation: "CompleteMultipartUpload" });
    const etag = unquote(doc.optStr("CompleteMultipartUploadResult.ETag"));
    const size = request.parts.reduce((sum, p) => sum + p.size, 0);
    const md5s = request.parts.map((p) => p.md5);
    const expected = md5s.every((m) => MD5_HEX.test(m)) ? multipartEtag(md5s) : undefined;
    // Where the ETag is S3's part-MD5 digest, it proves the object is exactly the parts we sent, in order.
    const checkable =
      expected && etag && this.core.etagIsMd5 && /-\d+$/.test(etag) && !encryptedEtag(res.headers);
    if (checkable && etag !== expected) {
      await this.core.deleteObject(upload.container, upload.name).catch(() => {});
      throw new IntegrityError(
        `Multipart upload ${label(upload)}: ETag ${etag} is not the parts' ${expected}`,
        {
          provider: http.provider,
          hint: "The assembled object did not match the parts sent; it was deleted",
        },
      );
    }
    const info = await this.core.headObject(upload.container, upload.name, request.signal);
    if (info.size !== size) {
      await this.core.deleteObject(upload.container, upload.name).catch(() => {});
      throw new IntegrityError(`Multipart upload ${label(upload)}: ${info.size} bytes stored, ${size} sent`, {
        provider: http.provider,
      });
    }
    if (request.checksums.md5) info.checksums.md5 = request.checksums.md5;
    if (request.checksums.sha256) info.checksums.sha256 = request.checksums.sha256;
    return info;
  }

  /** The object a lost CompleteMultipartUpload answer made, if it is the one these parts make. */
  private async completedEarlier(
    upload: MultipartUpload,
    request: CompleteRequest,
    cause: Error,
  ): Promise<ObjectInfo> {
    const size = request.parts.reduce((sum, p) => sum + p.size, 0);
    const md5s = request.parts.map((p) => p.md5);
    const info = await this.core
      .headObject(upload.container, upload.name, request.signal)
      .catch(() => undefined);
    const expected = md5s.every((m) => MD5_HEX.test(m)) ? multipartEtag(md5s) : undefined;
    if (
      info &&
      info.size === size &&
      (expected === undefined || info.etag === expected || !/-\d+$/.test(info.etag ?? ""))
    ) {
      return info;
    }
    throw cause;
  }

  async abort(upload: MultipartUpload, signal?: AbortSignal): Promise<void> {
    try {
      await this.core.http.send("AbortMultipartUpload", {
        method: "DELETE",
        bucket: upload.container,
        key: upload.name,
        query: { uploadId: upload.uploadId },
        signal,
      });
    } catch (err) {
      // Already completed or aborted: the goal (no open upload) holds.
      if (isOmnicloudError(err) && err.code === "NoSuchUpload") return;
      throw err;
    }
  }

  list(
    container: string,
    options: { prefix?: string; signal?: AbortSignal },
  ): AsyncIterable<MultipartUploadInfo> {
    return listUploads(this.core.http, container, options);
  }

  /**
   * Copy an object too large for CopyObject: parts copied server-side with UploadPartCopy, several at a
   * time, aborted on any failure.
   */
  async copyLarge(
    from: ObjectRef,
    source: ObjectInfo,
    init: MultipartInit<S3WriteExtras>,
    concurrency = 4,
  ): Promise<ObjectInfo> {
    const http = this.core.http;
    const partSize = Math.max(512 * MiB, Math.ceil(source.size / this.limits.maxParts / MiB) * MiB);
    const upload = await this.initiate(init);
    const copySource = `/${encodeURIComponent(from.container)}/${encodeS3Key(from.name)}`;
    const count = Math.ceil(source.size / partSize);
    const parts: UploadedPart[] = [];
    try {
      let nextPart = 1;
      const worker = async (): Promise<void> => {
        for (let n = nextPart++; n <= count; n = nextPart++) {
          const start = (n - 1) * partSize;
          const end = Math.min(source.size, start + partSize) - 1;
          const res = await http.send("UploadPartCopy", {
            method: "PUT",
            bucket: upload.container,
            key: upload.name,
            query: { partNumber: n, uploadId: upload.uploadId },
            headers: {
              "x-amz-copy-source": copySource,
              "x-amz-copy-source-range": `bytes=${start}-${end}`,
              ...(source.etag ? { "x-amz-copy-source-if-match": `"${source.etag}"` } : {}),
            },
            signal: init.signal,
          });
          const text = res.body.toString("utf8");
          if (/<Error[\s>]/.test(text.slice(0, 512))) {
            throw errorFromS3Body(text, {
              provider: http.provider,
              request: `UploadPartCopy ${n} of ${label(upload)}`,
              requestId: res.requestId,
            });
          }
          const doc = readXml(text, { provider: http.provider, operation: "UploadPartCopy" });
          const etag = unquote(doc.str("CopyPartResult.ETag")) ?? "";
          // A copied part's ETag is its MD5 when unencrypted; the check on completion then still holds.
          parts[n - 1] = { partNumber: n, etag, size: end - start + 1, md5: MD5_HEX.test(etag) ? etag : "" };
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
      // Without every part's MD5 the ETag cannot be predicted; the size check on completion remains.
      return await this.complete(upload, { parts, checksums: {}, signal: init.signal });
    } catch (err) {
      await this.abort(upload, AbortSignal.timeout(60_000)).catch(() => {});
      throw err;
    }
  }
}
