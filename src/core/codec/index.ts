/**
 * Codecs for provider documents. xml.ts (the XML parser) is deliberately not re-exported: it loads
 * fast-xml-parser, and everything here may be loaded by the root package. Drivers import
 * "core/codec/xml.js" directly.
 */
export { contextLabel, type DocContext } from "./context.js";
export { parseJson } from "./json.js";
export { type DocPath, DocReader, readJson } from "./read.js";
export { type BuildXmlOptions, buildXml } from "./xml-build.js";
export {
  XML_ATTR_PREFIX,
  XML_TEXT_KEY,
  type XmlInput,
  type XmlInputObject,
  type XmlObject,
  type XmlValue,
} from "./xml-shape.js";
