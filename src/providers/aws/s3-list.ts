/**
 * S3's listings, each an AsyncIterable over the real pagination (core `paginate`, which refuses to stop
 * early or loop): buckets (ListBuckets), objects and common prefixes (ListObjectsV2) and unfinished
 * multipart uploads (ListMultipartUploads); plus the result of a batch delete.
 */
import type { DocReader } from "../../core/codec/read.js";
import { readXml } from "../../core/codec/xml.js";
import { type Paginated, paginate } from "../../core/pagination/paginate.js";
import type { DeleteOutcome } from "../../storage/driver.js";
import type { ContainerInfo, ListEntry, MultipartUploadInfo } from "../../storage/types.js";
import { errorFromS3Fields } from "./s3-errors.js";
import { type S3Http, unquote } from "./s3-requests.js";

/**
 * Keys are text as stored: a key may start or end with spaces, so the XML is read without trimming. With
 * `encoding-type=url` S3 percent-encodes keys (space as "+") so that characters XML cannot carry survive;
 * values are decoded only when the answer says it used that encoding (some S3-compatible servers ignore it).
 */
function decoder(doc: DocReader, root: string): (value: string) => string {
  const encoding = doc.optStr(`${root}.EncodingType`);
  return encoding === "url" ? (v) => decodeURIComponent(v.replace(/\+/g, " ")) : (v) => v;
}

/** UTF-8 byte order, S3's listing order. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * ListBuckets answers with every bucket in one page unless `max-buckets` is sent (the operation in S3's
 * model takes no paging parameters), so this is one request; a continuation token in the answer would be
 * reported by paginate as a truncation it cannot follow, never silently dropped.
 */
export function listBuckets(http: S3Http, signal: AbortSignal | undefined): Paginated<ContainerInfo, string> {
  const context = { provider: http.provider, operation: "ListBuckets" };
  return paginate<ContainerInfo, string>({
    what: `${http.provider} ListBuckets`,
    provider: http.provider,
    signal,
    fetch: async () => {
      const res = await http.send("ListBuckets", { method: "GET", signal });
      // Bucket names hold no spaces, so layout whitespace (an empty, pretty-printed <Buckets>) is trimmed away.
      const doc = readXml(res.body, context);
      const items = doc.list("ListAllMyBucketsResult.Buckets.Bucket").map((b) => {
        const info: ContainerInfo = { name: b.str("Name") };
        const created = b.optDate("CreationDate");
        if (created) info.createdAt = created;
        const region = b.optStr("BucketRegion");
        if (region) info.region = region;
        return info;
      });
      const token = doc.optStr("ListAllMyBucketsResult.ContinuationToken");
      return { items, ...(token ? { truncated: true } : {}) };
    },
  });
}

interface ObjectCursor {
  token?: string;
  startAfter?: string;
}

export function listObjects(
  http: S3Http,
  bucket: string,
  options: { prefix?: string; delimiter?: string; pageSize?: number; signal?: AbortSignal },
): Paginated<ListEntry, ObjectCursor> {
  const context = { provider: http.provider, operation: "ListObjectsV2" };
  const what = `${http.provider} ListObjectsV2 of bucket ${bucket}`;
  return paginate<ListEntry, ObjectCursor>({
    what,
    provider: http.provider,
    pageSize: options.pageSize,
    signal: options.signal,
    cursorKey: (c) => (c.token !== undefined ? `t:${c.token}` : `a:${c.startAfter ?? ""}`),
    fetch: async (cursor, request) => {
      const res = await http.send("ListObjectsV2", {
        method: "GET",
        bucket,
        query: {
          "list-type": "2",
          prefix: options.prefix,
          delimiter: options.delimiter,
          "max-keys": request.pageSize,
          "continuation-token": cursor?.token,
          "start-after": cursor?.startAfter,
          "encoding-type": "url",
        },
        signal: options.signal,
      });
      const doc = readXml(res.body, context, { trim: false });
      const decode = decoder(doc, "ListBucketResult");
      const objects: ListEntry[] = doc.list("ListBucketResult.Contents").map((c) => {
        const entry: ListEntry = {
          kind: "object",
          container: bucket,
          name: decode(c.str("Key")),
          size: c.int("Size"),
          metadata: {},
          // A listed ETag may be a KMS or multipart tag: no checksum is claimed from it.
          checksums: {},
        };
        const etag = unquote(c.optStr("ETag"));
        if (etag) entry.etag = etag;
        const modified = c.optDate("LastModified");
        if (modified) entry.lastModified = modified;
        return entry;
      });
      const prefixes: ListEntry[] = doc
        .list("ListBucketResult.CommonPrefixes")
        .map((p) => ({ kind: "prefix", container: bucket, name: decode(p.str("Prefix")) }));
      // S3 sends objects and prefixes in two lists; merged, the page reads in key order like a directory.
      const items = mergeSorted(objects, prefixes);
      const truncated = doc.optBool("ListBucketResult.IsTruncated") ?? false;
      const token = doc.optStr("ListBucketResult.NextContinuationToken");
      let next: ObjectCursor | undefined;
      if (token) next = { token };
      else if (truncated && !options.delimiter) {
        // Servers that answer V2 with a V1-style page (no token): resume after the last key, as V1 does.
        const last = objects.at(-1)?.name;
        if (last !== undefined) next = { startAfter: last };
      }
      return { items, next, truncated };
    },
  });
}

