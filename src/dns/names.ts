/**
 * Domain names: relative versus absolute, "@", trailing dots, IDN to punycode, and the length limits of
 * RFC 1035 (a label of at most 63 octets, a name of at most 255 octets on the wire, which is 253
 * characters written out without the final dot).
 *
 * Names are kept in presentation form (RFC 1035 5.1), so a label may hold escapes: "\." is a dot inside a
 * label and "\DDD" one octet by its decimal value. Every function here counts octets, not characters.
 */
import { domainToASCII } from "node:url";
import { invalid } from "./invalid.js";

export const MAX_LABEL_OCTETS = 63;
/** On the wire: each label's length byte and octets, plus the root's zero byte. */
export const MAX_NAME_WIRE_OCTETS = 255;

export interface NameRules {
  /** Names what is being checked in error messages, e.g. `MX record "mail"`. */
  what: string;
  /** An owner name may be a wildcard ("*.example.com."); data names may not. */
  wildcard?: boolean;
  /** The root "." is a valid target for MX, SRV and NAPTR ("no service"), never an owner. */
  root?: boolean;
  /**
   * Refuse a relative name that already ends with the zone's name ("www.example.com" in example.com.):
   * without its trailing dot it means "www.example.com.example.com.", which is never what an API caller
   * meant. Zone files follow RFC 1035 to the letter and leave this off.
   */
  strictRelative?: boolean;
}

// One label: letters, digits, "-", "_" (service labels, RFC 8552), "/" (classless reverse delegation,
// RFC 2317), and escapes. Anything else is almost surely a typo ("www,example"), so it must be escaped.
const LABEL = /^(?:[a-z0-9_\-/]|\\[0-9]{3}|\\[^0-9])+$/;

/** True when the name ends in an unescaped dot. */
function endsWithDot(text: string): boolean {
  if (!text.endsWith(".")) return false;
  let slashes = 0;
  for (let i = text.length - 2; i >= 0 && text[i] === "\\"; i--) slashes++;
  return slashes % 2 === 0;
}

/** Split presentation text (no final dot) into labels at unescaped dots; escapes stay as written. */
export function splitLabels(text: string): string[] {
  const labels: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\") {
      const digits = /^[0-9]{3}/.test(text.slice(i + 1, i + 4));
      const take = digits ? 4 : 2;
      current += text.slice(i, i + take);
      i += take - 1;
    } else if (ch === ".") {
      labels.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  labels.push(current);
  return labels;
}

/** Octets a presentation-form label takes on the wire (escapes count once). */
export function labelOctets(label: string): number {
  let n = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i] === "\\") i += /^[0-9]{3}/.test(label.slice(i + 1, i + 4)) ? 3 : 1;
    n += Buffer.byteLength(label[i] ?? "");
  }
  return n;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function asciiLabels(label: string, rules: NameRules, name: string): string[] {
  // domainToASCII is applied to non-ASCII labels only: on a whole name it would also turn a numeric
  // label into an IPv4 address ("4" becomes "0.0.0.4"), which is wrong for reverse zones.
  if (isAscii(label)) return [label.toLowerCase()];
  if (label.includes("\\")) {
    throw invalid(rules.what, `the name "${name}" mixes Unicode and escapes in one label`);
  }
  const ascii = domainToASCII(label);
  if (ascii === "") {
    throw invalid(rules.what, `the label "${label}" of "${name}" is not a valid internationalised name`);
  }
  // An ideographic full stop (U+3002) separates labels in IDNA, so one input label can become several.
  return ascii.split(".");
}

/**
 * An absolute name (with or without its final dot) checked and made canonical: lower case, punycode,
 * with the final dot.
 */
