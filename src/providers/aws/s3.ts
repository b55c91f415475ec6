/**
 * The `s3` storage driver: Amazon S3 and, through the named providers in s3-compatible.ts, every service
 * that speaks its API. All HTTP goes through one Transport signed by SigV4; S3's error documents become
 * typed errors; listings follow the real pagination; S3's extras (encryption, storage classes, ACLs,
 * tags) are typed write options.
 */
import { createHash } from "node:crypto";
import { type Readable, Transform } from "node:stream";
import { readXml } from "../../core/codec/xml.js";
import { buildXml } from "../../core/codec/xml-build.js";
import {
  AlreadyExistsError,
  IntegrityError,
  InvalidInputError,
  isOmnicloudError,
  NotFoundError,
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
import { awsCredentialChain, type ExplicitCredentials, staticCredentials } from "./credentials/chain.js";
import { resolveAwsRegion } from "./credentials/region.js";
import type { AwsCredentialProvider } from "./credentials/types.js";
import { encodeS3Key } from "./s3-addressing.js";
import { errorFromS3Body } from "./s3-errors.js";
import { deleteOutcomes, listBuckets, listObjects } from "./s3-list.js";
import { AWS_MULTIPART_LIMITS, S3_NAMESPACE, type S3Core, S3Multipart } from "./s3-multipart.js";
import { checkBucketName } from "./s3-names.js";
import type { S3StorageOptions, S3WriteExtras } from "./s3-options.js";
import {
  contentMd5,
  encryptedEtag,
  extrasHeaders,
  objectInfoFrom,
  S3Http,
  unquote,
  writeHeaders,
} from "./s3-requests.js";
import { SigV4Signer } from "./signer.js";

export type {
  S3CannedAcl,
  S3Encryption,
  S3StorageClass,
  S3StorageOptions,
  S3WriteExtras,
} from "./s3-options.js";

const GiB = 1024 * 1024 * 1024;
const MD5_HEX = /^[0-9a-f]{32}$/;

/** What S3 says about an object beyond the portable ObjectInfo. */
export interface S3ObjectDetails {
  info: ObjectInfo;
  storageClass?: string;
  encryption?: { type: string; keyId?: string };
  versionId?: string;
  /** Glacier restore status, as S3 reports it. */
  restore?: string;
}

interface Resolved {
  provider: string;
  region: string;
  credentials: AwsCredentialProvider;
}

function isProvider(c: ExplicitCredentials | AwsCredentialProvider): c is AwsCredentialProvider {
  return typeof (c as AwsCredentialProvider).get === "function";
}

export class S3Driver implements StorageDriver<S3WriteExtras>, S3Core {
  readonly provider: string;
  readonly region: string;
  readonly http: S3Http;
  readonly etagIsMd5: boolean;
  readonly verifiedChecksums: readonly ("md5" | "sha256")[];
  readonly multipart: S3Multipart;
  readonly maxBatchDelete = 1000;
  private readonly defaults: S3WriteExtras;
  private readonly awsRules: boolean;
  /** Amazon S3 itself (no custom endpoint): features only AWS is known to have are used. */
  private readonly isAws: boolean;
  private readonly copyThreshold: number;

  constructor(
    private readonly options: S3StorageOptions,
    resolved: Resolved,
  ) {
    this.provider = resolved.provider;
    this.region = resolved.region;
    this.etagIsMd5 = options.etagIsMd5 ?? true;
    this.isAws = options.endpoint === undefined;
    this.awsRules = options.awsBucketRules ?? this.isAws;
    this.verifiedChecksums = this.isAws ? ["md5", "sha256"] : ["md5"];
    this.copyThreshold = options.multipartCopyThreshold ?? 5 * GiB;
    this.defaults = {
      ...(options.encryption ? { encryption: options.encryption } : {}),
      ...(options.storageClass ? { storageClass: options.storageClass } : {}),
    };
    const signer = new SigV4Signer({
      service: "s3",
      region: resolved.region,
      credentials: resolved.credentials,
    });
    this.http = new S3Http(
      resolved.provider,
      {
        region: resolved.region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.addressing ? { addressing: options.addressing } : {}),
        ...(options.dualstack ? { dualstack: true } : {}),
        ...(options.fips ? { fips: true } : {}),
      },
      signer,
      options.signPayload ?? false,
      options.transport,
    );
    this.multipart = new S3Multipart(this, { ...AWS_MULTIPART_LIMITS, ...options.multipart });
  }

  checkContainerName(name: string): void {
    checkBucketName(name, this.provider, this.awsRules);
  }

  /** The store's default write options merged with one call's. */
  writeExtras(extras: S3WriteExtras | undefined): S3WriteExtras {
    if (extras !== undefined && (typeof extras !== "object" || extras === null)) {
      throw new InvalidInputError("S3 upload extras must be an object like { encryption, storageClass }");
    }
    return { ...this.defaults, ...extras };
  }

  listContainers(signal?: AbortSignal): AsyncIterable<ContainerInfo> {
    return listBuckets(this.http, signal);
  }

  async createContainer(name: string, options: CreateContainerOptions): Promise<ContainerInfo> {
    // Outside us-east-1, AWS needs the region in the body; custom endpoints get it only when asked.
    const region = options.region ?? (this.options.endpoint === undefined ? this.region : undefined);
    const body =
      region && region !== "us-east-1"
        ? buildXml({ CreateBucketConfiguration: { "@_xmlns": S3_NAMESPACE, LocationConstraint: region } })
        : undefined;
    await this.refuseExisting(name, options.signal);
    await this.http.send("CreateBucket", {
      method: "PUT",
      bucket: name,
      headers: options.acl ? { "x-amz-acl": options.acl } : {},
      ...(body ? { body } : {}),
      signal: options.signal,
    });
    if (options.acl === "public-read") await this.allowPublicReads(name, options.signal);
    return { name, createdAt: new Date(), ...(region ? { region } : {}) };
  }

  /**
   * S3 in us-east-1, and Ceph RGW everywhere, answer 200 to CreateBucket for a bucket the caller already
   * owns (and reset its ACL), so "create" would silently succeed on an existing bucket. Ask first.
   */
  private async refuseExisting(name: string, signal: AbortSignal | undefined): Promise<void> {
    let status: number;
    try {
      status = (await this.http.send("HeadBucket", { method: "HEAD", bucket: name, signal })).status;
    } catch (err) {
      if (err instanceof NotFoundError) return;
      // 403 (another account's) and 301 (another region's) also mean the name is taken.
      if (!isOmnicloudError(err) || (err.status !== 403 && err.status !== 301)) throw err;
      status = err.status;
    }
    throw new AlreadyExistsError(`Bucket "${name}" already exists`, {
      provider: this.provider,
      status,
      code: status === 200 ? "BucketAlreadyOwnedByYou" : "BucketAlreadyExists",
      hint:
        status === 200
          ? "It is yours: use it as it is, or pick another name"
          : "Bucket names are global: pick another",
    });
  }

  /**
   * A public-read ACL on a bucket only lets anyone list it; what users mean by a public container is that
   * anyone can read its objects, which takes a bucket policy granting s3:GetObject to everyone.
   */
  private async allowPublicReads(name: string, signal: AbortSignal | undefined): Promise<void> {
    const policy = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "OmnicloudPublicRead",
          Effect: "Allow",
          Principal: "*",
          Action: ["s3:GetObject"],
          Resource: [`arn:aws:s3:::${name}/*`],
        },
      ],
    };
    const body = JSON.stringify(policy);
    try {
      await this.http.send("PutBucketPolicy", {
        method: "PUT",
        bucket: name,
        query: { policy: "" },
        // S3 requires a checksum on this call.
        headers: { "content-md5": createHash("md5").update(body).digest("base64") },
        body,
        signal,
      });
    } catch (err) {
      // A service without bucket policies (s3rver) has only the ACL to go by, and it was set.
      if (isOmnicloudError(err) && err.status === 501) return;
      if (isOmnicloudError(err)) {
        err.explain(
          `Bucket "${name}" was created, but the policy that makes its objects public was refused; on AWS, turn off the bucket's Block Public Access settings first`,
        );
      }
      throw err;
    }
  }

  async getContainer(name: string, signal?: AbortSignal): Promise<ContainerInfo> {
    const res = await this.http.send("HeadBucket", { method: "HEAD", bucket: name, signal });
    const region = headerValue(res.headers, "x-amz-bucket-region");
    return { name, ...(region ? { region } : {}) };
  }

  async deleteContainer(name: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.http.send("DeleteBucket", { method: "DELETE", bucket: name, signal });
    } catch (err) {
      if (isOmnicloudError(err) && err.code === "BucketNotEmpty") {
        throw new ProviderError(`Bucket "${name}" is not empty`, {
          provider: this.provider,
          status: err.status,
          code: "BucketNotEmpty",
          requestId: err.requestId,
          cause: err,
          hint: "Delete its objects first, or pass { force: true }",
        });
      }
      throw err;
    }
  }

  listObjects(container: string, options: ListObjectsRequest): AsyncIterable<ListEntry> {
    return listObjects(this.http, container, options);
  }

  async putObject(request: PutRequest<S3WriteExtras>): Promise<ObjectInfo> {
    const headers = writeHeaders(request, this.writeExtras(request.extras));
    const body = request.body;
    let size: number;
    let res: Awaited<ReturnType<S3Http["send"]>>;
    if (body.kind === "bytes") {
      size = body.bytes.byteLength;
      headers["content-md5"] = contentMd5(request.checksums().md5 ?? "");
      // Bytes are replayable: the transport retries this PUT on a dropped connection or a 5xx.
      res = await this.http.send("PutObject", {
        method: "PUT",
        bucket: request.container,
        key: request.name,
        headers,
        body: body.bytes,
        signal: request.signal,
      });
    } else {
      if (body.size === undefined) {
        throw new InvalidInputError(`${this.provider} needs the length of a single-request upload`, {
          hint: "Pass options.size, or leave multipart on so the object is sent in parts",
        });
      }
      size = body.size;
      // A promised MD5 is checked by S3 itself: a mismatch is refused before anything is stored.
      if (request.expected?.md5) headers["content-md5"] = contentMd5(request.expected.md5);
      // So is a promised SHA-256 on AWS (S3-compatible services differ in whether they know the header).
      if (request.expected?.sha256 && this.isAws) {
        headers["x-amz-checksum-sha256"] = Buffer.from(request.expected.sha256, "hex").toString("base64");
      }
      try {
        res = await this.http.send("PutObject", {
          method: "PUT",
          bucket: request.container,
          key: request.name,
          headers,
          body: body.stream,
          contentLength: body.size,
          signal: request.signal,
        });
      } catch (err) {
        // A source shorter or longer than its declared size breaks the request before S3 stores anything:
        // that is the data's fault, not the network's.
        if (isOmnicloudError(err) && err.code === "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH") {
          throw new IntegrityError(
            `Upload of ${request.container}/${request.name}: the source did not give the declared ${body.size} bytes`,
            { provider: this.provider, cause: err, hint: "Nothing was stored" },
          );
        }
        throw err;
      }
      try {
        request.verify();
      } catch (err) {
        await this.deleteObject(request.container, request.name).catch(() => {});
        throw err;
      }
    }
    const etag = unquote(headerValue(res.headers, "etag"));
    const md5 = request.checksums().md5;
    if (etag && md5 && this.etagIsMd5 && MD5_HEX.test(etag) && !encryptedEtag(res.headers) && etag !== md5) {
      await this.deleteObject(request.container, request.name).catch(() => {});
      throw new IntegrityError(
        `Upload of ${request.container}/${request.name}: ${this.provider} stored MD5 ${etag}, sent ${md5}`,
        {
          provider: this.provider,
          requestId: res.requestId,
          hint: "The object was deleted",
        },
      );
    }
    const checksums = request.checksums();
    return {
      container: request.container,
      name: request.name,
      size,
      ...(etag ? { etag } : {}),
      ...(request.contentType ? { contentType: request.contentType } : {}),
      ...(request.cacheControl ? { cacheControl: request.cacheControl } : {}),
      ...(request.contentDisposition ? { contentDisposition: request.contentDisposition } : {}),
      metadata: request.metadata,
      checksums: { ...checksums },
    };
  }

  async getObject(
    container: string,
    name: string,
    options: { range?: ByteRange; signal?: AbortSignal },
  ): Promise<{ info: ObjectInfo; body: Readable }> {
    const range = options.range;
    const res = await this.http.stream("GetObject", {
      method: "GET",
      bucket: container,
      key: name,
      headers: range ? { range: `bytes=${range.start}-${range.end ?? ""}` } : {},
      signal: options.signal,
    });
    const info = objectInfoFrom(container, name, res.headers, this.etagIsMd5);
    if (range && res.status === 200) {
      // The server ignored the Range header and sent the whole object: cut the range out here.
      return { info, body: sliceStream(res.body, range) };
    }
    return { info, body: res.body };
  }

  async headObject(container: string, name: string, signal?: AbortSignal): Promise<ObjectInfo> {
    const res = await this.http.send("HeadObject", { method: "HEAD", bucket: container, key: name, signal });
    return objectInfoFrom(container, name, res.headers, this.etagIsMd5);
  }

  /** S3's view of an object: storage class, encryption, version (the typed extras of a HEAD). */
  async objectDetails(container: string, name: string, signal?: AbortSignal): Promise<S3ObjectDetails> {
    this.checkContainerName(container);
    const res = await this.http.send("HeadObject", { method: "HEAD", bucket: container, key: name, signal });
    const h = (n: string): string | undefined => headerValue(res.headers, n);
    const details: S3ObjectDetails = { info: objectInfoFrom(container, name, res.headers, this.etagIsMd5) };
    // S3 leaves the header out for STANDARD objects.
    details.storageClass = h("x-amz-storage-class") ?? "STANDARD";
    const sse = h("x-amz-server-side-encryption");
    if (sse) {
      const keyId = h("x-amz-server-side-encryption-aws-kms-key-id");
      details.encryption = { type: sse, ...(keyId ? { keyId } : {}) };
    }
    const version = h("x-amz-version-id");
    if (version) details.versionId = version;
    const restore = h("x-amz-restore");
    if (restore) details.restore = restore;
    return details;
  }

  async deleteObject(container: string, name: string, signal?: AbortSignal): Promise<void> {
    await this.http.send("DeleteObject", { method: "DELETE", bucket: container, key: name, signal });
  }

  async deleteObjects(container: string, names: string[], signal?: AbortSignal): Promise<DeleteOutcome[]> {
    if (names.length === 0) return [];
    if (names.length > this.maxBatchDelete) {
      throw new InvalidInputError(
        `DeleteObjects takes at most ${this.maxBatchDelete} keys, got ${names.length}`,
      );
    }
    const body = buildXml({
      Delete: { "@_xmlns": S3_NAMESPACE, Quiet: "true", Object: names.map((Key) => ({ Key })) },
    });
    const res = await this.http.send("DeleteObjects", {
      method: "POST",
      bucket: container,
      query: { delete: "" },
      // S3 requires a checksum of this body (the model's httpChecksum requestChecksumRequired).
      headers: { "content-md5": contentMd5(createHash("md5").update(body).digest("hex")) },
      body,
      // Deleting the same keys again has the same effect: safe to retry.
      idempotent: true,
      signal,
    });
    return deleteOutcomes(this.http, names, res.body, `DeleteObjects on bucket ${container}`, res.requestId);
  }

  async copyObject(request: CopyRequest): Promise<ObjectInfo> {
    const { from, to } = request;
    const source = await this.headObject(from.container, from.name, request.signal);
    const replace = request.metadata !== undefined || request.contentType !== undefined;
    const fields = {
      contentType: request.contentType ?? source.contentType,
      cacheControl: source.cacheControl,
      contentDisposition: source.contentDisposition,
      metadata: request.metadata ?? source.metadata,
    };
    if (source.size > this.copyThreshold) {
      return this.multipart.copyLarge(from, source, {
        container: to.container,
        name: to.name,
        ...fields,
        extras: undefined,
        signal: request.signal,
      });
    }
    const headers: Record<string, string> = {
      "x-amz-copy-source": `/${from.container}/${encodeS3Key(from.name)}`,
      // Copy exactly the version whose size decided the method.
      ...(source.etag ? { "x-amz-copy-source-if-match": `"${source.etag}"` } : {}),
      ...(replace
        ? { "x-amz-metadata-directive": "REPLACE", ...writeHeaders(fields, this.writeExtras(undefined)) }
        : extrasHeaders(this.writeExtras(undefined))),
    };
    const res = await this.http.send("CopyObject", {
      method: "PUT",
      bucket: to.container,
      key: to.name,
      headers,
      signal: request.signal,
    });
    const text = res.body.toString("utf8");
    if (/<Error[\s>]/.test(text.slice(0, 512))) {
      throw errorFromS3Body(text, {
        provider: this.provider,
        request: `CopyObject ${from.container}/${from.name} to ${to.container}/${to.name}`,
        requestId: res.requestId,
      });
    }
    const doc = readXml(text, { provider: this.provider, operation: "CopyObject" });
    const etag = unquote(doc.optStr("CopyObjectResult.ETag"));
    const modified = doc.optDate("CopyObjectResult.LastModified");
    return {
      ...source,
      container: to.container,
      name: to.name,
      ...(etag ? { etag } : {}),
      ...(modified ? { lastModified: modified } : {}),
      ...(fields.contentType ? { contentType: fields.contentType } : {}),
      metadata: { ...fields.metadata },
    };
  }

  async signedUrl(request: SignedUrlRequest): Promise<URL> {
    return this.http.signer.presign({
      url: this.http.url(request.container, request.name),
      method: request.method,
      expiresIn: request.expiresIn,
      ...(request.contentType ? { headers: { "content-type": request.contentType } } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
  }

  publicUrl(container: string, name: string): URL {
    const base = this.options.publicBaseUrl;
    if (!base) return this.http.url(container, name);
    const root = new URL(base.replaceAll("{container}", container));
    if (!root.pathname.endsWith("/")) root.pathname += "/";
    root.pathname += encodeS3Key(name);
    return root;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** The bytes `range` covers of a whole-object stream, for servers that answer a Range with 200. */
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

async function resolveRegion(options: S3StorageOptions): Promise<string> {
  if (options.region) return options.region;
  try {
    return (await resolveAwsRegion(options.profile ? { profile: options.profile } : {})).region;
  } catch (err) {
    // A custom endpoint (MinIO, Ceph, …) usually does not care; AWS itself does.
    if (options.endpoint) return "us-east-1";
    throw err;
  }
}

/** Builds the driver: region and credentials are resolved now, so a misconfiguration fails at open. */
export async function createS3Storage(options: S3StorageOptions = {}): Promise<S3Driver> {
  const region = await resolveRegion(options);
  const c = options.credentials;
  const credentials = c
    ? isProvider(c)
      ? c
      : staticCredentials(c)
    : awsCredentialChain(options.profile ? { profile: options.profile } : {});
  return new S3Driver(options, { provider: options.provider ?? "s3", region, credentials });
}
