/**
 * The one pagination loop every list in omnicloud runs on. Each provider scheme (tokens, markers, Link
 * headers, page numbers, offsets) only says how to find the next cursor; the rules that keep lists honest
 * live here once:
 *
 * - never truncate silently: "there is more" without a way to get it is an error, not the end;
 * - a cursor seen before means the provider is looping: an error, not an endless listing;
 * - `limit` is the caller's explicit stop, and the only way a listing ends before the provider's end;
 * - `maxPages` bounds the loop so a misbehaving provider cannot keep us busy forever;
 * - the caller's AbortSignal is honoured between pages (and passed to each fetch for within a page).
 */
import { InvalidInputError, ProviderError } from "../errors.js";
import { redactText, redactUrl } from "../redact.js";
import { abortedBy } from "../sleep.js";

/** What a scheme's fetch receives besides the cursor. */
export interface PageRequest {
  /** Items to ask for, or undefined for the provider's default. The same for every page of a listing. */
  pageSize: number | undefined;
  signal: AbortSignal | undefined;
  /** 0 for the first page. */
  pageIndex: number;
}

/** What a fetch answers: the page's items and how to go on. */
export interface PageResult<T, C> {
  items: T[];
  /** Cursor for the next page; undefined, null and "" all mean none. */
  next?: C | null | undefined;
  /**
   * The provider's own "there is more" flag where it has one (S3's IsTruncated). `true` with no `next` is an
   * error; `false` ends the listing even if a `next` was sent.
   */
  truncated?: boolean | undefined;
}

/** One page as `pages()` yields it. */
export interface Page<T, C> {
  items: T[];
  /** The cursor that fetched this page (undefined for a first page fetched without one). */
  cursor: C | undefined;
  /** The cursor of the following page, or undefined when this is the last one. */
  next: C | undefined;
  index: number;
  /**
   * True when `limit` ended the listing while the provider had more: `items` may then be fewer than the
   * page held, so resuming from `next` would skip some.
   */
  cutByLimit: boolean;
}

export interface PaginateOptions<T, C> {
  /** Names the listing in errors, e.g. "s3 ListObjectsV2 of bucket photos". */
  what: string;
  /** Cursor for the first page; undefined to start without one. */
  first?: C | undefined;
  fetch: (cursor: C | undefined, request: PageRequest) => Promise<PageResult<T, C>>;
  /** Items per page; lowered to `limit` when that is smaller. Default: the provider's. */
  pageSize?: number | undefined;
  /** Stop after exactly this many items. */
  limit?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Give up with an error after this many pages (default 100 000). */
  maxPages?: number | undefined;
  /** How to compare cursors for loop detection, for cursors that are neither strings nor numbers. */
  cursorKey?: ((cursor: C) => string) | undefined;
  /** Provider id, recorded on errors. */
  provider?: string | undefined;
}

/** A listing: iterate it for items, or use `pages()`, `toArray()` or `first()`. Each use starts afresh. */
export interface Paginated<T, C = unknown> extends AsyncIterable<T> {
  pages(): AsyncIterable<Page<T, C>>;
  toArray(): Promise<T[]>;
  /** The first item, fetching no more pages than needed (empty pages are skipped). */
  first(): Promise<T | undefined>;
}

export const DEFAULT_MAX_PAGES = 100_000;

export function paginate<T, C>(options: PaginateOptions<T, C>): Paginated<T, C> {
  checkOptions(options);
  const pages = (): AsyncIterable<Page<T, C>> => ({ [Symbol.asyncIterator]: () => pageLoop(options) });
  async function* items(): AsyncGenerator<T> {
    for await (const page of pages()) yield* page.items;
  }
  return {
    [Symbol.asyncIterator]: () => items(),
    pages,
    async toArray() {
      const out: T[] = [];
      for await (const item of items()) out.push(item);
      return out;
    },
    async first() {
      for await (const item of items()) return item;
      return undefined;
    },
  };
}

async function* pageLoop<T, C>(o: PaginateOptions<T, C>): AsyncGenerator<Page<T, C>> {
  const maxPages = o.maxPages ?? DEFAULT_MAX_PAGES;
  const pageSize =
    o.pageSize !== undefined && o.limit !== undefined ? Math.min(o.pageSize, o.limit) : o.pageSize;
  const keyOf = (cursor: C): string => (o.cursorKey ? o.cursorKey(cursor) : defaultCursorKey(cursor));
  const fail = (message: string, hint?: string): ProviderError =>
    new ProviderError(`${o.what}: ${message}`, { provider: o.provider, hint });

  let cursor = isCursor(o.first) ? o.first : undefined;
  const seen = new Set<string>();
  if (cursor !== undefined) seen.add(keyOf(cursor));
  let taken = 0;
  if (o.limit === 0) return;

  for (let index = 0; ; index++) {
    if (o.signal?.aborted) throw abortedBy(o.signal, o.what);
    if (index >= maxPages) {
      throw fail(
        `the provider still had more after ${maxPages} pages; stopping rather than risk an endless loop`,
        "Raise maxPages if the list really is this long",
      );
    }
    const result = await o.fetch(cursor, { pageSize, signal: o.signal, pageIndex: index });
    const next = isCursor(result.next) ? result.next : undefined;
    const more = result.truncated !== false && (next !== undefined || result.truncated === true);

    // Problems are raised after this page's items are handed out, so the caller keeps what did arrive.
    let problem: ProviderError | undefined;
    if (more && next === undefined) {
      problem = fail(
        `the provider says the list is truncated but gave no cursor for the next page; ` +
          `stopping here would silently drop the rest`,
      );
    } else if (more && next !== undefined) {
      const key = keyOf(next);
      if (seen.has(key)) {
        problem = fail(
          `the provider returned the cursor ${excerpt(next)} a second time; following it would loop`,
        );
      }
      seen.add(key);
    }

    let pageItems = result.items;
    let cutByLimit = false;
    if (o.limit !== undefined && taken + pageItems.length >= o.limit) {
      cutByLimit = taken + pageItems.length > o.limit || more;
      pageItems = pageItems.slice(0, o.limit - taken);
    }
    taken += pageItems.length;
    yield { items: pageItems, cursor, next: more ? next : undefined, index, cutByLimit };

    if (o.limit !== undefined && taken >= o.limit) return;
    if (problem) throw problem;
    if (!more) return;
    cursor = next;
  }
}

function checkOptions<T, C>(o: PaginateOptions<T, C>): void {
  const whole = (name: string, value: number | undefined, min: number): void => {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) {
      throw new InvalidInputError(
        `${o.what}: ${name} must be a whole number of at least ${min}, not ${value}`,
      );
    }
  };
  whole("limit", o.limit, 0);
  whole("pageSize", o.pageSize, 1);
  whole("maxPages", o.maxPages, 1);
}

function isCursor<C>(value: C | null | undefined): value is C {
  return value !== undefined && value !== null && (value as unknown) !== "";
}

function defaultCursorKey(cursor: unknown): string {
  if (typeof cursor === "string") return `s:${cursor}`;
  if (typeof cursor === "number" || typeof cursor === "bigint") return `n:${cursor}`;
  return `j:${JSON.stringify(cursor)}`;
}

/** A cursor for an error message: shortened, and with any credential a next-page URL might carry hidden. */
function excerpt(cursor: unknown): string {
  const text = typeof cursor === "string" ? cursor : (JSON.stringify(cursor) ?? String(cursor));
  const safe = /^https?:\/\//i.test(text) ? redactUrl(text) : redactText(text);
  return JSON.stringify(safe.length > 100 ? `${safe.slice(0, 100)}...` : safe);
}
