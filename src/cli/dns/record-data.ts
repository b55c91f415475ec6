import { closest } from "../../core/suggest.js";
import { parseRdata } from "../../dns/presentation.js";
import { normalizeData, RECORD_TYPES } from "../../dns/rdata.js";
import type { AnyRecordData, RecordType } from "../../dns/types.js";
import { tokenizeData } from "../../dns/zonefile/tokenize.js";
import { UsageError } from "../usage-error.js";

/** A record type from the command line, any case; an unknown one gets the closest known type. */
export function recordType(text: string): RecordType {
  const upper = text.toUpperCase();
  const found = RECORD_TYPES.find((t) => t === upper);
  if (found) return found;
  const guess = closest(upper, RECORD_TYPES);
  throw new UsageError(
    `"${text}" is not a record type${guess ? `; did you mean "${guess}"?` : ""}`,
    `Types: ${RECORD_TYPES.join(", ")}`,
  );
}

/**
 * Record data from the words after the type, read as a zone file would read them (names relative to the
 * zone unless they end in "."). TXT and SPF are the exception: the shell has already removed the quotes,
 * so the words are joined back into one text (long text is split into 255-byte strings), unless they are
 * still quoted, in which case they are read as zone-file strings.
 */
export function recordData(
  type: RecordType,
  words: readonly string[],
  zone: string,
  what: string,
): AnyRecordData {
  const text = words.join(" ");
  if ((type === "TXT" || type === "SPF") && !text.trimStart().startsWith('"')) {
    return normalizeData(type, { text }, { what, origin: zone, source: "api" });
  }
  return parseRdata(type, tokenizeData(text, what), { what, origin: zone, source: "text" });
}
