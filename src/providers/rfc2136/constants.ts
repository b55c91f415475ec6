/**
 * Numbers from the DNS registries (IANA "Domain Name System (DNS) Parameters"): record types, classes,
 * opcodes and response codes, with the names the RFCs give them, for messages and errors.
 */
import type { RecordType } from "../../dns/types.js";

/** Wire codes of the model's types. ALIAS is no DNS type (it is a provider-side feature), so it has none. */
export const TYPE_CODES: Readonly<Record<Exclude<RecordType, "ALIAS">, number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  DS: 43,
  SSHFP: 44,
  TLSA: 52,
  SPF: 99,
  CAA: 257,
};

export type WireType = keyof typeof TYPE_CODES;

const TYPE_NAMES = new Map<number, WireType>(
  Object.entries(TYPE_CODES).map(([name, code]) => [code, name as WireType]),
);

/** The model's name of a wire type code, or undefined for types the model does not have (DNSKEY, ...). */
export function typeOfCode(code: number): WireType | undefined {
  return TYPE_NAMES.get(code);
}

/** Meta types and pseudo types used by UPDATE, AXFR and TSIG. */
export const TYPE_TSIG = 250;
export const TYPE_AXFR = 252;
export const TYPE_ANY = 255;

export const CLASS_IN = 1;
/** RFC 2136 2.4: "class NONE" in prerequisites and deletes of single records. */
export const CLASS_NONE = 254;
/** RFC 2136 2.4: "class ANY" in prerequisites and deletes of whole sets; also TSIG's class. */
export const CLASS_ANY = 255;

export const OPCODE_QUERY = 0;
export const OPCODE_UPDATE = 5;

/** Response codes, with the 12-bit extended ones TSIG reports in its error field (RFC 8945 3). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADSIG: 16,
  BADKEY: 17,
  BADTIME: 18,
  BADTRUNC: 22,
} as const;

const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([name, code]) => [code, name]));

/** "REFUSED", or "RCODE 23" for codes without a name here. */
export function rcodeName(code: number): string {
  return RCODE_NAMES.get(code) ?? `RCODE ${code}`;
}
