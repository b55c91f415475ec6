// omnicloud/dns: the portable DNS API, its record model, zone files, and the contract drivers implement.
export { canonicalIPv4, canonicalIPv6 } from "./address.js";
export { decodeCharString, encodeCharString, splitText } from "./charstring.js";
export { type ApplyZoneOptions, Dns, type PlanZoneOptions } from "./dns.js";
export type {
  CreateZoneRequest,
  DnsDriver,
  DriverRecordSet,
  LooseRecordSet,
  RecordSetChange,
  UpdateZoneRequest,
} from "./driver.js";
export {
  canonicalZoneName,
  compareNames,
  emailToRname,
  isInZone,
  relativeName,
  resolveName,
} from "./names.js";
export { openDns } from "./open.js";
export { type PlanChange, type PlanSummary, ZonePlan } from "./plan.js";
export { formatRdata, parseRdata } from "./presentation.js";
export { type DataRules, type DataSource, isRecordType, normalizeData, RECORD_TYPES } from "./rdata.js";
export { parseRecordId, recordId } from "./record-id.js";
export { checkTtl, DEFAULT_TTL, MAX_TTL } from "./ttl.js";
export type * from "./types.js";
export { type CheckedRecord, checkRecordInput } from "./validate.js";
export { exportZoneFile, type ZoneFileContent } from "./zonefile/export.js";
export {
  type ParsedZoneFile,
  type ParseZoneFileOptions,
  parseZoneFile,
  type ZoneFileRecord,
  zoneFileSets,
} from "./zonefile/parse.js";
export { type Token, tokenize, tokenizeData } from "./zonefile/tokenize.js";
