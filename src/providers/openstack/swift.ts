/**
 * The `swift` storage driver: OpenStack Swift through Keystone (the catalog's object-store endpoint), v1.0
 * auth (tempauth) or a pre-issued token. Containers and objects over Swift's REST API, JSON listings with
 * marker pagination, ETag (MD5) checked writes, server-side COPY, bulk delete where the cluster has it,
 * Static Large Objects for multipart (deleted with their segments), and TempURL signed URLs.
 */
import type { Readable } from "node:stream";
import {
  AlreadyExistsError,
  IntegrityError,
  InvalidInputError,
  isOmnicloudError,
  ProviderError,
} from "../../core/errors.js";
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
import { openSwiftSession } from "./swift-auth.js";
import { listContainers, listObjects } from "./swift-list.js";
import type { SwiftStorageOptions } from "./swift-options.js";
import {
  bulkSucceeded,
  encodeObjectPath,
  objectInfoFrom,
  parseBulkReport,
  SwiftHttp,
  unquote,
  writeHeaders,
} from "./swift-requests.js";
import { deleteSlo, probeSlo, SLO_LIMITS, SwiftSlo } from "./swift-slo.js";
import { TempUrlSigner } from "./swift-tempurl.js";

export type {
  SwiftKeystoneOptions,
  SwiftStorageOptions,
  SwiftTransportOptions,
  SwiftV1AuthOptions,
} from "./swift-options.js";

/** Swift's default max_file_size: larger single-request objects are refused. */
const MAX_OBJECT = 5 * 1024 * 1024 * 1024;
/** HEADs in flight at once when a batch delete looks for SLOs among its names. */
const PROBE_CONCURRENCY = 8;

