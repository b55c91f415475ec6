/**
 * Zone transfers read as the model's record sets: records grouped by name and type in the order the
 * server sent them, types the model lacks (DNSSEC records, HINFO, ...) left out, and data read with the
 * message it came in, so compressed names resolve.
 */
import { ProviderError } from "../../core/errors.js";
import type { LooseRecordSet } from "../../dns/driver.js";
import { relativeName } from "../../dns/names.js";
import type { AnyRecordData } from "../../dns/types.js";
import { setKey } from "../../dns/validate.js";
import type { TransferredRecord } from "./client.js";
import { CLASS_IN, typeOfCode } from "./constants.js";
import { decodeRdata } from "./rdata-wire.js";

export function recordSets(
  zone: string,
  records: readonly TransferredRecord[],
  provider: string,
): LooseRecordSet[] {
  const sets = new Map<string, LooseRecordSet>();
  for (const { rr, message } of records) {
    const type = typeOfCode(rr.type);
    if (type === undefined || rr.class !== CLASS_IN) continue;
    const what = `${type} record "${relativeName(rr.name, zone)}" in ${zone}`;
    let data: AnyRecordData;
    try {
      data = decodeRdata(type, message, rr.rdataAt, rr.rdata.length, what);
    } catch (err) {
      throw new ProviderError(`${what} cannot be read: ${(err as Error).message}`, { provider, cause: err });
    }
    const key = setKey(rr.name, type);
    const set = sets.get(key);
    // RFC 2181 5.2: one TTL per set; should a server send several, the lowest is the one that holds.
    if (set) {
      set.values.push(data);
      set.ttl = Math.min(set.ttl, rr.ttl);
    } else sets.set(key, { fqdn: rr.name, type, ttl: rr.ttl, values: [data] });
  }
  return [...sets.values()];
}
