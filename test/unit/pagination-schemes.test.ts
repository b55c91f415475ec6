import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/core/errors.js";
import {
  type PageRequest,
  paginateByLink,
  paginateByMarker,
  paginateByOffset,
  paginateByPageNumber,
  paginateByToken,
} from "../../src/core/pagination.js";

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/** A list of `total` numbered items served `cap` at a time at most, whatever page size is asked. */
function numbered(total: number, cap = Number.POSITIVE_INFINITY) {
  const all = Array.from({ length: total }, (_, i) => i + 1);
  return {
    slice: (offset: number, size: number | undefined) =>
      all.slice(offset, offset + Math.min(size ?? 10, cap)),
  };
}

describe("paginateByToken", () => {
  it("follows next tokens until none, treating '' as the end", async () => {
    const tokens: (string | undefined)[] = [];
    const pages: Record<string, { items: string[]; nextToken: string }> = {
      "": { items: ["a"], nextToken: "t1" },
      t1: { items: ["b"], nextToken: "t2" },
      t2: { items: ["c"], nextToken: "" },
    };
    const list = paginateByToken({
      what: "gce ListInstances",
      fetch: async (token) => {
        tokens.push(token);
        return pages[token ?? ""]!;
      },
    });
    expect(await list.toArray()).toEqual(["a", "b", "c"]);
    expect(tokens).toEqual([undefined, "t1", "t2"]);
  });

  it("resumes from a start token", async () => {
    const list = paginateByToken({ what: "l", startToken: "t9", fetch: async (t) => ({ items: [t] }) });
    expect(await list.toArray()).toEqual(["t9"]);
  });

  it("honours a truncated flag beside the token (S3 ListObjectsV2)", async () => {
    const list = paginateByToken({
      what: "s3 ListObjectsV2",
      fetch: async () => ({ items: [1], truncated: true }),
    });
    expect(await rejection(list.toArray())).toBeInstanceOf(ProviderError);
  });

  it("detects a token loop", async () => {
    const list = paginateByToken({ what: "l", fetch: async () => ({ items: [1], nextToken: "same" }) });
    expect((await rejection(list.toArray())).message).toContain("a second time");
  });
});

describe("paginateByMarker", () => {
  const keys = ["a", "b", "c", "d", "e"];
  const listObjects = (withNextMarker: boolean) => {
    const markers: (string | undefined)[] = [];
    const fetch = async (marker: string | undefined, request: PageRequest) => {
      markers.push(marker);
      const from = marker === undefined ? 0 : keys.indexOf(marker) + 1;
      const items = keys.slice(from, from + (request.pageSize ?? 2)).map((key) => ({ key }));
      const isTruncated = from + items.length < keys.length;
      return {
        items,
        isTruncated,
        nextMarker: withNextMarker && isTruncated ? items.at(-1)!.key : undefined,
      };
    };
    return { fetch, markers };
  };

  it("uses the last key as the next marker when the provider sends no NextMarker", async () => {
    const s3 = listObjects(false);
    const list = paginateByMarker({
      what: "s3 ListObjects",
      fetch: s3.fetch,
      keyOf: (o) => o.key,
      pageSize: 2,
    });
    expect((await list.toArray()).map((o) => o.key)).toEqual(keys);
    expect(s3.markers).toEqual([undefined, "b", "d"]);
  });

  it("prefers NextMarker when sent", async () => {
    let sawNextMarker = false;
    const list = paginateByMarker({
      what: "s3 ListObjects",
      fetch: async (marker) => {
        if (marker === undefined) return { items: [{ key: "a" }], isTruncated: true, nextMarker: "prefix/" };
        sawNextMarker = marker === "prefix/";
        return { items: [{ key: "z" }], isTruncated: false };
      },
      keyOf: (o) => o.key,
    });
    expect((await list.toArray()).map((o) => o.key)).toEqual(["a", "z"]);
    expect(sawNextMarker).toBe(true);
  });

  it("ends when IsTruncated is false even if a NextMarker is present", async () => {
    let calls = 0;
    const list = paginateByMarker({
      what: "s3 ListObjects",
      fetch: async () => {
        calls++;
        return { items: [{ key: "a" }], isTruncated: false, nextMarker: "a" };
      },
      keyOf: (o) => o.key,
    });
    expect(await list.toArray()).toHaveLength(1);
    expect(calls).toBe(1);
  });

  it("throws on a truncated empty page with no NextMarker: nothing to resume from", async () => {
    const list = paginateByMarker<{ key: string }>({
      what: "s3 ListObjects of photos",
      fetch: async () => ({ items: [], isTruncated: true }),
      keyOf: (o) => o.key,
    });
    expect((await rejection(list.toArray())).message).toMatch(/^s3 ListObjects of photos: .*truncated/);
  });

  it("throws when the marker does not advance", async () => {
    const list = paginateByMarker({
      what: "s3 ListObjects",
      fetch: async () => ({ items: [{ key: "a" }], isTruncated: true }),
      keyOf: (o) => o.key,
    });
    expect((await rejection(list.toArray())).message).toContain('cursor "a" a second time');
  });
});

