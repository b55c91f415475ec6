/**
 * Conversions from what a JSON or XML document holds to typed values. Each returns `undefined` when the
 * value is not of the asked type, so the caller (DocReader) can raise an error that names the field.
 */
import { XML_ATTR_PREFIX, XML_TEXT_KEY } from "./xml-shape.js";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The text of a value: a string, or an XML element that has attributes but no child elements
 * (`{ "#text": "v", "@_id": "1" }`, or `{ "@_id": "1" }` for an empty one).
 */
export function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (!isRecord(value)) return undefined;
  for (const key of Object.keys(value)) {
    if (key !== XML_TEXT_KEY && !key.startsWith(XML_ATTR_PREFIX)) return undefined;
  }
  const text = value[XML_TEXT_KEY];
  if (text === undefined) return "";
  return typeof text === "string" ? text : undefined;
}

// Plain decimal notation only: Number() would also accept "", "0x1F", "Infinity" and " ".
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  const text = textOf(value)?.trim();
  if (text === undefined || !DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export function toInteger(value: unknown): number | undefined {
  const n = toNumber(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  const text = textOf(value)?.trim().toLowerCase();
  if (text === "true") return true;
  if (text === "false") return false;
  return undefined;
}

/** Identifiers: some providers send numbers (DigitalOcean droplet ids), omnicloud always uses strings. */
export function toId(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? String(value) : undefined;
  return textOf(value);
}

const ISO_8601 = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;
const HTTP_DATE = /^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} (?:GMT|UTC|[+-]\d{4})$/;

/**
 * ISO 8601 (as most APIs send) and RFC 7231 HTTP dates (as headers and some XML APIs send). Date.parse
 * alone is too lenient ("1" is a date to it), so the shape is checked first. An ISO time without a zone
 * is read as UTC: that is what providers mean, while JavaScript would read it as local time.
 */
export function toDate(value: unknown): Date | undefined {
  const text = textOf(value)?.trim();
  if (text === undefined) return undefined;
  let normalised: string | undefined;
  const iso = ISO_8601.exec(text);
  if (iso) {
    const [, day, time, zone] = iso;
    if (time === undefined) normalised = `${day}T00:00:00Z`;
    else normalised = `${day}T${time}${normaliseZone(zone)}`;
  } else if (HTTP_DATE.test(text)) {
    normalised = text;
  }
  if (normalised === undefined) return undefined;
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

function normaliseZone(zone: string | undefined): string {
  if (zone === undefined || zone.toUpperCase() === "Z") return "Z";
  return zone.includes(":") ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** A short description of a value for error messages; long strings are cut so bodies do not flood logs. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  }
  return String(value);
}
