/**
 * Multipart uploads as Static Large Objects. An upload is a directory in the segments container,
 * `<name>/<uploadId>/`: a zero-byte `init` marker (so an upload with no parts yet can be listed, and so
 * it carries the object's headers to completion), then one segment per part, uploaded in parallel with
 * an ETag (MD5) Swift checks. Completion PUTs the manifest (`?multipart-manifest=put`) and removes the
 * marker; abort deletes the directory. Unfinished uploads are the directories that still have a marker.
 *
 * Segments are separate objects Swift never removes on its own: a plain DELETE of an SLO, or a PUT over it,
 * drops only the manifest. So a delete asks the slo middleware to take the segments too
 * (`?multipart-manifest=delete`), and a completion that replaces an SLO deletes the old one's segments.
 */
import { randomBytes } from "node:crypto";
import { isOmnicloudError, ProviderError } from "../../core/errors.js";
import { headerValue } from "../../core/transport/response-error.js";
import type { ResponseHeaders } from "../../core/transport/types.js";
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
import { bulkSucceeded, parseBulkReport, type SwiftHttp, unquote, writeHeaders } from "./swift-requests.js";

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

/** The values Swift itself reads as true in a header (its config_true_value). */
const TRUE_VALUES = new Set(["true", "1", "yes", "on", "t", "y"]);

/** Whether a HEAD or GET answer is a Static Large Object's manifest. */
export function isStaticLargeObject(headers: ResponseHeaders): boolean {
  return TRUE_VALUES.has((headerValue(headers, "x-static-large-object") ?? "").toLowerCase());
}

/**
 * Whether `container/name` is an SLO manifest; undefined when there is no such object. `?symlink=get` looks
 * at a symlink itself: followed, a link to an SLO answers as that SLO, and deleting "its" segments would
 * break the target. A cluster without the symlink middleware ignores the parameter.
 */
export async function probeSlo(
  http: SwiftHttp,
  container: string,
  name: string,
  signal: AbortSignal | undefined,
): Promise<boolean | undefined> {
  try {
    const res = await http.send({
      method: "HEAD",
      container,
      object: name,
      query: { symlink: "get" },
      signal,
    });
    return isStaticLargeObject(res.headers);
  } catch (err) {
    if (isOmnicloudError(err) && err.kind === "NotFound") return undefined;
    throw err;
  }
}

/** An object an SLO's manifest names. */
export interface SegmentRef {
  container: string;
  name: string;
  /** The segment is itself an SLO (a nested manifest). */
  nested: boolean;
}

