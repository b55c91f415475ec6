/**
 * XML request bodies (S3 DeleteObjects, CompleteMultipartUpload, Route 53 change batches, ...).
 *
 * Written by hand rather than with fast-xml-parser's builder because a request body must be exactly right:
 * names are checked, characters XML 1.0 cannot carry are refused instead of sent, and "\r" is written as
 * a character reference since a parser would otherwise turn it into "\n" (S3 keys may contain it). It also
 * keeps this module free of fast-xml-parser, so the root package can re-export it at no start-up cost.
 */
import { InvalidInputError } from "../errors.js";
import { XML_ATTR_PREFIX, XML_TEXT_KEY, type XmlInput, type XmlInputObject } from "./xml-shape.js";

export interface BuildXmlOptions {
  /** Start with `<?xml version="1.0" encoding="UTF-8"?>` (default true). */
  declaration?: boolean;
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
// XML 1.0 names, restricted to what cloud APIs use: letters, digits, "_", "-", "." and one namespace colon.
const NAME = /^[\p{L}_][\p{L}\p{N}_.-]*(?::[\p{L}_][\p{L}\p{N}_.-]*)?$/u;
// Anything outside XML 1.0's Char production: most C0 controls, lone surrogates, U+FFFE and U+FFFF.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * Serialise one root element. `{ Delete: { "@_xmlns": ns, Object: [{ Key: "a" }, { Key: "b" }] } }` gives
 * `<Delete xmlns="..."><Object><Key>a</Key></Object><Object><Key>b</Key></Object></Delete>`.
 * Arrays repeat the element; `undefined` and `null` leave it out; "" gives an empty element; keys starting
 * with "@_" are attributes and "#text" is the element's own text.
 */
export function buildXml(root: XmlInputObject, options: BuildXmlOptions = {}): string {
  const names = Object.keys(root).filter((key) => root[key] !== undefined && root[key] !== null);
  const [name] = names;
  if (names.length !== 1 || name === undefined || name === XML_TEXT_KEY || name.startsWith(XML_ATTR_PREFIX)) {
    throw new InvalidInputError(
      `buildXml needs exactly one root element, got ${names.length === 0 ? "none" : names.join(", ")}`,
    );
  }
  const value = root[name];
  if (Array.isArray(value)) {
    throw new InvalidInputError(`buildXml needs exactly one root element, got a list of ${name}`);
  }
  const body = element(name, value, name);
  return options.declaration === false ? body : DECLARATION + body;
}

function element(name: string, value: XmlInput, path: string): string {
  checkName(name, path);
  if (value === undefined || value === null) return "";
  if (isList(value)) {
    return value
      .map((item, i) => {
        if (isList(item)) throw new InvalidInputError(`buildXml: ${path}.${i} is a list inside a list`);
        return element(name, item, `${path}.${i}`);
      })
      .join("");
  }
  if (typeof value !== "object") {
    const text = escapeText(scalar(value, path), path);
    return text === "" ? `<${name}/>` : `<${name}>${text}</${name}>`;
  }
  let attributes = "";
  let content = "";
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`;
    if (child === undefined || child === null) continue;
    if (key === XML_TEXT_KEY) {
      content = escapeText(scalar(child, childPath), childPath) + content;
    } else if (key.startsWith(XML_ATTR_PREFIX)) {
      const attr = key.slice(XML_ATTR_PREFIX.length);
      checkName(attr, childPath);
      attributes += ` ${attr}="${escapeAttribute(scalar(child, childPath), childPath)}"`;
    } else {
      content += element(key, child, childPath);
    }
  }
  return content === "" ? `<${name}${attributes}/>` : `<${name}${attributes}>${content}</${name}>`;
}

function isList(value: XmlInput): value is readonly XmlInput[] {
  return Array.isArray(value);
}

function scalar(value: XmlInput, path: string): string {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
    case "bigint":
      return String(value);
    case "number":
      if (!Number.isFinite(value))
        throw new InvalidInputError(`buildXml: ${path} is ${value}, not a number XML can carry`);
      return String(value);
    default:
      throw new InvalidInputError(
        `buildXml: ${path} must be text here (an attribute or "#text"), not an object`,
      );
  }
}

function checkName(name: string, path: string): void {
  if (!NAME.test(name))
    throw new InvalidInputError(`buildXml: ${JSON.stringify(name)} at ${path} is not a valid XML name`);
}

function checkChars(text: string, path: string): void {
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    throw new InvalidInputError(`buildXml: ${path} contains U+${code}, which XML 1.0 cannot carry`);
  }
}

function escapeText(text: string, path: string): string {
  checkChars(text, path);
  // ">" is escaped too so that "]]>" can never appear in character data.
  return text.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

function escapeAttribute(text: string, path: string): string {
  checkChars(text, path);
  // Tabs and newlines are escaped because parsers normalise literal ones in attributes to spaces.
  return text.replace(/[&<>"'\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c] ?? c);
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "\r": "&#13;",
};
const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  ...TEXT_ESCAPES,
  '"': "&quot;",
  "'": "&apos;",
  "\t": "&#9;",
  "\n": "&#10;",
};