describe("paginateByLink", () => {
  it("follows rel=next links, resolving relative ones against the fetched URL", async () => {
    const fetched: string[] = [];
    const headers: Record<string, string | string[] | undefined> = {
      "https://api.x.com/v1/items?per_page=2":
        '<https://api.x.com/v1/items?page=2&per_page=2>; rel="next", <https://api.x.com/v1/items?page=3&per_page=2>; rel="last"',
      "https://api.x.com/v1/items?page=2&per_page=2": [
        '<?page=1&per_page=2>; rel="prev"',
        '</v1/items?page=3&per_page=2>; rel="next"',
      ],
      "https://api.x.com/v1/items?page=3&per_page=2":
        '<https://api.x.com/v1/items?page=2&per_page=2>; rel="prev"',
    };
    const list = paginateByLink({
      what: "github ListThings",
      url: new URL("https://api.x.com/v1/items?per_page=2"),
      fetch: async (url) => {
        fetched.push(url);
        return { items: [fetched.length], link: headers[url] };
      },
    });
    expect(await list.toArray()).toEqual([1, 2, 3]);
    expect(fetched).toEqual(Object.keys(headers));
  });

  it("ends when there is no Link header or no next link", async () => {
    const list = paginateByLink({
      what: "l",
      url: "https://x/",
      fetch: async () => ({ items: [1], link: undefined }),
    });
    expect(await list.toArray()).toEqual([1]);
  });

  it("raises a ProviderError naming the listing for a malformed Link header", async () => {
    const list = paginateByLink({
      what: "github ListThings",
      provider: "github",
      url: "https://x/",
      fetch: async () => ({ items: [1], link: "<https://x/?page=2; rel=next" }),
    });
    const err = await rejection(list.toArray());
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.message).toMatch(/^github ListThings: The Link header is malformed/);
  });

  it("detects a next link pointing back to a page already read", async () => {
    const list = paginateByLink({
      what: "l",
      url: "https://x/?page=1",
      fetch: async (url) => ({ items: [url], link: '<https://x/?page=1>; rel="next"' }),
    });
    expect(await rejection(list.toArray())).toBeInstanceOf(ProviderError);
  });
});

