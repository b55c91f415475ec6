/**
 * Small readers over the objects core's XML parser produces, for libvirt's documents: libvirt writes an
 * element once or many times depending on the domain, so every child is read as a list.
 */
import {
  parseXml,
  XML_ATTR_PREFIX,
  XML_TEXT_KEY,
  type XmlObject,
  type XmlValue,
} from "../../core/codec/xml.js";

export type { XmlObject };

/** Parse a document libvirt returned; whitespace inside leaf text is kept (names and tags may have it). */
export function parseLibvirtXml(text: string, operation: string): XmlObject {
  return parseXml(text, { provider: "libvirt", operation }, { trim: false });
}

/** The element children named `name`, as a list of objects (text-only elements become `{ "#text": … }`). */
export function children(parent: XmlValue | undefined, name: string): XmlObject[] {
  if (parent === undefined || typeof parent === "string" || Array.isArray(parent)) return [];
  const value = parent[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (typeof v === "string" ? { [XML_TEXT_KEY]: v } : Array.isArray(v) ? {} : v));
}

export function child(parent: XmlValue | undefined, name: string): XmlObject | undefined {
  return children(parent, name)[0];
}

export function attr(element: XmlObject | undefined, name: string): string | undefined {
  const value = element?.[`${XML_ATTR_PREFIX}${name}`];
  return typeof value === "string" ? value : undefined;
}

export function text(element: XmlObject | undefined): string | undefined {
  const value = element?.[XML_TEXT_KEY];
  if (typeof value === "string") return value;
  // An empty element parses to "" or to an object without text.
  return element === undefined ? undefined : "";
}

/** The text of child `name`, or undefined. */
export function childText(parent: XmlValue | undefined, name: string): string | undefined {
  const c = child(parent, name);
  return c === undefined ? undefined : text(c);
}

const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  bytes: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};

/** A libvirt scaled integer (`<memory unit='KiB'>131072</memory>`) in bytes; `defaultUnit` when none is given. */
export function scaledBytes(element: XmlObject | undefined, defaultUnit: string): number | undefined {
  const raw = text(element)?.trim();
  if (raw === undefined || raw === "" || !/^\d+$/.test(raw)) return undefined;
  const unit = (attr(element, "unit") ?? defaultUnit).toLowerCase();
  const factor = UNIT_BYTES[unit];
  return factor === undefined ? undefined : Number(raw) * factor;
}
