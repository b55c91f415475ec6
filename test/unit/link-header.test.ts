import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/core/errors.js";
import { findLink, parseLinkHeader } from "../../src/core/pagination.js";

describe("parseLinkHeader", () => {
  it("parses several links with quoted and bare relations", () => {
    const links = parseLinkHeader(
      '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel=last',
    );
    expect(links).toEqual([
      { uri: "https://api.github.com/x?page=2", rel: ["next"], params: { rel: "next" } },
      { uri: "https://api.github.com/x?page=5", rel: ["last"], params: { rel: "last" } },
    ]);
  });

  it("keeps commas and semicolons inside URIs and quoted values", () => {
    const links = parseLinkHeader('<https://x/a?ids=1,2;3>; title="a, b; c", <https://x/b>; rel="next"');
    expect(links).toHaveLength(2);
    expect(links[0]).toEqual({ uri: "https://x/a?ids=1,2;3", rel: [], params: { title: "a, b; c" } });
    expect(findLink(links, "next")?.uri).toBe("https://x/b");
  });

  it("splits space-separated relation types and compares them case-insensitively", () => {
    const links = parseLinkHeader('<https://x/2>; REL="Next Last"');
    expect(links[0]!.rel).toEqual(["next", "last"]);
    expect(findLink(links, "NEXT")?.uri).toBe("https://x/2");
    expect(findLink(links, "last")?.uri).toBe("https://x/2");
    expect(findLink(links, "prev")).toBeUndefined();
  });

  it("unescapes quoted-pairs and keeps the first occurrence of a parameter", () => {
    const [link] = parseLinkHeader('<a>; title="say \\"hi\\""; rel="next"; rel="prev"');
    expect(link!.params).toEqual({ title: 'say "hi"', rel: "next" });
    expect(link!.rel).toEqual(["next"]);
  });

  it("tolerates whitespace, empty list elements, empty params and valueless params", () => {
    const links = parseLinkHeader(' ,  < /p?page=3 >  ;  rel = "next" ;; crossorigin ; , ,<b>,');
    expect(links).toEqual([
      { uri: "/p?page=3", rel: ["next"], params: { rel: "next", crossorigin: "" } },
      { uri: "b", rel: [], params: {} },
    ]);
  });

  it("accepts repeated headers as an array and empty input", () => {
    expect(parseLinkHeader(['<a>; rel="prev"', '<b>; rel="next"']).map((l) => l.uri)).toEqual(["a", "b"]);
    expect(parseLinkHeader("")).toEqual([]);
    expect(parseLinkHeader(undefined)).toEqual([]);
    expect(parseLinkHeader(null)).toEqual([]);
  });

  it("takes extended parameters and slightly-off bare values as written", () => {
    const [link] = parseLinkHeader("<a>; title*=UTF-8'de'n%c3%a4chstes; type=text/html");
    expect(link!.params).toEqual({ "title*": "UTF-8'de'n%c3%a4chstes", type: "text/html" });
  });

  it.each([
    ["no angle brackets", "https://x/2; rel=next"],
    ["an unclosed '<'", "<https://x/2; rel=next"],
    ["an unclosed quote", '<a>; rel="next'],
    ["junk after the link", "<a> junk"],
    ["a parameter without a name", "<a>; =next"],
  ])("raises a ProviderError for %s rather than silently losing links", (_name, header) => {
    expect(() => parseLinkHeader(header)).toThrow(ProviderError);
    expect(() => parseLinkHeader(header)).toThrow(/The Link header is malformed at character \d+/);
  });

  it("hides credentials when quoting a malformed header", () => {
    let message = "";
    try {
      parseLinkHeader("<https://x/?access_token=sekrit123");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("malformed");
    expect(message).not.toContain("sekrit123");
  });
});
