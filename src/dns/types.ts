/**
 * The portable DNS model. A record's data is a typed object per record type (MX has a numeric
 * `preference`, SRV a numeric `port`, ...), never a provider's text, so code that reads or writes records
 * is checked by the compiler and the same on every provider.
 *
 * Name conventions, everywhere in this model:
 * - a fully qualified name is absolute, lower case, punycode, and ends in a dot: "www.example.com.";
 * - a record's `name` is relative to its zone, "@" for the apex: "www";
 * - on input, a name ending in "." is absolute, "@" (or "") is the apex, anything else is relative to the
 *   zone, as in a zone file. Unicode names become punycode.
 */

/** The data of each record type, as read back from a provider (normalised). */
export interface RecordDataMap {
  /** RFC 1035: an IPv4 address, dotted quad. */
  A: { address: string };
  /** RFC 3596: an IPv6 address, in the compressed lower-case form of RFC 5952. */
  AAAA: { address: string };
  /** RFC 1035: the canonical name this name is an alias of. Alone at its name, never at the apex. */
  CNAME: { target: string };
  /** A provider-side CNAME that is allowed at the apex (PowerDNS ALIAS); only where the provider has it. */
  ALIAS: { target: string };
  /** RFC 1035: a name server for the zone (at the apex) or a delegation (below it). */
  NS: { target: string };
  /** RFC 1035: the name an address (in in-addr.arpa or ip6.arpa) points back to. */
  PTR: { target: string };
  /** RFC 1035 / RFC 7505: mail exchange; exchange "." with preference 0 is the null MX. */
  MX: { preference: number; exchange: string };
  /** RFC 1035: one or more character strings of at most 255 bytes each, as UTF-8 text. */
  TXT: { text: string[] };
  /** RFC 4408 type 99, obsolete but still served; same shape as TXT. */
  SPF: { text: string[] };
  /** RFC 2782: the target "." means "no such service here". */
  SRV: { priority: number; weight: number; port: number; target: string };
  /** RFC 8659: tag is lower case letters and digits ("issue", "issuewild", "iodef"). */
  CAA: { flags: number; tag: string; value: string };
  /** RFC 4255: fingerprint in lower-case hex. `fingerprintType` is the RFC's "fingerprint type" field. */
  SSHFP: { algorithm: number; fingerprintType: number; fingerprint: string };
  /** RFC 6698: certificate association data in lower-case hex. */
  TLSA: { usage: number; selector: number; matchingType: number; data: string };
  /** RFC 3403. */
  NAPTR: {
    order: number;
    preference: number;
    flags: string;
    service: string;
    regexp: string;
    replacement: string;
  };
  /** RFC 4034: digest in lower-case hex. */
  DS: { keyTag: number; algorithm: number; digestType: number; digest: string };
  /** RFC 1035: read-only through the record API; the provider keeps the serial. */
  SOA: {
    mname: string;
    rname: string;
    serial: number;
    refresh: number;
    retry: number;
    expire: number;
    minimum: number;
  };
}

export type RecordType = keyof RecordDataMap;

/** Types that can be written through the record API (SOA belongs to the zone). */
export type WritableRecordType = Exclude<RecordType, "SOA">;

/** Data of any type, for code that handles every type alike. */
export type AnyRecordData = RecordDataMap[RecordType];

/** What a caller may give as data: TXT and SPF accept one long string, split into 255-byte chunks. */
export type RecordInputDataMap = {
  [T in WritableRecordType]: T extends "TXT" | "SPF"
    ? { text: string | readonly string[] }
    : Readonly<RecordDataMap[T]>;
};

interface RecordCommon {
  /** The zone's name, "example.com.". */
  zone: string;
  /** Relative to the zone, "@" for the apex. */
  name: string;
  /** "www.example.com.". */
  fqdn: string;
  /** Seconds; shared by every record of the same name and type (RFC 2181 5.2). */
  ttl: number;
}

/**
 * One record: one value of a name and type. The `id` is stable and readable ("www.example.com. A
 * 192.0.2.1"): it is the record in zone-file form, so it works on every provider.
 */
export type DnsRecord = {
  [T in RecordType]: RecordCommon & { id: string; type: T; data: RecordDataMap[T] };
}[RecordType];

/** All the records of one name and type, which DNS always serves together. */
export type RecordSet = {
  [T in RecordType]: RecordCommon & { type: T; values: RecordDataMap[T][] };
}[RecordType];

/** A record to create, or to hold in a desired zone. */
export type RecordInput = {
  [T in WritableRecordType]: {
    /** Relative ("www"), "@" for the apex, or absolute with a trailing dot ("www.example.com."). */
    name: string;
    type: T;
    /** Seconds, 0..2147483647. Default: the TTL of the existing records of this name and type, else 3600. */
    ttl?: number;
    data: RecordInputDataMap[T];
  };
}[WritableRecordType];

/** A whole record set to put in place of the existing one. */
export type RecordSetInput = {
  [T in WritableRecordType]: {
    name: string;
    type: T;
    ttl?: number;
    values: readonly RecordInputDataMap[T][];
  };
}[WritableRecordType];

/** The SOA fields a caller may set; the serial is the provider's. */
export interface SoaSettings {
  /** The primary name server. */
  mname?: string;
  /** The responsible mailbox as a name ("hostmaster.example.com."); or set `email` instead. */
  rname?: string;
  refresh?: number;
  retry?: number;
  expire?: number;
  /** The negative-caching TTL (RFC 2308). */
  minimum?: number;
}

export interface Zone {
  /** "example.com.". */
  name: string;
  /** The provider's id for the zone (often the name). */
  id: string;
  provider: string;
  /** The SOA serial, when the provider reported it. */
  serial?: number;
  /** The apex NS names, when the provider reported them. */
  nameservers?: string[];
}

export interface CreateZoneOptions {
  /** Apex NS names. Default: the provider's (the local provider writes "localhost."). */
  nameservers?: readonly string[];
  /** The SOA mailbox as an address, "hostmaster@example.com"; becomes the SOA rname. */
  email?: string;
  soa?: SoaSettings;
  signal?: AbortSignal;
}

export interface UpdateZoneOptions {
  /** Replaces the apex NS records. */
  nameservers?: readonly string[];
  email?: string;
  soa?: SoaSettings;
  signal?: AbortSignal;
}

export interface ListRecordsOptions {
  /** Only records of this type (or these types). */
  type?: RecordType | readonly RecordType[];
  /** Only records at this name (relative, "@" or absolute). */
  name?: string;
  signal?: AbortSignal;
}

export interface UpdateRecordChanges {
  /** New TTL; it applies to the whole record set (RFC 2181 5.2). */
  ttl?: number;
  /** New data, of the record's type. */
  data?: RecordInputDataMap[WritableRecordType];
}

/** A zone as code: the records it should hold. SOA records in it are ignored (the provider keeps the SOA). */
export interface DesiredZone {
  /** "example.com" or "example.com.". */
  name: string;
  records: readonly RecordInput[];
}
