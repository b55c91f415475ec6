/**
 * The pagination schemes providers use, each a thin mapping onto `paginate`, which enforces the rules
 * (no silent truncation, loop detection, limit, page bound, abort).
 */
import { OmnicloudError, ProviderError } from "../errors.js";
import { findLink, parseLinkHeader } from "./link-header.js";
import { type PageRequest, type Paginated, type PaginateOptions, paginate } from "./paginate.js";

/** What every scheme accepts besides its fetch. */
export type ListOptions = Pick<
  PaginateOptions<unknown, unknown>,
  "what" | "pageSize" | "limit" | "signal" | "maxPages" | "provider"
>;

// ---- next token in the body: NextToken, nextPageToken, continuation, meta.links.next, links.pages.next ----

export interface TokenPage<T> {
  items: T[];
  /** "" and null mean "no more", as providers send both. */
  nextToken?: string | null | undefined;
  /** The provider's "there is more" flag where it has one (S3 ListObjectsV2's IsTruncated). */
  truncated?: boolean | undefined;
}

export interface TokenListOptions<T> extends ListOptions {
  fetch: (token: string | undefined, request: PageRequest) => Promise<TokenPage<T>>;
  /** Resume from a token a previous listing returned. */
  startToken?: string | undefined;
}

export function paginateByToken<T>(o: TokenListOptions<T>): Paginated<T, string> {
  return paginate<T, string>({
    ...common(o),
    first: o.startToken,
    fetch: async (token, request) => {
      const page = await o.fetch(token, request);
      return { items: page.items, next: page.nextToken, truncated: page.truncated };
    },
  });
}

// ---- marker (S3 ListObjects v1, Swift, Azure-style): resume after the last key seen ----

export interface MarkerPage<T> {
  items: T[];
  isTruncated: boolean;
  /** Sent by S3 only when a delimiter was given; otherwise the next marker is the last key. */
  nextMarker?: string | null | undefined;
}

export interface MarkerListOptions<T> extends ListOptions {
  fetch: (marker: string | undefined, request: PageRequest) => Promise<MarkerPage<T>>;
  /** The key of an item, used as the next marker when the provider sends none. */
  keyOf: (item: T) => string;
  startMarker?: string | undefined;
}

export function paginateByMarker<T>(o: MarkerListOptions<T>): Paginated<T, string> {
  return paginate<T, string>({
    ...common(o),
    first: o.startMarker,
    fetch: async (marker, request) => {
      const page = await o.fetch(marker, request);
      const last = page.items.at(-1);
      const next = page.nextMarker || (page.isTruncated && last !== undefined ? o.keyOf(last) : undefined);
      // An empty truncated page with no NextMarker leaves nothing to resume from: paginate reports it.
      return { items: page.items, next, truncated: page.isTruncated };
    },
  });
}

// ---- RFC 8288 Link header with rel="next" ----

export interface LinkPage<T> {
  items: T[];
  /** The response's Link header(s), as received. */
  link?: string | readonly string[] | null | undefined;
}

export interface LinkListOptions<T> extends ListOptions {
  /** The first page's URL, with any page-size parameter already set. */
  url: string | URL;
  fetch: (url: string, request: PageRequest) => Promise<LinkPage<T>>;
}

export function paginateByLink<T>(o: LinkListOptions<T>): Paginated<T, string> {
  const first = String(o.url);
  return paginate<T, string>({
    ...common(o),
    first,
    fetch: async (url = first, request) => {
      const page = await o.fetch(url, request);
      return { items: page.items, next: nextLinkUrl(page.link, url, o) };
    },
  });
}

/** The absolute URL of the rel="next" link, resolved against the URL that was fetched. */
function nextLinkUrl(header: LinkPage<unknown>["link"], base: string, o: ListOptions): string | undefined {
  try {
    const next = findLink(parseLinkHeader(header), "next");
    return next === undefined ? undefined : new URL(next.uri, base).href;
  } catch (err) {
    const detail = err instanceof OmnicloudError ? err.message : "its next link is not a valid URL";
    throw new ProviderError(`${o.what}: ${detail}`, { provider: o.provider, cause: err });
  }
}

