import { describe, expect, it } from "vitest";
import { AbortedError, InvalidInputError, ProviderError } from "../../src/core/errors.js";
import { type PageRequest, type PageResult, paginate } from "../../src/core/pagination.js";

type Fetch<C> = (cursor: C | undefined, request: PageRequest) => Promise<PageResult<number, C>>;

/** A provider whose pages are keyed by cursor ("" for the first), recording every call. */
function provider(pages: Record<string, PageResult<number, string>>) {
  const calls: { cursor: string | undefined; request: PageRequest }[] = [];
  const fetch: Fetch<string> = async (cursor, request) => {
    calls.push({ cursor, request });
    const page = pages[cursor ?? ""];
    if (!page) throw new Error(`no page for cursor ${cursor}`);
    return page;
  };
  return { fetch, calls };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

const threePages = {
  "": { items: [1, 2], next: "b" },
  b: { items: [3, 4], next: "c" },
  c: { items: [5] },
};

describe("paginate", () => {
  it("follows cursors to the end and iterates items", async () => {
    const p = provider(threePages);
    const seen: number[] = [];
    for await (const item of paginate({ what: "list", fetch: p.fetch })) seen.push(item);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(p.calls.map((c) => c.cursor)).toEqual([undefined, "b", "c"]);
    expect(p.calls.map((c) => c.request.pageIndex)).toEqual([0, 1, 2]);
  });

  it("starts from the given first cursor", async () => {
    const p = provider(threePages);
    expect(await paginate({ what: "list", first: "b", fetch: p.fetch }).toArray()).toEqual([3, 4, 5]);
  });

  it("yields pages with their cursors", async () => {
    const pages = [];
    for await (const page of paginate({ what: "list", fetch: provider(threePages).fetch }).pages())
      pages.push(page);
    expect(pages).toEqual([
      { items: [1, 2], cursor: undefined, next: "b", index: 0, cutByLimit: false },
      { items: [3, 4], cursor: "b", next: "c", index: 1, cutByLimit: false },
      { items: [5], cursor: "c", next: undefined, index: 2, cutByLimit: false },
    ]);
  });

  it("treats null and empty-string cursors as the end", async () => {
    const p = provider({ "": { items: [1], next: "b" }, b: { items: [2], next: "" } });
    expect(await paginate({ what: "list", fetch: p.fetch }).toArray()).toEqual([1, 2]);
    const q = paginate<number, string>({ what: "list", fetch: async () => ({ items: [1], next: null }) });
    expect(await q.toArray()).toEqual([1]);
  });

  it("starts afresh on every use", async () => {
    const p = provider(threePages);
    const list = paginate({ what: "list", fetch: p.fetch });
    expect(await list.toArray()).toEqual([1, 2, 3, 4, 5]);
    expect(await list.toArray()).toEqual([1, 2, 3, 4, 5]);
    expect(p.calls).toHaveLength(6);
  });

  it("first() fetches only what it needs and skips empty pages", async () => {
    const p = provider({ "": { items: [], next: "b" }, b: { items: [7, 8], next: "c" }, c: { items: [9] } });
    expect(await paginate({ what: "list", fetch: p.fetch }).first()).toBe(7);
    expect(p.calls).toHaveLength(2);
    expect(
      await paginate({ what: "list", fetch: provider({ "": { items: [] } }).fetch }).first(),
    ).toBeUndefined();
  });

  it("passes pageSize and the signal to every fetch", async () => {
    const p = provider(threePages);
    const signal = new AbortController().signal;
    await paginate({ what: "list", fetch: p.fetch, pageSize: 2, signal }).toArray();
    expect(p.calls.every((c) => c.request.pageSize === 2 && c.request.signal === signal)).toBe(true);
  });

  describe("truncation", () => {
    it("throws when the provider says truncated but gives no cursor, after handing out that page", async () => {
      const p = provider({ "": { items: [1], next: "b" }, b: { items: [2, 3], truncated: true } });
      const seen: number[] = [];
      const err = await rejection(
        (async () => {
          for await (const item of paginate({
            what: "s3 ListObjectsV2 of photos",
            fetch: p.fetch,
            provider: "s3",
          })) {
            seen.push(item);
          }
        })(),
      );
      expect(err).toBeInstanceOf(ProviderError);
      expect(err.message).toMatch(
        /^s3 ListObjectsV2 of photos: the provider says the list is truncated but gave no cursor/,
      );
      expect((err as ProviderError).provider).toBe("s3");
      expect(seen).toEqual([1, 2, 3]);
    });

    it("treats an empty-string cursor with truncated: true as truncation without a cursor", async () => {
      const p = provider({ "": { items: [1], next: "", truncated: true } });
      expect(await rejection(paginate({ what: "list", fetch: p.fetch }).toArray())).toBeInstanceOf(
        ProviderError,
      );
    });

    it("ends on truncated: false even when a cursor was sent", async () => {
      const p = provider({ "": { items: [1], next: "b", truncated: false } });
      expect(await paginate({ what: "list", fetch: p.fetch }).toArray()).toEqual([1]);
      expect(p.calls).toHaveLength(1);
    });

    it("follows truncated: true with a cursor", async () => {
      const p = provider({
        "": { items: [1], next: "b", truncated: true },
        b: { items: [2], truncated: false },
      });
      expect(await paginate({ what: "list", fetch: p.fetch }).toArray()).toEqual([1, 2]);
    });
  });

  describe("loop detection", () => {
    it("throws when a cursor repeats", async () => {
      const p = provider({
        "": { items: [1], next: "b" },
        b: { items: [2], next: "c" },
        c: { items: [3], next: "b" },
      });
      const err = await rejection(paginate({ what: "vultr ListImages", fetch: p.fetch }).toArray());
      expect(err).toBeInstanceOf(ProviderError);
      expect(err.message).toBe(
        'vultr ListImages: the provider returned the cursor "b" a second time; following it would loop',
      );
      expect(p.calls).toHaveLength(3);
    });

    it("throws when the next cursor is the first one", async () => {
      const p = provider({ a: { items: [1], next: "a" } });
      expect(
        await rejection(paginate({ what: "list", first: "a", fetch: p.fetch }).toArray()),
      ).toBeInstanceOf(ProviderError);
    });

    it("compares object cursors by value, or by the given key", async () => {
      let n = 0;
      const objects = paginate<number, { page: number; at: number }>({
        what: "list",
        fetch: async () => ({ items: [n], next: { page: 2, at: n++ } }),
        cursorKey: (c) => String(c.page),
      });
      expect(await rejection(objects.toArray())).toBeInstanceOf(ProviderError);
      const byValue = paginate<number, { page: number }>({
        what: "list",
        first: { page: 1 },
        fetch: async (c) => ({ items: [c!.page], next: c!.page < 3 ? { page: c!.page + 1 } : { page: 1 } }),
      });
      expect(await rejection(byValue.toArray())).toBeInstanceOf(ProviderError);
    });

    it("hides credentials in a repeated next-page URL", async () => {
      const url = "https://api.example.com/items?page=2&access_token=sekrit123";
      const p = provider({ "": { items: [1], next: url }, [url]: { items: [2], next: url } });
      const err = await rejection(paginate({ what: "list", fetch: p.fetch }).toArray());
      expect(err.message).not.toContain("sekrit123");
      expect(err.message).toContain("page=2");
    });
  });

  describe("limit", () => {
    it("stops after exactly limit items, mid-page, without fetching more", async () => {
      const p = provider(threePages);
      expect(await paginate({ what: "list", fetch: p.fetch, limit: 3 }).toArray()).toEqual([1, 2, 3]);
      expect(p.calls).toHaveLength(2);
    });

    it("stops at a page boundary without fetching the next page", async () => {
      const p = provider(threePages);
      expect(await paginate({ what: "list", fetch: p.fetch, limit: 2 }).toArray()).toEqual([1, 2]);
      expect(p.calls).toHaveLength(1);
    });

    it("marks the page that limit cut, and not one that ended naturally", async () => {
      const cut = [];
      for await (const page of paginate({
        what: "list",
        fetch: provider(threePages).fetch,
        limit: 3,
      }).pages()) {
        cut.push(page.cutByLimit);
      }
      expect(cut).toEqual([false, true]);
      const whole = [];
      for await (const page of paginate({
        what: "list",
        fetch: provider(threePages).fetch,
        limit: 5,
      }).pages()) {
        whole.push(page.cutByLimit);
      }
      expect(whole).toEqual([false, false, false]);
    });

    it("returns fewer than limit when the list is shorter", async () => {
      expect(
        await paginate({ what: "list", fetch: provider(threePages).fetch, limit: 50 }).toArray(),
      ).toHaveLength(5);
    });

    it("fetches nothing for limit 0", async () => {
      const p = provider(threePages);
      expect(await paginate({ what: "list", fetch: p.fetch, limit: 0 }).toArray()).toEqual([]);
      expect(p.calls).toHaveLength(0);
    });

    it("lowers pageSize to limit and keeps it for every page", async () => {
      const p = provider(threePages);
      await paginate({ what: "list", fetch: p.fetch, limit: 4, pageSize: 100 }).toArray();
      expect(p.calls.map((c) => c.request.pageSize)).toEqual([4, 4]);
    });

    it("does not raise a truncation problem when limit is already met", async () => {
      const p = provider({ "": { items: [1, 2], truncated: true } });
      expect(await paginate({ what: "list", fetch: p.fetch, limit: 2 }).toArray()).toEqual([1, 2]);
    });
  });

  it("throws after maxPages rather than looping forever", async () => {
    let n = 0;
    const endless = paginate<number, number>({
      what: "list",
      fetch: async () => ({ items: [n], next: ++n }),
      maxPages: 5,
    });
    const err = await rejection(endless.toArray());
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toContain("after 5 pages");
    expect(n).toBe(5);
  });

  it("allows exactly maxPages pages", async () => {
    expect(
      await paginate({ what: "list", fetch: provider(threePages).fetch, maxPages: 3 }).toArray(),
    ).toHaveLength(5);
  });

  describe("abort", () => {
    it("stops between pages with an AbortedError", async () => {
      const controller = new AbortController();
      const p = provider(threePages);
      const seen: number[] = [];
      const err = await rejection(
        (async () => {
          for await (const item of paginate({ what: "list", fetch: p.fetch, signal: controller.signal })) {
            seen.push(item);
            if (item === 2) controller.abort();
          }
        })(),
      );
      expect(err).toBeInstanceOf(AbortedError);
      expect(err.message).toContain("list was aborted");
      expect(seen).toEqual([1, 2]);
      expect(p.calls).toHaveLength(1);
    });

    it("does not fetch at all when already aborted, and keeps a typed reason", async () => {
      const p = provider(threePages);
      const reason = new AbortedError("shutting down");
      const err = await rejection(
        paginate({ what: "list", fetch: p.fetch, signal: AbortSignal.abort(reason) }).toArray(),
      );
      expect(err).toBe(reason);
      expect(p.calls).toHaveLength(0);
    });
  });

  it("propagates fetch errors unchanged", async () => {
    const boom = new Error("boom");
    const list = paginate<number, string>({ what: "list", fetch: async () => Promise.reject(boom) });
    expect(await rejection(list.toArray())).toBe(boom);
  });

  it.each([{ limit: -1 }, { limit: 1.5 }, { pageSize: 0 }, { maxPages: 0 }])(
    "refuses invalid options %o",
    (options) => {
      expect(() => paginate({ what: "list", fetch: provider(threePages).fetch, ...options })).toThrow(
        InvalidInputError,
      );
    },
  );
});
