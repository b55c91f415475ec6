import { describe, expect, it } from "vitest";
import { parseXml, readXml } from "../../src/core/codec/xml.js";
import { ProviderError } from "../../src/core/errors.js";

const ctx = { provider: "s3", operation: "ListObjectsV2" };

function parseError(text: string): ProviderError {
  try {
    parseXml(text, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error("parseXml accepted invalid XML");
}

describe("parseXml", () => {
  it("keeps every value a string: leading zeros, exponents, booleans and quoted ETags survive", () => {
    const doc = parseXml(
      `<R><Id>0012</Id><N>1e5</N><B>true</B><ETag>"4397da7a"</ETag><Big>12345678901234567890</Big><Hex>0x1F</Hex></R>`,
      ctx,
    );
    expect(doc).toEqual({
      R: { Id: "0012", N: "1e5", B: "true", ETag: '"4397da7a"', Big: "12345678901234567890", Hex: "0x1F" },
    });
  });

  it("keeps attributes under the @_ prefix and text under #text, attribute values uncoerced", () => {
    const doc = parseXml(`<R xmlns="urn:x"><Size unit="b" n="007">12</Size><E only="1"/></R>`, ctx);
    expect(doc).toEqual({
      R: { "@_xmlns": "urn:x", Size: { "#text": "12", "@_unit": "b", "@_n": "007" }, E: { "@_only": "1" } },
    });
  });

  it("trims whitespace and drops pretty-printing; empty elements are empty strings", () => {
    const doc = parseXml(
      `<?xml version="1.0"?>\n<R>\n  <A>  a b  </A>\n  <Empty></Empty>\n  <Self/>\n</R>\n`,
      ctx,
    );
    expect(doc).toEqual({ R: { A: "a b", Empty: "", Self: "" } });
  });

  it("keeps whitespace that is data when trim is false, still dropping layout between elements", () => {
    const doc = parseXml(`<R>\n  <Key>  spaced key </Key>\n  <C><D> x</D></C>\n</R>`, ctx, { trim: false });
    expect(doc).toEqual({ R: { Key: "  spaced key ", C: { D: " x" } } });
  });

  it("makes repeated elements arrays and leaves single ones plain", () => {
    expect(parseXml(`<R><I>1</I><I>2</I><J>3</J></R>`, ctx)).toEqual({ R: { I: ["1", "2"], J: "3" } });
  });

  it("decodes the predefined entities and numeric character references, once", () => {
    const doc = parseXml(
      `<R a="&quot;x&quot; &#65;"><K>a &amp; b &lt;c&gt; &apos;&#x42;&#67;&#13;</K><L>&amp;#65;</L></R>`,
      ctx,
    );
    expect(doc).toEqual({ R: { "@_a": '"x" A', K: "a & b <c> 'BC\r", L: "&#65;" } });
  });

  it("leaves entities a DOCTYPE declares unexpanded and invalid character references as written", () => {
    const doc = parseXml(`<!DOCTYPE R [<!ENTITY e "boom">]><R><A>&e;</A><B>&#0;&#xD800;</B></R>`, ctx);
    expect(doc).toEqual({ R: { A: "&e;", B: "&#0;&#xD800;" } });
  });

  it("decodes CDATA sections as text", () => {
    expect(parseXml(`<R><![CDATA[<not> & a tag]]></R>`, ctx)).toEqual({ R: "<not> & a tag" });
  });

  it("accepts a BOM, leading whitespace and bytes", () => {
    expect(parseXml(`\uFEFF  \n<?xml version="1.0"?><R>1</R>`, ctx)).toEqual({ R: "1" });
    expect(parseXml(new TextEncoder().encode(`\uFEFF<R>ü</R>`), ctx)).toEqual({ R: "ü" });
  });

  it.each([
    ["mismatched tags", "<A><B>1</B></C>"],
    ["an unclosed root", "<A><B>1</B>"],
    ["plain text", "not xml at all"],
    ["an empty body", ""],
    ["two roots", "<A>1</A><B>2</B>"],
    ["an HTML error page", "<html><body><p>Bad Gateway<br></body></html>"],
  ])("raises a ProviderError naming provider and operation for %s", (_name, text) => {
    const err = parseError(text);
    expect(err.message).toMatch(/^s3 ListObjectsV2: the response is not valid XML \(/);
    expect(err.provider).toBe("s3");
  });

  it("says where the document breaks and keeps an excerpt of the body", () => {
    const err = parseError("<A>\n<B>1</B></C>");
    expect(err.message).toContain("line 2");
    expect(err.bodyExcerpt).toBe("<A>\n<B>1</B></C>");
  });

  it("refuses external entities and prototype-polluting names as invalid responses", () => {
    expect(parseError(`<!DOCTYPE R [<!ENTITY x SYSTEM "file:///etc/passwd">]><R>&x;</R>`).message).toMatch(
      /not valid XML/,
    );
    expect(parseError(`<R><__proto__><polluted>1</polluted></__proto__></R>`).cause).toBeInstanceOf(Error);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("readXml", () => {
  it("wraps the parsed document in a DocReader with the same context", () => {
    const doc = readXml(`<ListBucketResult><Name>b</Name><MaxKeys>1000</MaxKeys></ListBucketResult>`, ctx);
    expect(doc.str("ListBucketResult.Name")).toBe("b");
    expect(doc.int("ListBucketResult.MaxKeys")).toBe(1000);
    expect(() => doc.str("ListBucketResult.Prefix")).toThrow(
      "s3 ListObjectsV2: the response has no ListBucketResult.Prefix",
    );
  });
});
