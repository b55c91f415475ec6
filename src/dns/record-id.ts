/**
 * Record ids. DNS itself has no record ids, and providers that do (Cloudflare) have nothing in common,
 * so a portable id is the record in zone-file form: "www.example.com. A 192.0.2.1". It is stable across
 * providers, readable in logs, and enough to find the record again.
 */
import { invalid } from "./invalid.js";
import { formatRdata, parseRdata } from "./presentation.js";
import { isRecordType } from "./rdata.js";
import type { AnyRecordData, RecordType } from "./types.js";
import { checkOwner } from "./validate.js";
import { tokenizeData } from "./zonefile/tokenize.js";

export function recordId(fqdn: string, type: RecordType, data: AnyRecordData): string {
  return `${fqdn} ${type} ${formatRdata(type, data)}`;
}

export interface ParsedRecordId {
  fqdn: string;
  type: RecordType;
  data: AnyRecordData;
}

export function parseRecordId(id: string, zone: string): ParsedRecordId {
  const what = `Record id ${JSON.stringify(id)}`;
  if (typeof id !== "string") throw invalid("Record id", "must be a string");
  const tokens = tokenizeData(id, what);
  const [owner, type, ...rest] = tokens;
  if (owner === undefined || type === undefined || !isRecordType(type.text.toUpperCase())) {
    throw invalid(
      what,
      "is not a record id",
      'Ids look like "www.example.com. A 192.0.2.1"; take them from listRecords',
    );
  }
  if (!owner.text.endsWith(".")) throw invalid(what, "does not start with an absolute name");
  const fqdn = checkOwner(owner.text, zone, what, "text");
  const upper = type.text.toUpperCase() as RecordType;
  return { fqdn, type: upper, data: parseRdata(upper, rest, { what, origin: zone, source: "text" }) };
}