describe("paginateByPageNumber", () => {
  it("does not take a short page as the end: providers cap page sizes", async () => {
    const source = numbered(25, 10); // asks for 50, gets 10 at most
    const asked: number[] = [];
    const list = paginateByPageNumber({
      what: "linode ListInstances",
      pageSize: 50,
      fetch: async (page, request) => {
        asked.push(page);
        return { items: source.slice((page - 1) * 10, request.pageSize) };
      },
    });
    expect(await list.toArray()).toHaveLength(25);
    expect(asked).toEqual([1, 2, 3, 4]); // page 4 came back empty: that, not the short page 3, ended it
  });

  it("ends at the reported number of pages", async () => {
    const asked: number[] = [];
    const list = paginateByPageNumber({
      what: "l",
      fetch: async (page) => {
        asked.push(page);
        return { items: [page], totalPages: 3 };
      },
    });
    expect(await list.toArray()).toEqual([1, 2, 3]);
    expect(asked).toEqual([1, 2, 3]);
  });

  it("ends when the reported number of items has been seen", async () => {
    const source = numbered(7, 3);
    let calls = 0;
    const list = paginateByPageNumber({
      what: "l",
      pageSize: 3,
      fetch: async (page) => {
        calls++;
        return { items: source.slice((page - 1) * 3, 3), totalItems: 7 };
      },
    });
    expect(await list.toArray()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(calls).toBe(3);
  });

  it("counts items per listing, so using it twice gives the same answer", async () => {
    const source = numbered(4, 2);
    const list = paginateByPageNumber({
      what: "l",
      fetch: async (page) => ({ items: source.slice((page - 1) * 2, 2), totalItems: 4 }),
    });
    expect(await list.toArray()).toEqual([1, 2, 3, 4]);
    expect(await list.toArray()).toEqual([1, 2, 3, 4]);
  });

  it("follows the provider's last-page flag", async () => {
    const list = paginateByPageNumber({
      what: "l",
      fetch: async (page) => ({ items: [page], lastPage: page === 2 }),
    });
    expect(await list.toArray()).toEqual([1, 2]);
  });

  it("ends on a short page only when told to trust short pages", async () => {
    const source = numbered(5, 100);
    let calls = 0;
    const list = paginateByPageNumber({
      what: "l",
      pageSize: 2,
      trustShortPages: true,
      fetch: async (page, request) => {
        calls++;
        return { items: source.slice((page - 1) * 2, request.pageSize) };
      },
    });
    expect(await list.toArray()).toEqual([1, 2, 3, 4, 5]);
    expect(calls).toBe(3);
  });

  it("counts from the given first page", async () => {
    const asked: number[] = [];
    const list = paginateByPageNumber({
      what: "l",
      firstPage: 0,
      fetch: async (page) => {
        asked.push(page);
        return { items: [page], totalPages: 2 };
      },
    });
    expect(await list.toArray()).toEqual([0, 1]);
    expect(asked).toEqual([0, 1]);
  });

  it("stops at limit without asking for the empty page", async () => {
    let calls = 0;
    const list = paginateByPageNumber({
      what: "l",
      pageSize: 2,
      limit: 3,
      fetch: async (page) => {
        calls++;
        return { items: [page * 10, page * 10 + 1] };
      },
    });
    expect(await list.toArray()).toEqual([10, 11, 20]);
    expect(calls).toBe(2);
  });

  it("is bounded by maxPages when the provider never ends", async () => {
    const list = paginateByPageNumber({ what: "l", maxPages: 4, fetch: async (page) => ({ items: [page] }) });
    expect((await rejection(list.toArray())).message).toContain("after 4 pages");
  });
});

describe("paginateByOffset", () => {
  it("advances by the items received, not the page size asked", async () => {
    const source = numbered(12, 5);
    const offsets: number[] = [];
    const list = paginateByOffset({
      what: "l",
      pageSize: 100,
      fetch: async (offset, request) => {
        offsets.push(offset);
        return { items: source.slice(offset, request.pageSize) };
      },
    });
    expect(await list.toArray()).toEqual(numbered(12).slice(0, 100));
    expect(offsets).toEqual([0, 5, 10, 12]);
  });

  it("ends when the total is reached", async () => {
    const source = numbered(12, 5);
    const offsets: number[] = [];
    const list = paginateByOffset({
      what: "l",
      fetch: async (offset) => {
        offsets.push(offset);
        return { items: source.slice(offset, 5), total: 12 };
      },
    });
    expect(await list.toArray()).toHaveLength(12);
    expect(offsets).toEqual([0, 5, 10]);
  });

  it("ends on a short page only when told to trust short pages", async () => {
    const source = numbered(8, 100);
    const offsets: number[] = [];
    const list = paginateByOffset({
      what: "l",
      pageSize: 3,
      trustShortPages: true,
      start: 1,
      fetch: async (offset, request) => {
        offsets.push(offset);
        return { items: source.slice(offset, request.pageSize) };
      },
    });
    expect(await list.toArray()).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(offsets).toEqual([1, 4, 7]); // [8] was short: no request for offset 8
  });
});
