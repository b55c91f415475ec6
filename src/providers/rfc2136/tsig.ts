/**
 * TSIG, transaction signatures (RFC 8945): an HMAC over the message and a few "TSIG variables", sent as
 * the last record of the additional section. Requests are signed; every answer is checked, and for a
 * zone transfer (many messages) each signed message chains on the MAC of the one before (RFC 8945 5.3.1).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { CLASS_ANY, RCODE, TYPE_TSIG } from "./constants.js";
import {
  type DecodedMessage,
  type DecodedRecord,
  type ResourceRecord,
  WireReader,
  WireWriter,
} from "./wire.js";
import { nameToWire } from "./wire-names.js";

/** The HMAC algorithms of RFC 8945 6 (hmac-md5 is kept for old servers; it is not recommended). */
export type TsigAlgorithm =
  | "hmac-md5"
  | "hmac-sha1"
  | "hmac-sha224"
  | "hmac-sha256"
  | "hmac-sha384"
  | "hmac-sha512";

/** The algorithm's name on the wire, and node's name of its hash. */
const ALGORITHMS: Record<TsigAlgorithm, { wire: string; hash: string }> = {
  "hmac-md5": { wire: "hmac-md5.sig-alg.reg.int.", hash: "md5" },
  "hmac-sha1": { wire: "hmac-sha1.", hash: "sha1" },
  "hmac-sha224": { wire: "hmac-sha224.", hash: "sha224" },
  "hmac-sha256": { wire: "hmac-sha256.", hash: "sha256" },
  "hmac-sha384": { wire: "hmac-sha384.", hash: "sha384" },
  "hmac-sha512": { wire: "hmac-sha512.", hash: "sha512" },
};

export const TSIG_ALGORITHMS = Object.keys(ALGORITHMS) as TsigAlgorithm[];

export function isTsigAlgorithm(value: unknown): value is TsigAlgorithm {
  return typeof value === "string" && value in ALGORITHMS;
}

/** A shared key as servers configure it: BIND's `key "name" { algorithm; secret; }`, Knot's `key:` entry. */
export interface TsigKey {
  /** The key's name, absolute and lower case ("update-key."). */
  name: string;
  algorithm: TsigAlgorithm;
  secret: Buffer;
}

/** Seconds of clock difference allowed between us and the server; 300 is RFC 8945 10's recommendation. */
export const DEFAULT_FUDGE = 300;

/** A TSIG check that failed on our side (the server's answer is not from the key's holder, or is stale). */
export class TsigVerifyError extends Error {
  constructor(
    message: string,
    /** The TSIG error it amounts to, as the RCODE table names it. */
    readonly tsigError: number,
  ) {
    super(message);
  }
}

interface TsigFields {
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

function readTsig(message: Buffer, rr: DecodedRecord): TsigFields {
  const r = new WireReader(message, rr.rdataAt);
  const algorithm = r.name();
  const timeSigned = r.u48();
  const fudge = r.u16();
  const mac = r.bytes(r.u16());
  const originalId = r.u16();
  const error = r.u16();
  const other = r.bytes(r.u16());
  return { algorithm, timeSigned, fudge, mac, originalId, error, other };
}

/** The TSIG variables of RFC 8945 4.3.3, or only its timers for the later messages of a transfer. */
function variables(key: TsigKey, f: Omit<TsigFields, "mac" | "originalId">, timersOnly: boolean): Buffer {
  const w = new WireWriter();
  if (!timersOnly) w.bytes(nameToWire(key.name)).u16(CLASS_ANY).u32(0).bytes(nameToWire(f.algorithm));
  w.u48(f.timeSigned).u16(f.fudge);
  if (!timersOnly) w.u16(f.error).u16(f.other.length).bytes(f.other);
  return w.toBuffer();
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac(ALGORITHMS[key.algorithm].hash, key.secret);
  for (const part of parts) h.update(part);
  return h.digest();
}

function withLength(mac: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(mac.length, 0);
  return Buffer.concat([len, mac]);
}

export interface SignedRequest {
  /** The message with its TSIG record appended and ARCOUNT raised. */
  wire: Buffer;
  /** The request's MAC, which the answer's MAC covers. */
  mac: Buffer;
}

/** Sign an encoded message (RFC 8945 5.1): `message` holds no TSIG record yet. */
export function signRequest(
  message: Buffer,
  key: TsigKey,
  now: number = Math.floor(Date.now() / 1000),
  fudge: number = DEFAULT_FUDGE,
): SignedRequest {
  const algorithm = ALGORITHMS[key.algorithm].wire;
  const fields = { algorithm, timeSigned: now, fudge, error: 0, other: Buffer.alloc(0) };
  const mac = hmac(key, [message, variables(key, fields, false)]);
  const rdata = new WireWriter()
    .name(algorithm)
    .u48(now)
    .u16(fudge)
    .u16(mac.length)
    .bytes(mac)
    .u16(message.readUInt16BE(0))
    .u16(0)
    .u16(0)
    .toBuffer();
  const record: ResourceRecord = { name: key.name, type: TYPE_TSIG, class: CLASS_ANY, ttl: 0, rdata };
  const rr = new WireWriter()
    .name(record.name)
    .u16(record.type)
    .u16(record.class)
    .u32(0)
    .u16(rdata.length)
    .bytes(rdata)
    .toBuffer();
  const wire = Buffer.concat([message, rr]);
  wire.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { wire, mac };
}

/** The TSIG record of a message: the last additional record, when it is one. */
export function tsigRecord(msg: DecodedMessage): DecodedRecord | undefined {
  const last = msg.additional[msg.additional.length - 1];
  return last?.type === TYPE_TSIG ? last : undefined;
}

/**
 * The message as it was before the signer added its TSIG record: cut before the record, ARCOUNT one
 * less, and the original id (RFC 8945 4.3.1), which a forwarder may have changed.
 */
function unsignedBytes(msg: DecodedMessage, rr: DecodedRecord, originalId: number): Buffer {
  const bytes = Buffer.from(msg.raw.subarray(0, rr.start));
  bytes.writeUInt16BE(originalId, 0);
  bytes.writeUInt16BE(bytes.readUInt16BE(10) - 1, 10);
  return bytes;
}

/**
 * Checks the answers to one signed request in order: one for a query or UPDATE, many for a transfer.
 * Each answer's TSIG error is reported as is, since the server leaves such answers unsigned.
 */
export class TsigVerifier {
  private previousMac: Buffer;
  private pending: Buffer[] = [];
  private first = true;

