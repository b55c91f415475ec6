/**
 * RFC 1035 5 master files ("zone files") into records: $ORIGIN, $TTL (RFC 2308), "@", relative names,
 * an omitted owner (the previous one), omitted TTL and class in either order, parentheses, comments and
 * quoted strings. Every error names the line, and the record on it.
 *
 * $INCLUDE and BIND's $GENERATE are refused rather than half-supported: an include reads another file,
 * which a zone handed over the network must never make omnicloud do.
 */
import { InvalidInputError } from "../../core/errors.js";
import type { LooseRecordSet } from "../driver.js";
import { invalid } from "../invalid.js";
import { canonicalZoneName, isInZone, resolveName } from "../names.js";
import { parseRdata } from "../presentation.js";
import { isRecordType } from "../rdata.js";
import { looksLikeTtl, parseTtlText } from "../ttl.js";
import type { AnyRecordData, RecordType } from "../types.js";
import { checkPlacement, groupRecords } from "../validate.js";
import { type Entry, type Token, tokenize } from "./tokenize.js";

export interface ZoneFileRecord {
  fqdn: string;
  type: RecordType;
  ttl: number;
  data: AnyRecordData;
  /** The line the record starts on. */
  line: number;
}

export interface ParsedZoneFile {
  /** The zone's origin: the one given, else the first $ORIGIN, else the SOA's owner. */
  origin: string;
  /** The last $TTL, if any. */
  defaultTtl: number | undefined;
  records: ZoneFileRecord[];
}

export interface ParseZoneFileOptions {
  /** The origin before any $ORIGIN, e.g. the zone's name; relative names need one or the other. */
  origin?: string;
  /** The TTL before any $TTL. */
  defaultTtl?: number;
}

const CLASSES = new Set(["IN", "CH", "HS", "CS", "ANY"]);

export function parseZoneFile(text: string, options: ParseZoneFileOptions = {}): ParsedZoneFile {
  const state: State = {
    origin: options.origin === undefined ? undefined : canonicalZoneName(options.origin, "Zone file origin"),
    zone: undefined,
    defaultTtl: options.defaultTtl,
    lastTtl: undefined,
    owner: undefined,
    records: [],
  };
  state.zone = state.origin;
  for (const entry of tokenize(text)) {
    const head = entry.tokens[0]!;
    if (!entry.blankOwner && !head.quoted && head.text.startsWith("$")) directive(entry, state);
    else record(entry, state);
  }
  const zone = state.zone;
  if (zone === undefined) {
    throw invalid("Zone file", "names no origin", "Add a $ORIGIN line or pass the zone name as the origin");
  }
  return { origin: zone, defaultTtl: state.defaultTtl, records: state.records };
}

/** Records of a parsed file as sets (one TTL per set is enforced, naming the record). */
export function zoneFileSets(parsed: ParsedZoneFile): Map<string, LooseRecordSet> {
  return groupRecords(parsed.records, parsed.origin, parsed.defaultTtl ?? 3600);
}

interface State {
  /** The origin in force for relative names. */
  origin: string | undefined;
  /** The zone's apex: the origin given, else the first $ORIGIN, else the first SOA's owner. */
  zone: string | undefined;
  defaultTtl: number | undefined;
  lastTtl: number | undefined;
  owner: string | undefined;
  records: ZoneFileRecord[];
}

function at(line: number, detail?: string): string {
  return detail ? `Zone file line ${line} (${detail})` : `Zone file line ${line}`;
}

function directive(entry: Entry, state: State): void {
  const [head, ...args] = entry.tokens as [Token, ...Token[]];
  const name = head.text.toUpperCase();
  const where = at(entry.line, name);
  if (name === "$ORIGIN") {
    if (args.length !== 1) throw invalid(where, "$ORIGIN takes exactly one name");
    const value = args[0]!.text;
    state.origin =
      state.origin === undefined || value.endsWith(".")
        ? canonicalZoneName(value, where)
        : resolveName(value, state.origin, { what: where });
    state.zone ??= state.origin;
    return;
  }
  if (name === "$TTL") {
    if (args.length !== 1) throw invalid(where, "$TTL takes exactly one TTL");
    state.defaultTtl = parseTtlText(args[0]!.text, where);
    return;
  }
  if (name === "$INCLUDE" || name === "$GENERATE") {
    throw invalid(where, `${name} is not supported`, "Expand it into the file before importing");
  }
  throw invalid(where, `unknown directive ${head.text}`);
}

function record(entry: Entry, state: State): void {
  const tokens = [...entry.tokens];
  let where = at(entry.line);
  if (entry.blankOwner) {
    if (state.owner === undefined) {
      throw invalid(where, "the line starts with a blank, but there is no previous owner name to repeat");
    }
  } else {
    const ownerToken = tokens.shift()!;
    if (state.origin === undefined && !ownerToken.text.endsWith(".")) {
      throw invalid(where, `the relative name "${ownerToken.text}" comes before any $ORIGIN`);
    }
    state.owner = resolveName(ownerToken.text, state.origin ?? ".", { what: where, wildcard: true });
  }
  const owner = state.owner!;
  let ttl: number | undefined;
  let seenClass = false;
  // TTL and class may come in either order (RFC 1035 5.1), each at most once.
  for (let i = 0; i < 2 && tokens.length > 0; i++) {
    const t = tokens[0]!;
    if (!t.quoted && ttl === undefined && looksLikeTtl(t.text)) {
      ttl = parseTtlText(t.text, where);
      tokens.shift();
    } else if (!t.quoted && !seenClass && CLASSES.has(t.text.toUpperCase())) {
      if (t.text.toUpperCase() !== "IN") {
        throw invalid(where, `class ${t.text} is not supported`, "Only IN (Internet) zones are modelled");
      }
      seenClass = true;
      tokens.shift();
    }
  }
  const typeToken = tokens.shift();
  if (typeToken === undefined) throw invalid(where, `the record for ${owner} has no type`);
  const type = typeToken.text.toUpperCase();
  where = at(entry.line, `${type} record "${owner}"`);
  if (!isRecordType(type)) {
    throw invalid(
      where,
      `record type ${typeToken.text} is not supported`,
      "Supported: A AAAA CNAME ALIAS NS PTR MX TXT SPF SRV CAA SSHFP TLSA NAPTR DS SOA",
    );
  }
  if (ttl !== undefined) state.lastTtl = ttl;
  // RFC 2308: an omitted TTL is $TTL's; before $TTL existed (RFC 1035) it was the last one stated.
  const effective = ttl ?? state.defaultTtl ?? state.lastTtl;
  if (effective === undefined) throw invalid(where, "has no TTL, and no $TTL came before it");
  // Without $ORIGIN, an SOA's owner names the zone, and is the origin for the names that follow.
  if (state.origin === undefined && type === "SOA") state.origin = owner;
  if (state.origin === undefined) throw invalid(where, "comes before any $ORIGIN");
  try {
    const data = parseRdata(type, tokens, { what: where, origin: state.origin, source: "text" });
    if (type === "SOA") state.zone ??= owner;
    if (state.zone !== undefined) {
      if (!isInZone(owner, state.zone)) throw invalid(where, `${owner} is outside the zone ${state.zone}`);
      checkPlacement(type, owner, state.zone, where);
    }
    state.records.push({ fqdn: owner, type, ttl: effective, data, line: entry.line });
  } catch (err) {
    if (err instanceof InvalidInputError && !err.message.startsWith("Zone file line")) {
      throw invalid(where, err.message);
    }
    throw err;
  }
}
