/**
 * XML responses from providers (S3, EC2, Azure Blob, Route 53, ...), parsed into plain objects of strings.
 *
 * This module imports fast-xml-parser at top level, so nothing the root package loads may import it: only
 * XML-speaking drivers do, which keeps `import "omnicloud"` fast. `codec/index.ts` therefore re-exports
 * the lighter xml-build.ts and xml-shape.ts, not this file.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { ProviderError } from "../errors.js";
import { contextLabel, type DocContext } from "./context.js";
import { DocReader } from "./read.js";
import { XML_ATTR_PREFIX, XML_TEXT_KEY, type XmlObject, type XmlValue } from "./xml-shape.js";

export { type BuildXmlOptions, buildXml } from "./xml-build.js";
export { XML_ATTR_PREFIX, XML_TEXT_KEY, type XmlObject, type XmlValue } from "./xml-shape.js";

export interface ParseXmlOptions {
  /**
   * Trim leading and trailing whitespace from every text and attribute value (default true), which
   * removes pretty-printing. Set false where whitespace is data, e.g. S3 keys listed without
   * `encoding-type=url`; whitespace-only text between child elements is still dropped.
   */
  trim?: boolean;
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const ENTITY = /&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/g;

function decodeEntities(text: string): string {
  // One pass, so "&amp;#65;" becomes the text "&#65;" and is not decoded a second time.
  return text.replace(ENTITY, (whole, dec: string | undefined, hex: string | undefined, name?: string) => {
    if (name !== undefined) return PREDEFINED[name] ?? whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? "", 16);
    const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    return valid ? String.fromCodePoint(code) : whole;
  });
}

/**
 * fast-xml-parser leaves numeric character references (`&#13;`, `&#x1F;`) undecoded unless HTML entities
 * are switched on, yet S3 uses them for control characters in keys. This decoder handles exactly XML's
 * five predefined entities and character references. Entities a DOCTYPE declares are ignored (left as
 * written): cloud APIs never use them, and expanding them is how "billion laughs" attacks work.
 */
const xmlEntityDecoder = {
  setExternalEntities: (): void => {},
  addInputEntities: (): void => {},
  reset: (): void => {},
  setXmlVersion: (): void => {},
  decode: decodeEntities,
};

function makeParser(trim: boolean): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: XML_ATTR_PREFIX,
    textNodeName: XML_TEXT_KEY,
    // Values stay strings: "0012", "1e5" and ETags must not become numbers; DocReader converts on request.
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: trim,
    processEntities: true,
    entityDecoder: xmlEntityDecoder,
    ignoreDeclaration: true,
    ignorePiTags: true,
  });
}

const trimming = makeParser(true);
const preserving = makeParser(false);

/**
 * Parse a provider's XML answer. The document is validated first because the parser alone accepts
 * broken input (`<a><b></c>`) without complaint; a body that is not well-formed XML is the provider's
 * fault and raises a ProviderError naming the provider and operation.
 */
export function parseXml(
  text: string | Uint8Array,
  context: DocContext,
  options: ParseXmlOptions = {},
): XmlObject {
  // TextDecoder drops a UTF-8 BOM; strings may still carry one (Azure sends it). Leading whitespace before
  // the declaration is not XML either, but harmless and seen in the wild.
  const raw = typeof text === "string" ? text : new TextDecoder().decode(text);
  const source = raw.replace(/^\uFEFF/, "").trimStart();
  const fail = (detail: string, cause?: unknown): ProviderError =>
    new ProviderError(`${contextLabel(context)}: the response is not valid XML (${detail})`, {
      provider: context.provider,
      bodyExcerpt: source.slice(0, 200),
      cause,
    });

  const verdict = XMLValidator.validate(source);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw fail(col === undefined ? `${msg} at line ${line}` : `${msg} at line ${line}, column ${col}`);
  }
  let parsed: unknown;
  try {
    parsed = (options.trim === false ? preserving : trimming).parse(source);
  } catch (err) {
    // The parser refuses external entities and names such as "__proto__"; say so as the provider's fault.
    throw fail(err instanceof Error ? err.message : String(err), err);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw fail("no root element");
  const doc = parsed as XmlObject;
  return options.trim === false ? dropLayoutText(doc) : doc;
}

/** Parse XML and wrap it in a DocReader for typed extraction. */
export function readXml(
  text: string | Uint8Array,
  context: DocContext,
  options?: ParseXmlOptions,
): DocReader {
  return new DocReader(parseXml(text, context, options), context);
}

/**
 * Without trimming, the indentation between child elements lands in a "#text" entry of the parent. Drop it
 * when it is only whitespace and the element has child elements; text of leaf elements is kept whole.
 * In place: the tree is the parser's own, fresh for this document, and a copy would double what a large
 * listing page allocates.
 */
function dropLayoutText<V extends XmlValue>(value: V): V {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const item of value) dropLayoutText(item);
    return value;
  }
  const node = value as XmlObject;
  let hasChildElement = false;
  for (const key in node) {
    if (key === XML_TEXT_KEY || key.startsWith(XML_ATTR_PREFIX)) continue;
    hasChildElement = true;
    dropLayoutText(node[key]!);
  }
  const text = node[XML_TEXT_KEY];
  if (hasChildElement && typeof text === "string" && text.trim() === "") delete node[XML_TEXT_KEY];
  return value;
}
