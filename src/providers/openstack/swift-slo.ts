/**
 * Multipart uploads as Static Large Objects. An upload is a directory in the segments container,
 * `<name>/<uploadId>/`: a zero-byte `init` marker (so an upload with no parts yet can be listed, and so
 * it carries the object's headers to completion), then one segment per part, uploaded in parallel with
 * an ETag (MD5) Swift checks. Completion PUTs the manifest (`?multipart-manifest=put`) and removes the
 * marker; abort deletes the directory. Unfinished uploads are the directories that still have a marker.
 */
import { randomBytes } from "node:crypto";
import { isOmnicloudError } from "../../core/errors.js";
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
import type { MultipartUploadInfo, ObjectInfo } from "../../storage/types.js";
import { listObjects } from "./swift-list.js";
import { type SwiftHttp, unquote, writeHeaders } from "./swift-requests.js";

const MiB = 1024 * 1024;

/** SLO's defaults: 1000 segments per manifest, 5 GiB per object; segments may be small. */
export const SLO_LIMITS: MultipartLimits = {
  minPartSize: 1 * MiB,
  maxPartSize: 5 * 1024 * MiB,
  maxParts: 1000,
  defaultPartSize: 16 * MiB,
};

const MARKER = "init";
const UPLOAD_DIR = /^(.*)\/(slo-[0-9a-z]+-[0-9a-f]+)\/init$/;

export class SwiftSlo implements MultipartDriver {
  constructor(
    private readonly http: SwiftHttp,
    readonly limits: MultipartLimits,
    private readonly suffix: string,
    private readonly deleteMany: (container: string, names: string[], signal?: AbortSignal) => Promise<void>,
  ) {}

  segments(container: string): string {
    return `${container}${this.suffix}`;
  }

  private dir(upload: MultipartUpload): string {
    return `${upload.name}/${upload.uploadId}/`;
  }

  async initiate(init: MultipartInit): Promise<MultipartUpload> {
    // The target container must exist: a missing one fails here, not after all parts were sent.
    await this.http.send({ method: "HEAD", container: init.container, signal: init.signal });
    await this.http.send({ method: "PUT", container: this.segments(init.container), signal: init.signal });
    const upload = {
      container: init.container,
      name: init.name,
      uploadId: `slo-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`,
    };
    await this.http.send({
      method: "PUT",
      container: this.segments(init.container),
      object: `${this.dir(upload)}${MARKER}`,
      headers: writeHeaders(init),
      body: new Uint8Array(0),
      signal: init.signal,
    });
    return upload;
  }

  async uploadPart(upload: MultipartUpload, part: PartRequest): Promise<UploadedPart> {
    const res = await this.http.send({
      method: "PUT",
      container: this.segments(upload.container),
      object: `${this.dir(upload)}${String(part.partNumber).padStart(8, "0")}`,
      headers: { etag: part.md5 },
      body: part.body,
      signal: part.signal,
    });
    const etag = unquote(headerValue(res.headers, "etag")) ?? part.md5;
    return { partNumber: part.partNumber, etag, size: part.size, md5: part.md5 };
  }

  async complete(upload: MultipartUpload, request: CompleteRequest): Promise<ObjectInfo> {
    const seg = this.segments(upload.container);
    const marker = await this.http.send({
      method: "HEAD",
      container: seg,
      object: `${this.dir(upload)}${MARKER}`,
      signal: request.signal,
    });
    // The headers written at initiate: metadata, content type and the two stored properties.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(marker.headers)) {
      if (typeof v !== "string") continue;
      if (
        k.startsWith("x-object-meta-") ||
        k === "content-type" ||
        k === "cache-control" ||
        k === "content-disposition"
      )
        headers[k] = v;
    }
    const manifest = request.parts.map((p) => ({
      path: `/${seg}/${this.dir(upload)}${String(p.partNumber).padStart(8, "0")}`,
      etag: p.etag,
      size_bytes: p.size,
    }));
    const res = await this.http.send({
      method: "PUT",
      container: upload.container,
      object: upload.name,
      query: { "multipart-manifest": "put" },
      headers: { ...headers, "content-type": headers["content-type"] ?? "application/octet-stream" },
      body: JSON.stringify(manifest),
      signal: request.signal,
    });
    await this.http
      .send({
        method: "DELETE",
        container: seg,
        object: `${this.dir(upload)}${MARKER}`,
        signal: request.signal,
      })
      .catch(() => {});
    const etag = unquote(headerValue(res.headers, "etag"));
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers))
      if (k.startsWith("x-object-meta-")) metadata[k.slice(14)] = Buffer.from(v, "latin1").toString("utf8");
    return {
      container: upload.container,
      name: upload.name,
      size: request.parts.reduce((n, p) => n + p.size, 0),
      ...(etag ? { etag } : {}),
      ...(headers["content-type"] ? { contentType: headers["content-type"] } : {}),
      metadata,
      checksums: request.checksums,
    };
  }

  async abort(upload: MultipartUpload, signal?: AbortSignal): Promise<void> {
    const seg = this.segments(upload.container);
    let names: string[];
    try {
      names = [];
      for await (const e of listObjects(this.http, seg, { prefix: this.dir(upload), signal }))
        if (e.kind === "object") names.push(e.name);
    } catch (err) {
      if (isOmnicloudError(err) && err.kind === "NotFound") return;
      throw err;
    }
    await this.deleteMany(seg, names, signal);
  }

  async *list(
    container: string,
    options: { prefix?: string; signal?: AbortSignal },
  ): AsyncIterable<MultipartUploadInfo> {
    const entries = listObjects(this.http, this.segments(container), {
      prefix: options.prefix,
      signal: options.signal,
    });
    try {
      for await (const e of entries) {
        const m = e.kind === "object" ? UPLOAD_DIR.exec(e.name) : null;
        if (!m || e.kind !== "object") continue;
        yield {
          container,
          name: m[1]!,
          uploadId: m[2]!,
          ...(e.lastModified ? { initiated: e.lastModified } : {}),
        };
      }
    } catch (err) {
      // No segments container: no upload was ever started here.
      if (isOmnicloudError(err) && err.kind === "NotFound") return;
      throw err;
    }
  }
}