function canonicalAbsolute(text: string, rules: NameRules, shown: string): string {
  const bare = endsWithDot(text) ? text.slice(0, -1) : text;
  if (bare === "") {
    if (rules.root) return ".";
    throw invalid(rules.what, `the root name "." is not allowed here`);
  }
  const labels = splitLabels(bare).flatMap((label) => {
    if (label === "") {
      throw invalid(
        rules.what,
        `the name "${shown}" has an empty label (two dots in a row, or a leading dot)`,
      );
    }
    return asciiLabels(label, rules, shown);
  });
  let wire = 1;
  labels.forEach((label, index) => {
    if (label === "*") {
      if (!rules.wildcard || index !== 0) {
        throw invalid(rules.what, `"*" in "${shown}" is only allowed as the first label of an owner name`);
      }
    } else if (!LABEL.test(label)) {
      throw invalid(
        rules.what,
        `the label "${label}" of "${shown}" has characters DNS names do not use`,
        "Use letters, digits, '-' and '_'; escape anything else as \\DDD",
      );
    }
    const octets = labelOctets(label);
    if (octets > MAX_LABEL_OCTETS) {
      throw invalid(
        rules.what,
        `the label "${label.slice(0, 20)}..." of the name is ${octets} octets long; a label may have at most ${MAX_LABEL_OCTETS}`,
      );
    }
    wire += octets + 1;
  });
  if (wire > MAX_NAME_WIRE_OCTETS) {
    throw invalid(
      rules.what,
      `the name "${shown.slice(0, 40)}..." is ${wire} octets on the wire; a name may have at most ` +
        `${MAX_NAME_WIRE_OCTETS} (253 characters without the final dot)`,
    );
  }
  return `${labels.join(".")}.`;
}

/**
 * Resolve `input` against `origin` (an absolute canonical name) and return the canonical absolute name.
 * "@" (and "" for owners) is the origin; a name ending in "." is absolute; anything else is relative.
 */
export function resolveName(input: string, origin: string, rules: NameRules): string {
  const text = input.trim();
  if (text === "@") return origin;
  if (text === "") throw invalid(rules.what, "the name is empty", 'Use "@" for the zone apex');
  if (endsWithDot(text)) return canonicalAbsolute(text, rules, text);
  if (rules.strictRelative && origin !== ".") {
    const bareOrigin = origin.slice(0, -1);
    const lower = text.toLowerCase();
    if (lower === bareOrigin || lower.endsWith(`.${bareOrigin}`)) {
      throw invalid(
        rules.what,
        `"${text}" has no trailing dot, so it is relative and would mean "${text}.${origin}"`,
        `Write "${lower === bareOrigin ? "@" : text.slice(0, -(bareOrigin.length + 1))}" or "${text}."`,
      );
    }
  }
  return canonicalAbsolute(origin === "." ? `${text}.` : `${text}.${origin}`, rules, text);
}

/** A zone's name in canonical form; the trailing dot is optional on input, since zones are always absolute. */
export function canonicalZoneName(input: string, what = "Zone name"): string {
  const text = input.trim();
  if (text === "" || text === ".") {
    throw invalid(what, `"${input}" is not a zone name`, 'Give the zone\'s domain, e.g. "example.com"');
  }
  return canonicalAbsolute(endsWithDot(text) ? text : `${text}.`, { what }, text);
}

/** True when `fqdn` is `zone` or below it. */
export function isInZone(fqdn: string, zone: string): boolean {
  return zone === "." || fqdn === zone || fqdn.endsWith(`.${zone}`);
}

/** The name relative to `origin` ("@" for the origin itself), or the absolute name when outside it. */
export function relativeName(fqdn: string, origin: string): string {
  if (fqdn === origin) return "@";
  if (origin === ".") return fqdn.slice(0, -1);
  if (fqdn.endsWith(`.${origin}`)) return fqdn.slice(0, -(origin.length + 1));
  return fqdn;
}

/**
 * The SOA mailbox name for an address (RFC 1035 8): "hostmaster@example.com" becomes
 * "hostmaster.example.com.", and dots in the local part are escaped so they stay in the first label.
 */
export function emailToRname(email: string, what: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0 || at === email.length - 1) {
    throw invalid(what, `"${email}" is not a mail address`, 'Write it as "hostmaster@example.com"');
  }
  const local = email.slice(0, at).replace(/\\/g, "\\\\").replace(/\./g, "\\.");
  return canonicalAbsolute(`${local}.${email.slice(at + 1)}.`, { what }, email);
}

/** Canonical DNS name order (RFC 4034 6.1): compare label by label from the right. */
export function compareNames(a: string, b: string): number {
  const la = splitLabels(a.slice(0, -1)).reverse();
  const lb = splitLabels(b.slice(0, -1)).reverse();
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    const x = la[i]!;
    const y = lb[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la.length - lb.length;
}