/** The objects `container/name`'s manifest names, or undefined when it is not an SLO (or not there). */
export async function manifestSegments(
  http: SwiftHttp,
  container: string,
  name: string,
  signal: AbortSignal | undefined,
): Promise<SegmentRef[] | undefined> {
  if (!(await probeSlo(http, container, name, signal))) return undefined;
  let res: Awaited<ReturnType<SwiftHttp["stream"]>>;
  try {
    res = await http.stream({
      method: "GET",
      container,
      object: name,
      query: { "multipart-manifest": "get" },
      signal,
    });
  } catch (err) {
    // Deleted since the HEAD.
    if (isOmnicloudError(err) && err.kind === "NotFound") return undefined;
    throw err;
  }
  // Replaced by a plain object since the HEAD: this GET would be its whole body, so it is not read.
  if (!isStaticLargeObject(res.headers)) {
    res.body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
  const doc = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Array<{
    name?: string;
    sub_slo?: boolean;
  }>;
  // Entries without a name carry inline data: bytes in the manifest, not objects.
  return doc.flatMap((e) => {
    const m = e.name === undefined ? null : /^\/([^/]+)\/(.+)$/.exec(e.name);
    return m ? [{ container: m[1]!, name: m[2]!, nested: e.sub_slo === true }] : [];
  });
}

/**
 * Delete an SLO and every segment its manifest names, in one request: the slo middleware reads the
 * manifest and deletes segments, nested manifests' segments, then the manifest. It reports like bulk
 * delete, so a 200 may still say some were not deleted. Only for SLOs: on Swift 2.30 a plain object sent
 * this is refused in the report ("Not an SLO manifest") and kept.
 */
export async function deleteSlo(
  http: SwiftHttp,
  container: string,
  name: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const res = await http.send({
    method: "DELETE",
    container,
    object: name,
    query: { "multipart-manifest": "delete" },
    headers: { accept: "application/json" },
    signal,
  });
  const report = parseBulkReport(res.body);
  // No report: no slo middleware took the request, so it was a plain DELETE of the manifest.
  if (!report || bulkSucceeded(report)) return;
  const failed = report.errors
    .slice(0, 3)
    .map(([path, why]) => `${path} (${why})`)
    .join(", ");
  throw new ProviderError(
    `Delete of ${container}/${name}, a Static Large Object, answered ${report.status ?? "an error"}` +
      (failed ? `: not deleted ${failed}${report.errors.length > 3 ? ", …" : ""}` : ""),
    {
      provider: http.provider,
      code: "SloDeleteFailed",
      requestId: res.requestId,
      hint: "The manifest may already be gone while some segments remain: delete those by name",
    },
  );
}

export class SwiftSlo implements MultipartDriver {
  constructor(
    private readonly http: SwiftHttp,
    readonly limits: MultipartLimits,
    private readonly suffix: string,
    /** Plain deletes of many names (segments are never SLOs of ours), throwing on the first failure. */
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
    // An SLO this upload replaces keeps its segments after the PUT (Swift only swaps the manifest), and
    // the PUT makes its manifest unreadable: so it is read now. Best effort: a failed look must not fail
    // an upload whose parts are all stored; it only leaves the old segments behind.
    const replaced = await manifestSegments(this.http, upload.container, upload.name, request.signal).catch(
      () => undefined,
    );
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
    if (replaced) {
      // After the PUT, never throwing: a failure here must not make the caller abort (and so delete the
      // segments of) the object just completed.
      const kept = new Set(manifest.map((m) => m.path));
      await this.dropSegments(
        replaced.filter((r) => !kept.has(`/${r.container}/${r.name}`)),
        request.signal,
      ).catch(() => {});
    }
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

  /** Delete segments of a replaced SLO: plain ones in a batch per container, nested SLOs with theirs. */
  private async dropSegments(refs: SegmentRef[], signal: AbortSignal | undefined): Promise<void> {
    const plain = new Map<string, string[]>();
    for (const ref of refs) {
      if (ref.nested) await deleteSlo(this.http, ref.container, ref.name, signal);
      else plain.set(ref.container, [...(plain.get(ref.container) ?? []), ref.name]);
    }
    for (const [container, names] of plain) await this.deleteMany(container, names, signal);
  }

  async abort(upload: MultipartUpload, signal?: AbortSignal): Promise<void> {
    const seg = this.segments(upload.container);
    // If the object's manifest names this upload's segments, the upload did complete (its answer was
    // lost, or removing the marker failed): those segments are the object's bytes, so only the marker
    // goes. Deleting them would leave a manifest whose reads fail.
    const dir = `/${seg}/${this.dir(upload)}`;
    const current = await manifestSegments(this.http, upload.container, upload.name, signal);
    const completed = current?.some((r) => `/${r.container}/${r.name}`.startsWith(dir)) ?? false;
    let names: string[];
    try {
      names = [];
      for await (const e of listObjects(this.http, seg, { prefix: this.dir(upload), signal }))
        if (e.kind === "object") names.push(e.name);
    } catch (err) {
      if (isOmnicloudError(err) && err.kind === "NotFound") return;
      throw err;
    }
    if (completed) names = names.filter((n) => n === `${this.dir(upload)}${MARKER}`);
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
