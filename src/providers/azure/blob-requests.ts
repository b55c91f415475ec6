/**
 * How the azure-blob driver speaks HTTP: one Transport (pooling, retry, rate limit, logging) authorised by
 * Shared Key, a SAS token or a bearer hook; request URLs under the account endpoint (virtual-host or the
 * emulator's path style alike); and the headers Blob storage uses for object properties in both directions.
 */

import { InvalidInputError } from "../../core/errors.js";
import { headerValue } from "../../core/transport/response-error.js";
import { Transport } from "../../core/transport/transport.js";
import type {
  Attempt,
  HttpMethod,
  HttpResponse,
  QueryValue,
  RequestBody,
  ResponseHeaders,
} from "../../core/transport/types.js";
import type { ObjectInfo } from "../../storage/types.js";
import { blobErrorParser } from "./blob-errors.js";
import { metadataFromHeaders, metadataHeaders } from "./blob-metadata.js";
import type { AzureBlobTransportOptions, AzureBlobWriteExtras, BlobAuth } from "./blob-options.js";
import { sharedKeyAuthorizer } from "./shared-key.js";

/** The Blob REST operations the driver uses, named by their operationId in the service's swagger. */
export type BlobOperation =
  | "Service_ListContainersSegment"
  | "Container_Create"
  | "Container_GetProperties"
  | "Container_Delete"
  | "Container_ListBlobFlatSegment"
  | "Container_ListBlobHierarchySegment"
  | "Container_SubmitBatch"
  | "BlockBlob_Upload"
  | "BlockBlob_StageBlock"
  | "BlockBlob_CommitBlockList"
  | "Blob_Download"
  | "Blob_GetProperties"
  | "Blob_Delete"
  | "Blob_StartCopyFromURL"
  | "Blob_SetHTTPHeaders"
  | "Blob_SetMetadata";

export interface BlobRequest {
  method: HttpMethod;
  /** Undefined for the service itself (list containers). */
  container?: string;
  blob?: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  body?: RequestBody;
  contentLength?: number;
  signal?: AbortSignal | undefined;
  idempotent?: boolean;
  okStatuses?: readonly number[];
}

const REQUEST_ID_HEADERS = ["x-ms-request-id"];

/** A blob name as a URL path: each "/"-separated segment percent-encoded, the slashes kept. */
export function encodeBlobPath(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}

/** The connection to one account's Blob endpoint, shared by the driver and its block-upload half. */
export class BlobHttp {
  readonly transport: Transport;
  /** The SAS token's parameters, added to every request when the store authorises with one. */
  private readonly sas: Record<string, string> | undefined;

  constructor(
    readonly provider: string,
    /** The account endpoint without a trailing slash, e.g. "http://127.0.0.1:10000/devstoreaccount1". */
    readonly endpoint: string,
    readonly auth: BlobAuth,
    readonly version: string,
    transport: AzureBlobTransportOptions | undefined,
  ) {
    this.sas = auth.kind === "sas" ? Object.fromEntries(new URLSearchParams(auth.token)) : undefined;
    const authorize = authorizer(auth, version);
    this.transport = new Transport({
      ...transport,
      provider,
      parseError: blobErrorParser,
      requestIdHeaders: REQUEST_ID_HEADERS,
      ...(authorize ? { authorize } : {}),
    });
  }

  /** The URL of the service, a container or a blob (no SAS on it). */
  url(container?: string, blob?: string): string {
    if (container === undefined) return `${this.endpoint}/`;
    const base = `${this.endpoint}/${encodeURIComponent(container)}`;
    return blob === undefined ? base : `${base}/${encodeBlobPath(blob)}`;
  }

  /** The query a SAS-authorised request adds, for URLs handed to the service (copy sources). */
  sasQuery(): string | undefined {
    return this.auth.kind === "sas" ? this.auth.token : undefined;
  }

  private prepare(operation: BlobOperation, r: BlobRequest) {
    // x-ms-version is set here, not only by the Shared Key signer: SAS, bearer and anonymous calls need it
    // too, or the service answers in its oldest dialect.
    const headers: Record<string, string> = { "x-ms-version": this.version, ...r.headers };
    const query = this.sas ? { ...r.query, ...this.sas } : r.query;
    return {
      method: r.method,
      url: this.url(r.container, r.blob),
      operation: `azure-blob:${operation}`,
      headers,
      ...(query ? { query } : {}),
      ...(r.body !== undefined ? { body: r.body } : {}),
      ...(r.contentLength !== undefined ? { contentLength: r.contentLength } : {}),
      ...(r.signal ? { signal: r.signal } : {}),
      ...(r.idempotent !== undefined ? { idempotent: r.idempotent } : {}),
      ...(r.okStatuses ? { okStatuses: r.okStatuses } : {}),
    };
  }

