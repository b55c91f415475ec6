/**
 * Swift's JSON listings (`?format=json`) over marker pagination through core `paginate`: the account's
 * containers and a container's objects, with `subdir` entries of a delimited listing as prefix entries.
 */
import { ProviderError } from "../../core/errors.js";
import { type Paginated, paginate } from "../../core/pagination/paginate.js";
import type { ContainerInfo, ListEntry } from "../../storage/types.js";
import type { SwiftHttp } from "./swift-requests.js";

/** Swift's default and maximum page. */
const PAGE = 10_000;

interface RawEntry {
  name?: string;
  subdir?: string;
  bytes?: number;
  hash?: string;
  last_modified?: string;
  content_type?: string;
}

function parse(body: Buffer, provider: string, what: string): RawEntry[] {
  if (body.length === 0) return [];
  const doc: unknown = JSON.parse(body.toString("utf8"));
  if (!Array.isArray(doc)) throw new ProviderError(`${what}: expected a JSON array`, { provider });
  return doc as RawEntry[];
}

/** Swift's listing times are UTC without a zone. */
const utc = (t: string): Date => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);

/**
 * The marker after a page's last entry. For a subdir ("a/") every name under it must be skipped, or the
 * next page would start inside it and repeat the prefix: the marker is the prefix with its last character
 * raised by one ("a0"), which sorts after every "a/…" name and before anything that follows.
 */
function markerAfter(entry: RawEntry): string | undefined {
  if (entry.subdir !== undefined) {
    const s = entry.subdir;
    return s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) + 1);
  }
  return entry.name;
}

export function listContainers(
  http: SwiftHttp,
  signal: AbortSignal | undefined,
): Paginated<ContainerInfo, string> {
  const what = `${http.provider} list containers`;
  return paginate<ContainerInfo, string>({
    what,
    provider: http.provider,
    signal,
    fetch: async (marker) => {
      const res = await http.send({ method: "GET", query: { format: "json", marker, limit: PAGE }, signal });
      const raw = parse(res.body, http.provider, what);
      const items = raw.flatMap((c) => (c.name === undefined ? [] : [{ name: c.name }]));
      return { items, next: raw.length >= PAGE ? markerAfter(raw[raw.length - 1]!) : undefined };
    },
  });
}

export function listObjects(
  http: SwiftHttp,
  container: string,
  options: {
    prefix?: string | undefined;
    delimiter?: string | undefined;
    pageSize?: number | undefined;
    signal?: AbortSignal | undefined;
  },
): Paginated<ListEntry, string> {
  const what = `${http.provider} list objects of container ${container}`;
  return paginate<ListEntry, string>({
    what,
    provider: http.provider,
    pageSize: options.pageSize,
    signal: options.signal,
    fetch: async (marker, request) => {
      const limit = Math.min(request.pageSize ?? PAGE, PAGE);
      const res = await http.send({
        method: "GET",
        container,
        query: { format: "json", prefix: options.prefix, delimiter: options.delimiter, marker, limit },
        signal: options.signal,
      });
      const raw = parse(res.body, http.provider, what);
      const items = raw.map((e): ListEntry => {
        if (e.subdir !== undefined) return { kind: "prefix", container, name: e.subdir };
        const entry: ListEntry = {
          kind: "object",
          container,
          name: e.name ?? "",
          size: e.bytes ?? 0,
          metadata: {},
          checksums: {},
        };
        if (e.hash) entry.etag = e.hash;
        if (e.last_modified) entry.lastModified = utc(e.last_modified);
        if (e.content_type) entry.contentType = e.content_type;
        return entry;
      });
      // A full page may have more after it; a short one is the end.
      return { items, next: raw.length >= limit ? markerAfter(raw[raw.length - 1]!) : undefined };
    },
  });
}
