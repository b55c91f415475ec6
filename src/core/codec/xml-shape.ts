/**
 * The shape `parseXml` produces and `buildXml` accepts. Kept apart from xml.ts so that readers and type
 * users do not load fast-xml-parser: only drivers that speak XML import xml.ts.
 */

/** Attributes appear as keys with this prefix: `<Grantee xsi:type="x">` gives `{ "@_xsi:type": "x" }`. */
export const XML_ATTR_PREFIX = "@_";

/** An element with attributes and text keeps its text under this key: `{ "#text": "...", "@_id": "1" }`. */
export const XML_TEXT_KEY = "#text";

/**
 * A parsed XML value. Every leaf is a string (no number or boolean coercion, so "0012" and ETags survive);
 * an empty element is ""; a repeated element is an array, a single one is not (see `DocReader.array`).
 */
export type XmlValue = string | XmlObject | XmlValue[];

export interface XmlObject {
  [name: string]: XmlValue;
}

/** What `buildXml` accepts: primitives become text, arrays become repeated elements. */
export type XmlInput =
  | string
  | number
  | boolean
  | bigint
  | null
  | undefined
  | XmlInputObject
  | readonly XmlInput[];

export interface XmlInputObject {
  readonly [name: string]: XmlInput;
}
