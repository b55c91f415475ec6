/**
 * Blob storage's listings, each an AsyncIterable over the real marker pagination (core `paginate`, which
 * refuses to stop early or loop): containers (List Containers) and blobs with their "directories" (List
 * Blobs, flat or with a delimiter, whose BlobPrefix entries become prefix entries).
 */
import type { DocReader } from "../../core/codec/read.js";
import { readXml } from "../../core/codec/xml.js";
import { type Paginated, paginate } from "../../core/pagination/paginate.js";
import type { ContainerInfo, ListEntry } from "../../storage/types.js";
import { type BlobHttp, hexMd5, unquote } from "./blob-requests.js";

/**
 * A name as listed. Since 2019-12-12 the service percent-encodes names holding characters XML cannot carry
 * and marks them `Encoded="true"`; others are text as stored (spaces included, so the XML is not trimmed).
 */
function nameOf(item: DocReader): string {
  const text = item.str("Name");
  const raw = item.raw("Name");
  const encoded =
    typeof raw === "object" && raw !== null && (raw as Record<string, unknown>)["@_Encoded"] === "true";
  return encoded ? decodeURIComponent(text) : text;
}

/** An answer's NextMarker: absent or empty means the listing is complete. */
function nextMarker(doc: DocReader): string | undefined {
  return doc.optStr("EnumerationResults.NextMarker") || undefined;
}

export function listContainers(
  http: BlobHttp,
  signal: AbortSignal | undefined,
): Paginated<ContainerInfo, string> {
  const context = { provider: http.provider, operation: "List Containers" };
  return paginate<ContainerInfo, string>({
    what: `${http.provider} List Containers`,
    provider: http.provider,
    signal,
    fetch: async (marker) => {
      const res = await http.send("Service_ListContainersSegment", {
        method: "GET",
        query: { comp: "list", marker },
        signal,
      });
      // Container names hold no spaces: layout whitespace is trimmed away with the rest.
      const doc = readXml(res.body, context);
      const items = doc
        .list("EnumerationResults.Containers.Container")
        .map((c): ContainerInfo => ({ name: c.str("Name") }));
      return { items, next: nextMarker(doc) };
    },
  });
}

export interface BlobListOptions {
  prefix?: string | undefined;
  delimiter?: string | undefined;
  pageSize?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** Entries of one List Blobs page, in the order the service sent them. */
export function blobPage(
  body: Buffer,
  container: string,
  provider: string,
): { items: ListEntry[]; next: string | undefined } {
  const doc = readXml(body, { provider, operation: "List Blobs" }, { trim: false });
  const blobs = doc.list("EnumerationResults.Blobs.Blob").map((b): ListEntry => {
    const p = b.optAt("Properties");
    const entry: ListEntry = {
      kind: "object",
      container,
      name: nameOf(b),
      size: p?.optInt("Content-Length") ?? 0,
      metadata: {},
      checksums: {},
    };
    const md5 = hexMd5(p?.optStr("Content-MD5"));
    if (md5) entry.checksums.md5 = md5;
    const etag = unquote(p?.optStr("Etag"));
    if (etag) entry.etag = etag;
    const modified = p?.optDate("Last-Modified");
    if (modified) entry.lastModified = modified;
    const type = p?.optStr("Content-Type");
    if (type) entry.contentType = type;
    const cache = p?.optStr("Cache-Control");
    if (cache) entry.cacheControl = cache;
    const disposition = p?.optStr("Content-Disposition");
    if (disposition) entry.contentDisposition = disposition;
    return entry;
  });
  const prefixes = doc
    .list("EnumerationResults.Blobs.BlobPrefix")
    .map((p): ListEntry => ({ kind: "prefix", container, name: nameOf(p) }));
  return { items: merge(blobs, prefixes), next: nextMarker(doc) };
}

/** UTF-8 byte order, the order the service lists names in. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Blobs and prefixes of one page in name order. The parser groups <Blob> and <BlobPrefix> elements by
 * name, and servers differ in how they place them (Azure interleaves them in name order, Azurite sends the
 * prefixes first), so the two lists, each in order, are merged.
 */
function merge(blobs: ListEntry[], prefixes: ListEntry[]): ListEntry[] {
  if (prefixes.length === 0) return blobs;
  if (blobs.length === 0) return prefixes;
  const out: ListEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < blobs.length || j < prefixes.length) {
    const x = blobs[i];
    const y = prefixes[j];
    if (y === undefined || (x !== undefined && compareNames(x.name, y.name) <= 0)) {
      out.push(x as ListEntry);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

export function listBlobs(
  http: BlobHttp,
  container: string,
  options: BlobListOptions,
): Paginated<ListEntry, string> {
  const hierarchy = options.delimiter !== undefined;
  return paginate<ListEntry, string>({
    what: `${http.provider} List Blobs of container ${container}`,
    provider: http.provider,
    pageSize: options.pageSize,
    signal: options.signal,
    fetch: async (marker, request) => {
      const res = await http.send(
        hierarchy ? "Container_ListBlobHierarchySegment" : "Container_ListBlobFlatSegment",
        {
          method: "GET",
          container,
          query: {
            restype: "container",
            comp: "list",
            prefix: options.prefix,
            delimiter: options.delimiter,
            marker,
            maxresults: request.pageSize,
          },
          signal: options.signal,
        },
      );
      return blobPage(res.body, container, http.provider);
    },
  });
}

/**
 * True when the container holds at least one (committed) blob. The service may answer a page with no items
 * and a marker (it stops early on time limits), so empty pages are followed, a bounded number of times.
 */
export async function hasBlobs(
  http: BlobHttp,
  container: string,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  let marker: string | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await http.send("Container_ListBlobFlatSegment", {
      method: "GET",
      container,
      query: { restype: "container", comp: "list", maxresults: 1, marker },
      signal,
    });
    const { items, next } = blobPage(res.body, container, http.provider);
    if (items.length > 0) return true;
    if (next === undefined) return false;
    marker = next;
  }
  // Still unsure after that many empty pages: say "not empty", the safe answer for a delete guard.
  return true;
}