/** Run `fn` over 0…count-1, at most `limit` at a time. */
async function eachLimit(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

export class SwiftDriver implements StorageDriver {
  readonly provider: string;
  readonly http: SwiftHttp;
  /** Swift checks a sent ETag against the MD5 of what it received (422 when they differ). */
  readonly verifiedChecksums = ["md5"] as const;
  readonly multipart: SwiftSlo;
  readonly maxBatchDelete = 1000;
  private readonly signer: TempUrlSigner;
  private info: Promise<Record<string, unknown>> | undefined;
  private readonly deleteSegments: boolean;

  constructor(options: SwiftStorageOptions) {
    this.provider = options.provider ?? "swift";
    this.http = new SwiftHttp(this.provider, openSwiftSession(this.provider, options), options.transport);
    this.multipart = new SwiftSlo(
      this.http,
      { ...SLO_LIMITS, ...options.multipart },
      options.segmentSuffix ?? "_segments",
      async (c, names, signal) => {
        for (const o of await this.deletePlainMany(c, names, signal)) if (o.error) throw o.error;
      },
    );
    this.deleteSegments = options.deleteSegments ?? true;
    this.signer = new TempUrlSigner(this.http, (s) => this.clusterInfo(s), options.tempUrlKey);
  }

  /** The cluster's /info (capabilities), fetched once: it sits at the root beside /v1. */
  clusterInfo(signal?: AbortSignal): Promise<Record<string, unknown>> {
    this.info ??= (async () => {
      const base = new URL(await this.http.session.storageUrl(signal));
      const root = base.pathname.replace(/\/v1\/[^/]+\/?$/, "");
      const res = await this.http.transport.send({
        method: "GET",
        url: `${base.origin}${root}/info`,
        ...(signal ? { signal } : {}),
      });
      return JSON.parse(res.body.toString("utf8")) as Record<string, unknown>;
    })();
    this.info.catch(() => {
      this.info = undefined;
    });
    return this.info;
  }

  checkContainerName(name: string): void {
    if (name.length === 0 || Buffer.byteLength(name) > 256 || name.includes("/")) {
      throw new InvalidInputError(`Invalid Swift container name "${name}": 1 to 256 bytes without "/"`, {
        provider: this.provider,
      });
    }
  }

  listContainers(signal?: AbortSignal): AsyncIterable<ContainerInfo> {
    return listContainers(this.http, signal);
  }

  async createContainer(name: string, options: CreateContainerOptions): Promise<ContainerInfo> {
    if (options.region !== undefined)
      throw new InvalidInputError(`${this.provider} containers have no region of their own`, {
        provider: this.provider,
      });
    const res = await this.http.send({
      method: "PUT",
      container: name,
      // ".r:*" lets anyone read objects by URL (not list them).
      headers: options.acl === "public-read" ? { "x-container-read": ".r:*" } : {},
      signal: options.signal,
    });
    // 201 Created, or 202 Accepted when it already existed (Swift's PUT is an upsert).
    if (res.status === 202)
      throw new AlreadyExistsError(`Container "${name}" already exists`, {
        provider: this.provider,
        status: 202,
        requestId: res.requestId,
      });
    return { name, createdAt: new Date() };
  }

  async getContainer(name: string, signal?: AbortSignal): Promise<ContainerInfo> {
    const res = await this.http.send({ method: "HEAD", container: name, signal });
    const ts = Number(headerValue(res.headers, "x-timestamp"));
    return { name, ...(Number.isFinite(ts) && ts > 0 ? { createdAt: new Date(ts * 1000) } : {}) };
  }

  async deleteContainer(name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.http.send({ method: "DELETE", container: name, signal });
    } catch (err) {
      if (isOmnicloudError(err) && err.status === 409) {
        throw new ProviderError(`Container "${name}" is not empty`, {
          provider: this.provider,
          code: "ContainerNotEmpty",
          status: 409,
          requestId: err.requestId,
          hint: "Delete its objects first, or pass { force: true }",
        });
      }
      throw err;
    }
    // Its SLO segments go with it when nothing else is left there (best effort: it may never have existed).
    await this.http
      .send({ method: "DELETE", container: this.multipart.segments(name), signal })
      .catch(() => {});
  }

  listObjects(container: string, options: ListObjectsRequest): AsyncIterable<ListEntry> {
    return listObjects(this.http, container, options);
  }

  /**
   * A PUT over an SLO replaces only its manifest and leaves the old segments. Finding out first would cost
   * a HEAD on every write, so a single-request write does not; multipart completion does (see SwiftSlo).
   */
  async putObject(request: PutRequest): Promise<ObjectInfo> {
    const headers = writeHeaders(request);
    const body = request.body;
    if (body.kind === "bytes") {
      const md5 = request.checksums().md5;
      if (md5) headers.etag = md5;
      const res = await this.http.send({
        method: "PUT",
        container: request.container,
        object: request.name,
        headers,
        body: body.bytes,
        signal: request.signal,
      });
      return this.written(request, body.bytes.byteLength, unquote(headerValue(res.headers, "etag")), md5);
    }
    if (body.size !== undefined && body.size > MAX_OBJECT)
      throw new InvalidInputError(`${this.provider} cannot store ${body.size} bytes in one object request`, {
        provider: this.provider,
        hint: "Leave multipart on so the object is stored as an SLO",
      });
    if (request.expected?.md5) headers.etag = request.expected.md5;
    let res: Awaited<ReturnType<SwiftHttp["send"]>>;
    try {
      res = await this.http.send({
        method: "PUT",
        container: request.container,
        object: request.name,
        headers,
        body: body.stream,
        ...(body.size !== undefined ? { contentLength: body.size } : {}),
        signal: request.signal,
      });
    } catch (err) {
      if (isOmnicloudError(err) && err.code === "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH")
        throw new IntegrityError(
          `Upload of ${request.container}/${request.name}: the source did not give the declared ${body.size} bytes`,
          {
            provider: this.provider,
            cause: err,
            hint: "Nothing was stored",
          },
        );
      throw err;
    }
    const etag = unquote(headerValue(res.headers, "etag"));
    try {
      // Swift has no "commit later": the stream was stored, so a mismatch found now deletes it.
      request.verify();
      const md5 = request.checksums().md5;
      if (etag && md5 && etag !== md5)
        throw new IntegrityError(
          `Upload of ${request.container}/${request.name}: ${this.provider} stored MD5 ${etag}, sent ${md5}`,
          {
            provider: this.provider,
            requestId: res.requestId,
            hint: "The object was deleted",
          },
        );
    } catch (err) {
      // Just written by this PUT, so a plain object: no need to look for segments.
      await this.deletePlain(request.container, request.name).catch(() => {});
      throw err;
    }
    // A stream of unknown length: Swift counted it, so ask rather than guess.
    const size = body.size ?? (await this.headObject(request.container, request.name, request.signal)).size;
    return this.written(request, size, etag, request.checksums().md5);
  }

  private written(
    request: PutRequest,
    size: number,
    etag: string | undefined,
    md5: string | undefined,
  ): ObjectInfo {
    return {
      container: request.container,
      name: request.name,
      size,
      ...(etag ? { etag } : {}),
      lastModified: new Date(),
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
    try {
      const res = await this.http.stream({
        method: "GET",
        container,
        object: name,
        headers: range ? { range: `bytes=${range.start}-${range.end ?? ""}` } : {},
        signal: options.signal,
      });
      return { info: objectInfoFrom(container, name, res.headers), body: res.body };
    } catch (err) {
      if (range && isOmnicloudError(err) && err.status === 416)
        throw new InvalidInputError(`Range start ${range.start} is past the end of ${container}/${name}`, {
          provider: this.provider,
          code: "InvalidRange",
          status: 416,
          requestId: err.requestId,
        });
      throw err;
    }
  }

  async headObject(container: string, name: string, signal?: AbortSignal): Promise<ObjectInfo> {
    const res = await this.http.send({ method: "HEAD", container, object: name, signal });
    return objectInfoFrom(container, name, res.headers);
  }

  /**
   * Delete an object, and an SLO's segments with it. A plain DELETE of an SLO would remove only its
   * manifest, and `?multipart-manifest=delete` cannot be sent blindly: Swift refuses it for a plain object
   * (a 200 whose report says "Not an SLO manifest", the object kept). So a HEAD says which it is first: one
   * request more than a bare DELETE, the price of never leaving segments behind (`deleteSegments: false`
   * drops it).
   */
  async deleteObject(container: string, name: string, signal?: AbortSignal): Promise<void> {
    if (this.deleteSegments) {
      const slo = await probeSlo(this.http, container, name, signal);
      if (slo === undefined) return this.mustHaveContainer(container, signal);
      if (slo) return deleteSlo(this.http, container, name, signal);
    }
    await this.deletePlain(container, name, signal);
  }

  /** Deleting a missing name succeeds, but only in a container that exists. */
  private async mustHaveContainer(container: string, signal: AbortSignal | undefined): Promise<void> {
    await this.http.send({ method: "HEAD", container, signal });
  }

  /** One DELETE: the object, or only the manifest of an SLO. */
  private async deletePlain(container: string, name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.http.send({ method: "DELETE", container, object: name, signal });
    } catch (err) {
      // Swift says 404 for a missing object and a missing container alike; the second is still an error.
      if (isOmnicloudError(err) && err.kind === "NotFound") return this.mustHaveContainer(container, signal);
      throw err;
    }
  }

  async copyObject(request: CopyRequest): Promise<ObjectInfo> {
    const headers: Record<string, string> = {
      "x-copy-from": `/${encodeURIComponent(request.from.container)}/${encodeObjectPath(request.from.name)}`,
    };
    if (request.metadata !== undefined || request.contentType !== undefined) {
      headers["x-fresh-metadata"] = "true";
      Object.assign(headers, writeHeaders({ metadata: request.metadata, contentType: request.contentType }));
      if (request.metadata === undefined) {
        // Only the content type changes: keep the source's metadata.
        const src = await this.headObject(request.from.container, request.from.name, request.signal);
        Object.assign(headers, writeHeaders({ metadata: src.metadata }));
      }
    }
    await this.http.send({
      method: "PUT",
      container: request.to.container,
      object: request.to.name,
      headers,
      body: new Uint8Array(0),
      signal: request.signal,
    });
    return this.headObject(request.to.container, request.to.name, request.signal);
  }

  /**
   * Delete many names, SLOs with their segments. Swift's bulk delete removes only manifests, so SLOs are
   * found first and deleted one by one with theirs, and the rest go in one bulk request. Finding them
   * costs a HEAD per name, so it is done only where segments can be: when the container's segments
   * container (`<container>_segments`, also python-swiftclient's and rclone's default) holds objects.
   * An SLO whose segments live elsewhere is missed here (its manifest goes, its segments stay); a single
   * `deleteObject` always looks.
   */
  async deleteObjects(container: string, names: string[], signal?: AbortSignal): Promise<DeleteOutcome[]> {
    if (names.length === 0) return [];
    if (!this.deleteSegments || !(await this.mayHoldSegments(container, signal)))
      return this.deletePlainMany(container, names, signal);
    const out: DeleteOutcome[] = new Array(names.length);
    const plain: number[] = [];
    await eachLimit(names.length, PROBE_CONCURRENCY, async (i) => {
      const name = names[i]!;
      try {
        if (await probeSlo(this.http, container, name, signal)) {
          await deleteSlo(this.http, container, name, signal);
          out[i] = { name };
        } else plain.push(i);
      } catch (error) {
        out[i] = { name, error: error instanceof Error ? error : new Error(String(error)) };
      }
    });
    // Missing names go with the plain ones: bulk delete counts them as not found, which is success.
    plain.sort((a, b) => a - b);
    const rest = await this.deletePlainMany(
      container,
      plain.map((i) => names[i]!),
      signal,
    );
    rest.forEach((outcome, k) => {
      out[plain[k]!] = outcome;
    });
    return out;
  }

  /** Whether SLO segments can be expected for this container: its segments container holds objects. */
  private async mayHoldSegments(container: string, signal: AbortSignal | undefined): Promise<boolean> {
    try {
      const res = await this.http.send({
        method: "HEAD",
        container: this.multipart.segments(container),
        signal,
      });
      // No count given: assume there may be some, and look.
      return Number(headerValue(res.headers, "x-container-object-count") ?? "1") !== 0;
    } catch (err) {
      if (isOmnicloudError(err) && err.kind === "NotFound") return false;
      throw err;
    }
  }

  /** Plain deletes (manifests only for SLOs): bulk when the cluster has it (/info "bulk_delete"), else one DELETE per name. */
  private async deletePlainMany(
    container: string,
    names: string[],
    signal?: AbortSignal,
  ): Promise<DeleteOutcome[]> {
    const bulk = await this.clusterInfo(signal).then(
      (i) => i.bulk_delete !== undefined,
      () => false,
    );
    if (!bulk || names.length === 0) {
      const out: DeleteOutcome[] = [];
      for (const name of names) {
        try {
          await this.deletePlain(container, name, signal);
          out.push({ name });
        } catch (error) {
          out.push({ name, error: error as Error });
        }
      }
      return out;
    }
    const paths = names.map((n) => `/${encodeURIComponent(container)}/${encodeObjectPath(n)}`);
    const res = await this.http.send({
      method: "POST",
      query: { "bulk-delete": "" },
      headers: { "content-type": "text/plain", accept: "application/json" },
      body: paths.join("\n"),
      signal,
    });
    const report = parseBulkReport(res.body);
    // No report means no bulk middleware took the POST: nothing was deleted.
    if (!report)
      throw new ProviderError(`${this.provider} bulk delete answered ${res.status} without a report`, {
        provider: this.provider,
        requestId: res.requestId,
      });
    const failed = new Map(report.errors.map(([p, status]) => [p, status]));
    if (failed.size === 0 && !bulkSucceeded(report))
      throw new ProviderError(`${this.provider} bulk delete answered ${report.status}`, {
        provider: this.provider,
        requestId: res.requestId,
      });
    return names.map((name, i) => {
      const status = failed.get(paths[i]!) ?? failed.get(decodeURIComponent(paths[i]!));
      return status
        ? {
            name,
            error: new ProviderError(`Delete of ${container}/${name} failed: ${status}`, {
              provider: this.provider,
            }),
          }
        : { name };
    });
  }

  signedUrl(request: SignedUrlRequest): Promise<URL> {
    return this.signer.sign(request);
  }

  /** Set at open: publicUrl is synchronous, and the storage URL may come from an auth call. */
  storageUrl = "";

  /** The object's URL: readable without a token in a container created public-read (".r:*"). */
  publicUrl(container: string, name: string): URL {
    return new URL(`${this.storageUrl}/${encodeURIComponent(container)}/${encodeObjectPath(name)}`);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

export async function createSwiftStorage(options: SwiftStorageOptions): Promise<SwiftDriver> {
  const driver = new SwiftDriver(options);
  // Authenticating now also makes a bad credential fail at open rather than at the first call.
  driver.storageUrl = await driver.http.session.storageUrl();
  return driver;
}
