/**
 * Record data in presentation form (RFC 1035 5.1 and each type's RFC), the text zone files and most
 * provider APIs use: "10 mail.example.com.", "\"v=spf1 -all\"". Reading goes through `normalizeData`, so
 * text and objects are held to the same rules; writing always gives absolute names and quoted strings, so
 * the text means the same whatever origin it is read under.
 */
import { decodeCharString, encodeCharString } from "./charstring.js";
import { invalid } from "./invalid.js";
import { type DataRules, normalizeData } from "./rdata.js";
import { parseTtlText } from "./ttl.js";
import type { AnyRecordData, RecordDataMap, RecordType } from "./types.js";
import type { Token } from "./zonefile/tokenize.js";

/** The data of a record of `type` as one line of presentation text. */
export function formatRdata<T extends RecordType>(type: T, data: RecordDataMap[T]): string;
export function formatRdata(type: RecordType, data: AnyRecordData): string;
export function formatRdata(type: RecordType, data: AnyRecordData): string {
  // The casts are safe: each case reads the fields of the type it is named after.
  switch (type) {
    case "A":
    case "AAAA":
      return (data as RecordDataMap["A"]).address;
    case "CNAME":
    case "ALIAS":
    case "NS":
    case "PTR":
      return (data as RecordDataMap["NS"]).target;
    case "MX": {
      const d = data as RecordDataMap["MX"];
      return `${d.preference} ${d.exchange}`;
    }
    case "TXT":
    case "SPF":
      return (data as RecordDataMap["TXT"]).text.map(encodeCharString).join(" ");
    case "SRV": {
      const d = data as RecordDataMap["SRV"];
      return `${d.priority} ${d.weight} ${d.port} ${d.target}`;
    }
    case "CAA": {
      const d = data as RecordDataMap["CAA"];
      return `${d.flags} ${d.tag} ${encodeCharString(d.value)}`;
    }
    case "SSHFP": {
      const d = data as RecordDataMap["SSHFP"];
      return `${d.algorithm} ${d.fingerprintType} ${d.fingerprint}`;
    }
    case "TLSA": {
      const d = data as RecordDataMap["TLSA"];
      return `${d.usage} ${d.selector} ${d.matchingType} ${d.data}`;
    }
    case "NAPTR": {
      const d = data as RecordDataMap["NAPTR"];
      const s = encodeCharString;
      return `${d.order} ${d.preference} ${s(d.flags)} ${s(d.service)} ${s(d.regexp)} ${d.replacement}`;
    }
    case "DS": {
      const d = data as RecordDataMap["DS"];
      return `${d.keyTag} ${d.algorithm} ${d.digestType} ${d.digest}`;
    }
    case "SOA": {
      const d = data as RecordDataMap["SOA"];
      return `${d.mname} ${d.rname} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    }
  }
}

/** The fields of each type, in presentation order, and how each is written. */
type FieldKind = "int" | "timer" | "name" | "string" | "hex" | "strings";
const LAYOUT: { [T in RecordType]: readonly (readonly [keyof RecordDataMap[T] & string, FieldKind])[] } = {
  A: [["address", "name"]],
  AAAA: [["address", "name"]],
  CNAME: [["target", "name"]],
  ALIAS: [["target", "name"]],
  NS: [["target", "name"]],
  PTR: [["target", "name"]],
  MX: [
    ["preference", "int"],
    ["exchange", "name"],
  ],
  TXT: [["text", "strings"]],
  SPF: [["text", "strings"]],
  SRV: [
    ["priority", "int"],
    ["weight", "int"],
    ["port", "int"],
    ["target", "name"],
  ],
  CAA: [
    ["flags", "int"],
    ["tag", "name"],
    ["value", "string"],
  ],
  SSHFP: [
    ["algorithm", "int"],
    ["fingerprintType", "int"],
    ["fingerprint", "hex"],
  ],
  TLSA: [
    ["usage", "int"],
    ["selector", "int"],
    ["matchingType", "int"],
    ["data", "hex"],
  ],
  NAPTR: [
    ["order", "int"],
    ["preference", "int"],
    ["flags", "string"],
    ["service", "string"],
    ["regexp", "string"],
    ["replacement", "name"],
  ],
  DS: [
    ["keyTag", "int"],
    ["algorithm", "int"],
    ["digestType", "int"],
    ["digest", "hex"],
  ],
  SOA: [
    ["mname", "name"],
    ["rname", "name"],
    ["serial", "int"],
    ["refresh", "timer"],
    ["retry", "timer"],
    ["expire", "timer"],
    ["minimum", "timer"],
  ],
};

/** Read the data of a record of `type` from its presentation tokens; names resolve against `rules.origin`. */
export function parseRdata(type: RecordType, tokens: readonly Token[], rules: DataRules): AnyRecordData {
  const layout = LAYOUT[type] as readonly (readonly [string, FieldKind])[];
  const fields: Record<string, unknown> = {};
  let at = 0;
  for (const [key, kind] of layout) {
    // Text and hex take the rest of the line (RFC 1035 TXT; RFC 4034 and others allow blanks in hex).
    if (kind === "strings" || kind === "hex") {
      const rest = tokens.slice(at);
      at = tokens.length;
      if (rest.length === 0) break;
      fields[key] =
        kind === "hex"
          ? rest.map((t) => t.text).join("")
          : rest.map((t) => decodeCharString(t.text, `${rules.what} ${key}`));
      continue;
    }
    const token = tokens[at++];
    if (token === undefined) break;
    if (kind === "string") {
      fields[key] = decodeCharString(token.text, `${rules.what} ${key}`);
    } else if (token.quoted) {
      throw invalid(rules.what, `${key} may not be quoted ("${token.text}")`);
    } else if (kind === "int") {
      if (!/^[0-9]+$/.test(token.text))
        throw invalid(rules.what, `${key} must be a number, not "${token.text}"`);
      fields[key] = Number(token.text);
    } else if (kind === "timer") {
      fields[key] = parseTtlText(token.text, `${rules.what} ${key}`);
    } else {
      fields[key] = token.text;
    }
  }
  const expected = layout.map(([key]) => key).join(" ");
  if (Object.keys(fields).length < layout.length) {
    throw invalid(rules.what, `a ${type} record needs: ${expected}`, `Got ${JSON.stringify(joined(tokens))}`);
  }
  if (at < tokens.length) {
    throw invalid(
      rules.what,
      `too many fields for a ${type} record (${expected})`,
      `Got ${JSON.stringify(joined(tokens))}`,
    );
  }
  return normalizeData(type, fields, rules);
}

function joined(tokens: readonly Token[]): string {
  return tokens.map((t) => (t.quoted ? `"${t.text}"` : t.text)).join(" ");
}