// ---- page numbers: page=1,2,3,... ----

export interface NumberedPage<T> {
  items: T[];
  /** Number of pages, when the provider reports it. */
  totalPages?: number | null | undefined;
  /** Number of items in the whole list, when the provider reports it. */
  totalItems?: number | null | undefined;
  /** The provider's own "this is the last page" flag, when it has one. */
  lastPage?: boolean | null | undefined;
}

export interface PageNumberListOptions<T> extends ListOptions {
  fetch: (page: number, request: PageRequest) => Promise<NumberedPage<T>>;
  /** Number of the first page (default 1; some APIs count from 0). */
  firstPage?: number | undefined;
  /**
   * End at the first page shorter than `pageSize`. Off by default: providers cap page sizes below what
   * was asked, so a short page does not prove the end. Turn on only where the provider documents it.
   */
  trustShortPages?: boolean | undefined;
}

/**
 * Ends when the provider says so (lastPage, totalPages, totalItems) or a page comes back empty. Without
 * any of those this costs one extra request for the empty page: the price of not guessing.
 */
export function paginateByPageNumber<T>(o: PageNumberListOptions<T>): Paginated<T, number> {
  const firstPage = o.firstPage ?? 1;
  // Counting items needs state per listing, so each iteration gets its own paginate.
  return perIteration(() => {
    let seen = 0;
    return paginate<T, number>({
      ...common(o),
      first: firstPage,
      fetch: async (page = firstPage, request) => {
        const result = await o.fetch(page, request);
        seen += result.items.length;
        const pagesDone = page - firstPage + 1;
        const atEnd =
          result.items.length === 0 ||
          result.lastPage === true ||
          (result.lastPage !== false &&
            ((isCount(result.totalPages) && pagesDone >= result.totalPages) ||
              (isCount(result.totalItems) && seen >= result.totalItems) ||
              isShort(o, result.items.length, request)));
        return { items: result.items, next: atEnd ? undefined : page + 1 };
      },
    });
  });
}

// ---- offset and limit: offset=0,100,200,... ----

export interface OffsetPage<T> {
  items: T[];
  /** Number of items in the whole list, when the provider reports it. */
  total?: number | null | undefined;
}

export interface OffsetListOptions<T> extends ListOptions {
  fetch: (offset: number, request: PageRequest) => Promise<OffsetPage<T>>;
  /** Offset of the first item to list (default 0). */
  start?: number | undefined;
  /** As for page numbers: a short page ends the listing only when this is set. */
  trustShortPages?: boolean | undefined;
}

/** The next offset is advanced by the items received, not by pageSize, since the provider may cap pages. */
export function paginateByOffset<T>(o: OffsetListOptions<T>): Paginated<T, number> {
  const start = o.start ?? 0;
  return paginate<T, number>({
    ...common(o),
    first: start,
    fetch: async (offset = start, request) => {
      const result = await o.fetch(offset, request);
      const reached = offset + result.items.length;
      const atEnd =
        result.items.length === 0 ||
        (isCount(result.total) && reached >= result.total) ||
        isShort(o, result.items.length, request);
      return { items: result.items, next: atEnd ? undefined : reached };
    },
  });
}

// ---- shared bits ----

function common(o: ListOptions): ListOptions {
  return {
    what: o.what,
    pageSize: o.pageSize,
    limit: o.limit,
    signal: o.signal,
    maxPages: o.maxPages,
    provider: o.provider,
  };
}

function isCount(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isShort(o: { trustShortPages?: boolean | undefined }, count: number, request: PageRequest): boolean {
  return o.trustShortPages === true && request.pageSize !== undefined && count < request.pageSize;
}

/** A Paginated whose every use builds a fresh one, so per-listing state never leaks between uses. */
function perIteration<T, C>(make: () => Paginated<T, C>): Paginated<T, C> {
  return {
    [Symbol.asyncIterator]: () => make()[Symbol.asyncIterator](),
    pages: () => make().pages(),
    toArray: () => make().toArray(),
    first: () => make().first(),
  };
}