function mergeSorted(a: ListEntry[], b: ListEntry[]): ListEntry[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: ListEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && compareKeys(x.name, y.name) <= 0)) {
      out.push(x as ListEntry);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

interface UploadCursor {
  keyMarker: string;
  uploadIdMarker: string;
}

export function listUploads(
  http: S3Http,
  bucket: string,
  options: { prefix?: string; pageSize?: number; signal?: AbortSignal },
): Paginated<MultipartUploadInfo, UploadCursor> {
  const context = { provider: http.provider, operation: "ListMultipartUploads" };
  return paginate<MultipartUploadInfo, UploadCursor>({
    what: `${http.provider} ListMultipartUploads of bucket ${bucket}`,
    provider: http.provider,
    pageSize: options.pageSize,
    signal: options.signal,
    cursorKey: (c) => `${c.keyMarker}\n${c.uploadIdMarker}`,
    fetch: async (cursor, request) => {
      const res = await http.send("ListMultipartUploads", {
        method: "GET",
        bucket,
        query: {
          uploads: "",
          prefix: options.prefix,
          "max-uploads": request.pageSize,
          "key-marker": cursor?.keyMarker,
          "upload-id-marker": cursor?.uploadIdMarker,
          "encoding-type": "url",
        },
        signal: options.signal,
      });
      const doc = readXml(res.body, context, { trim: false });
      const decode = decoder(doc, "ListMultipartUploadsResult");
      const items = doc.list("ListMultipartUploadsResult.Upload").map((u) => {
        const info: MultipartUploadInfo = {
          container: bucket,
          name: decode(u.str("Key")),
          uploadId: u.str("UploadId").trim(),
        };
        const initiated = u.optDate("Initiated");
        if (initiated) info.initiated = initiated;
        return info;
      });
      const truncated = doc.optBool("ListMultipartUploadsResult.IsTruncated") ?? false;
      const keyMarker = doc.optStr("ListMultipartUploadsResult.NextKeyMarker");
      const uploadIdMarker = doc.optStr("ListMultipartUploadsResult.NextUploadIdMarker") ?? "";
      const next =
        truncated && keyMarker
          ? { keyMarker: decode(keyMarker), uploadIdMarker: uploadIdMarker.trim() }
          : undefined;
      return { items, next, truncated };
    },
  });
}

/** The outcome of each name of a DeleteObjects request; names S3 does not report as errors were deleted. */
export function deleteOutcomes(
  http: S3Http,
  names: string[],
  body: Buffer,
  request: string,
  requestId: string | undefined,
): DeleteOutcome[] {
  const doc = readXml(body, { provider: http.provider, operation: "DeleteObjects" }, { trim: false });
  const failed = new Map<string, Error>();
  for (const e of doc.list("DeleteResult.Error")) {
    const key = e.str("Key");
    const fields = { code: e.optStr("Code"), message: e.optStr("Message") };
    failed.set(
      key,
      errorFromS3Fields(fields, { provider: http.provider, request, requestId, what: `Delete of ${key}` }),
    );
  }
  return names.map((name) => {
    const error = failed.get(name);
    return error ? { name, error } : { name };
  });
}