  constructor(
    private readonly key: TsigKey,
    requestMac: Buffer,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.previousMac = requestMac;
  }

  /**
   * Check one answer. Returns the server's TSIG error code (0 when all is well and the MAC checked out);
   * throws TsigVerifyError when the answer must not be trusted.
   */
  verify(msg: DecodedMessage): number {
    const rr = tsigRecord(msg);
    if (!rr) {
      // RFC 8945 5.3.1: later messages of a transfer may go unsigned, up to 99 in a row; the first may not.
      if (this.first) throw new TsigVerifyError("the server's answer is not signed", RCODE.BADSIG);
      if (this.pending.length >= 99) {
        throw new TsigVerifyError("over 99 unsigned messages in a row in a zone transfer", RCODE.BADSIG);
      }
      this.pending.push(msg.raw);
      return 0;
    }
    const f = readTsig(msg.raw, rr);
    if (rr.name !== this.key.name) {
      throw new TsigVerifyError(
        `the answer is signed with key ${rr.name}, not ${this.key.name}`,
        RCODE.BADKEY,
      );
    }
    if (f.algorithm !== ALGORITHMS[this.key.algorithm].wire) {
      throw new TsigVerifyError(
        `the answer is signed with ${f.algorithm}, not ${this.key.algorithm}`,
        RCODE.BADKEY,
      );
    }
    // An error answer to a request the server could not verify is unsigned (RFC 8945 5.3.2): report it.
    if (f.error !== 0 && f.mac.length === 0) return f.error;
    const full = createHmac(ALGORITHMS[this.key.algorithm].hash, "").digest().length;
    // RFC 8945 5.2.2.1: a truncated MAC must keep at least half the hash and at least 10 octets.
    if (f.mac.length > full || f.mac.length < Math.max(10, full / 2)) {
      throw new TsigVerifyError(
        `the answer's MAC is ${f.mac.length} octets, which is not allowed`,
        RCODE.BADTRUNC,
      );
    }
    const timersOnly = !this.first;
    const expected = hmac(this.key, [
      withLength(this.previousMac),
      ...this.pending,
      unsignedBytes(msg, rr, f.originalId),
      variables(this.key, f, timersOnly),
    ]).subarray(0, f.mac.length);
    if (!timingSafeEqual(expected, f.mac)) {
      throw new TsigVerifyError(
        "the answer's TSIG MAC does not match: it was not signed with this key",
        RCODE.BADSIG,
      );
    }
    // Checked after the MAC, as RFC 8945 5.2.3 orders it, so a forged time cannot pass for a clock problem.
    if (Math.abs(this.now() - f.timeSigned) > f.fudge) {
      throw new TsigVerifyError(
        `the answer was signed at ${f.timeSigned}, more than ${f.fudge} s from our clock`,
        RCODE.BADTIME,
      );
    }
    this.previousMac = f.mac;
    this.pending = [];
    this.first = false;
    return f.error;
  }

  /** At the end of a transfer: the last message must have been signed (RFC 8945 5.3.1). */
  finish(): void {
    if (this.pending.length > 0) {
      throw new TsigVerifyError("the zone transfer's last message is not signed", RCODE.BADSIG);
    }
  }
}