  send(operation: BlobOperation, r: BlobRequest): Promise<HttpResponse<Buffer>> {
    return this.transport.send(this.prepare(operation, r));
  }

  stream(operation: BlobOperation, r: BlobRequest): ReturnType<Transport["stream"]> {
    return this.transport.stream(this.prepare(operation, r));
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

function authorizer(
  auth: BlobAuth,
  version: string,
): ((attempt: Attempt) => void | Promise<void>) | undefined {
  switch (auth.kind) {
    case "shared-key":
      return sharedKeyAuthorizer(auth.credentials, { version });
    case "bearer":
      // Bearer calls need a date as Shared Key ones do; the hook then sets Authorization.
      return (attempt) => {
        attempt.headers["x-ms-date"] = new Date().toUTCString();
        return auth.authorize(attempt);
      };
    default:
      return undefined;
  }
}

/** Hex MD5 as Content-MD5 wants it: base64 of the 16 bytes. */
export function base64Md5(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

/** A base64 Content-MD5 as lower-case hex, or undefined when it is not 16 bytes. */
export function hexMd5(base64: string | undefined): string | undefined {
  if (!base64) return undefined;
  const bytes = Buffer.from(base64, "base64");
  return bytes.length === 16 ? bytes.toString("hex") : undefined;
}

/** The ETag without quotes. */
export function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, "").replace(/^"|"$/g, "");
}

/** The object's stored properties, as Put Blob and Put Block List take them. */
export interface BlobFields {
  contentType?: string | undefined;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  metadata?: Record<string, string> | undefined;
  extras?: AzureBlobWriteExtras | undefined;
}

/** Property, metadata and extras headers of a write (Put Blob, Put Block List). */
export function writeHeaders(fields: BlobFields): Record<string, string> {
  const h: Record<string, string> = metadataHeaders(fields.metadata);
  if (fields.contentType) h["x-ms-blob-content-type"] = fields.contentType;
  if (fields.cacheControl) h["x-ms-blob-cache-control"] = fields.cacheControl;
  if (fields.contentDisposition) h["x-ms-blob-content-disposition"] = fields.contentDisposition;
  const e = fields.extras;
  if (e?.accessTier) h["x-ms-access-tier"] = e.accessTier;
  if (e?.tags && Object.keys(e.tags).length > 0) h["x-ms-tags"] = new URLSearchParams(e.tags).toString();
  return h;
}

/** The store's default extras with one call's on top; anything but an object is refused. */
export function mergeExtras(
  defaults: AzureBlobWriteExtras,
  extras: AzureBlobWriteExtras | undefined,
): AzureBlobWriteExtras {
  if (extras !== undefined && (typeof extras !== "object" || extras === null)) {
    throw new InvalidInputError("Azure upload extras must be an object like { accessTier }", {
      provider: "azure-blob",
    });
  }
  return { ...defaults, ...extras };
}

/** ObjectInfo from a Get Blob or Get Blob Properties answer. */
export function objectInfoFrom(container: string, name: string, headers: ResponseHeaders): ObjectInfo {
  const h = (n: string): string | undefined => headerValue(headers, n);
  const range = h("content-range");
  const total = range ? /\/(\d+)$/.exec(range)?.[1] : undefined;
  const size = Number(total ?? h("content-length") ?? 0);
  const info: ObjectInfo = { container, name, size, metadata: metadataFromHeaders(headers), checksums: {} };
  // A ranged answer's Content-MD5 (when asked for) is the range's; the whole blob's MD5 then comes in
  // x-ms-blob-content-md5.
  const md5 = hexMd5(range ? h("x-ms-blob-content-md5") : (h("content-md5") ?? h("x-ms-blob-content-md5")));
  if (md5) info.checksums.md5 = md5;
  const etag = unquote(h("etag"));
  if (etag) info.etag = etag;
  const modified = h("last-modified");
  if (modified) info.lastModified = new Date(modified);
  const contentType = h("content-type");
  if (contentType) info.contentType = contentType;
  const cacheControl = h("cache-control");
  if (cacheControl) info.cacheControl = cacheControl;
  const disposition = h("content-disposition");
  if (disposition) info.contentDisposition = disposition;
  return info;
}
