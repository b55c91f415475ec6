/**
 * Route 53's presentation text. It is RFC 1035 text with one difference: escapes are OCTAL ("\052" is
 * "*", "\303\274" is "ü"), where zone files and omnicloud use decimal ("\042", "\195\188"). Names and
 * values are converted escape by escape on the way in and out; everything else is the common parser's.
 */
import { InvalidInputError } from "../../core/errors.js";
import { resolveName } from "../../dns/names.js";
import { formatRdata, parseRdata } from "../../dns/presentation.js";
import type { AnyRecordData, RecordType } from "../../dns/types.js";
import { tokenizeData } from "../../dns/zonefile/tokenize.js";

/**
 * A byte as omnicloud's canonical presentation writes it, so names read from Route 53 compare equal to
 * the same names from anywhere else: plain letters, digits, "-", "_" and "/" as they are, "." and the
 * quote and backslash escaped by themselves, anything else as "\DDD" in decimal.
 */
function canonicalEscape(code: number): string {
  const ch = String.fromCharCode(code);
  if (/[A-Za-z0-9_\-/]/.test(ch)) return ch;
  if (ch === "." || ch === '"' || ch === "\\") return `\\${ch}`;
  return `\\${code.toString(10).padStart(3, "0")}`;
}

/**
 * Rewrite the numeric escapes of `text` from one base to the other. "\"" and "\\" stay (both sides read
 * them alike); any other "\X" becomes the numeric escape of X, which both sides read.
 */
function convertEscapes(text: string, from: 8 | 10, to: 8 | 10): string {
  const digits = from === 8 ? /^[0-7]{3}/ : /^[0-9]{3}/;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const numeric = digits.exec(text.slice(i + 1, i + 4));
    const next = text[i + 1];
    let code: number | undefined;
    if (numeric) {
      code = Number.parseInt(numeric[0], from);
      i += 3;
    } else if (next === '"' || next === "\\") {
      out += `\\${next}`;
      i += 1;
      continue;
    } else if (next !== undefined) {
      code = next.charCodeAt(0);
      i += 1;
    }
    if (code === undefined || code > 255) {
      throw new InvalidInputError(`"${text}" has an escape that is not a byte`);
    }
    out += to === 10 ? canonicalEscape(code) : `\\${code.toString(8).padStart(3, "0")}`;
  }
  return out;
}

/** A canonical name as Route 53 takes it: octal escapes, "*" as it is. */
export function toRoute53Name(fqdn: string): string {
  return convertEscapes(fqdn, 10, 8);
}

/** A name Route 53 sent (absolute, trailing dot optional) in canonical form; "\052" labels are wildcards. */
export function fromRoute53Name(name: string, what: string): string {
  const decimal = convertEscapes(name.endsWith(".") ? name : `${name}.`, 8, 10);
  const wild = decimal.replace(/^\\042(?=\.)/, "*");
  return resolveName(wild, ".", { what, wildcard: true });
}

/** One value of a set as Route 53's ResourceRecord/Value text. */
export function toRoute53Value(type: RecordType, data: AnyRecordData): string {
  return convertEscapes(formatRdata(type, data), 10, 8);
}

/**
 * A Route 53 value in the model. Names in values are absolute whether or not they end in a dot (Route 53
 * treats every name as fully qualified), so the text is read against the root as origin.
 */
export function fromRoute53Value(type: RecordType, value: string, what: string): AnyRecordData {
  const text = convertEscapes(value, 8, 10);
  return parseRdata(type, tokenizeData(text, what), { what, origin: ".", source: "provider" });
}
