import { describe, expect, it } from "vitest";
import { parseXml } from "../../src/core/codec/xml.js";
import { buildXml } from "../../src/core/codec/xml-build.js";
import { InvalidInputError } from "../../src/core/errors.js";

const ctx = { provider: "s3", operation: "DeleteObjects" };
const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

describe("buildXml", () => {
  it("writes the declaration by default and can leave it out", () => {
    expect(buildXml({ A: "1" })).toBe(`${DECL}<A>1</A>`);
    expect(buildXml({ A: "1" }, { declaration: false })).toBe("<A>1</A>");
  });

  it("repeats elements for arrays, writes attributes and leaves out undefined and null", () => {
    const xml = buildXml(
      {
        Delete: {
          "@_xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
          Quiet: true,
          Object: [{ Key: "a" }, { Key: "b", VersionId: undefined }],
          Skipped: null,
          "@_gone": undefined,
        },
      },
      { declaration: false },
    );
    expect(xml).toBe(
      '<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>' +
        "<Object><Key>a</Key></Object><Object><Key>b</Key></Object></Delete>",
    );
  });

  it("writes numbers, bigints, empty elements and text beside attributes", () => {
    const xml = buildXml(
      {
        R: {
          N: 5,
          Big: 12345678901234567890n,
          Empty: "",
          T: { "@_id": "1", "#text": "x" },
          Only: { "@_a": "1" },
        },
      },
      { declaration: false },
    );
    expect(xml).toBe('<R><N>5</N><Big>12345678901234567890</Big><Empty/><T id="1">x</T><Only a="1"/></R>');
  });

  it("escapes text and attributes so the value reads back exactly", () => {
    const key = `a & b <c> ]]> 'q' "d"\r\n\tend`;
    const xml = buildXml({ R: { "@_v": key, K: key } });
    expect(xml).toContain("<K>a &amp; b &lt;c&gt; ]]&gt; 'q' \"d\"&#13;\n\tend</K>");
    expect(xml).toContain('v="a &amp; b &lt;c&gt; ]]&gt; &apos;q&apos; &quot;d&quot;&#13;&#10;&#9;end"');
    const back = parseXml(xml, ctx, { trim: false });
    expect(back).toEqual({ R: { "@_v": key, K: key } });
  });

  it("keeps characters beyond the BMP", () => {
    expect(buildXml({ K: "😀 ü" }, { declaration: false })).toBe("<K>😀 ü</K>");
  });

  it.each([
    ["a control character", { K: "a\u0001b" }, /K contains U\+0001/],
    ["a lone surrogate", { K: "a\uD800" }, /K contains U\+D800/],
    ["U+FFFE", { K: "\uFFFE" }, /U\+FFFE/],
    ["a bad attribute value", { K: { "@_a": "\u0000" } }, /K\.@_a contains U\+0000/],
  ])("refuses %s, which XML 1.0 cannot carry", (_name, input, message) => {
    expect(() => buildXml(input)).toThrow(InvalidInputError);
    expect(() => buildXml(input)).toThrow(message);
  });

  it.each([
    ["an invalid element name", { "A<b": "x" }],
    ["a name starting with a digit", { R: { "1x": "y" } }],
    ["an invalid attribute name", { R: { "@_a b": "y" } }],
    ["no root", {}],
    ["two roots", { A: "1", B: "2" }],
    ["a list at the root", { A: ["1", "2"] }],
    ["text at the root", { "#text": "x" }],
    ["a list inside a list", { R: { I: [["1"]] } }],
    ["an object as attribute", { R: { "@_a": { b: "1" } } }],
    ["a non-finite number", { R: { N: Number.NaN } }],
  ])("refuses %s with an InvalidInputError", (_name, input) => {
    expect(() => buildXml(input)).toThrow(InvalidInputError);
  });

  it("names the offending path in the error", () => {
    expect(() => buildXml({ Delete: { Object: [{ Key: "ok" }, { Key: "bad\u0007" }] } })).toThrow(
      "buildXml: Delete.Object.1.Key contains U+0007, which XML 1.0 cannot carry",
    );
  });

  it("accepts namespaced names", () => {
    expect(buildXml({ "s:R": { "@_xmlns:s": "urn:s", "s:K": "v" } }, { declaration: false })).toBe(
      '<s:R xmlns:s="urn:s"><s:K>v</s:K></s:R>',
    );
  });
});
