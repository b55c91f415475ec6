/**
 * Reading and writing DNS messages (RFC 1035 4.1): the 12-byte header, questions, and resource records.
 * Records keep their rdata as bytes plus its offset in the message, because rdata may hold compressed
 * names (RFC 1035 4.1.4) that point anywhere earlier in the message; `rdata-wire.ts` reads it from there.
 */
import { labelToText, nameToWire } from "./wire-names.js";

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface ResourceRecord {
  /** Absolute presentation form, lower case on decode. */
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

export interface DecodedRecord extends ResourceRecord {
  /** Where the rdata starts in the message, for decoding compressed names inside it. */
  rdataAt: number;
  /** Where the whole record starts in the message (TSIG signs the message without its own record). */
  start: number;
}

export interface MessageHeader {
  id: number;
  /** QR, opcode, AA, TC, RD, RA, Z and the 4-bit rcode, as the 16 bits of the header. */
  flags: number;
}

export interface DnsMessage extends MessageHeader {
  /** The zone section in an UPDATE (RFC 2136 2.3). */
  question: Question[];
  /** The prerequisite section in an UPDATE. */
  answer: ResourceRecord[];
  /** The update section in an UPDATE. */
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

export interface DecodedMessage extends MessageHeader {
  raw: Buffer;
  question: Question[];
  answer: DecodedRecord[];
  authority: DecodedRecord[];
  additional: DecodedRecord[];
}

export const FLAG_QR = 0x8000;
export const FLAG_AA = 0x0400;
export const FLAG_TC = 0x0200;

export function opcodeOf(flags: number): number {
  return (flags >> 11) & 0x0f;
}

export function rcodeOf(flags: number): number {
  return flags & 0x0f;
}

export function flagsFor(opcode: number): number {
  return (opcode & 0x0f) << 11;
}

/** A message that cannot be read: the server sent something that is not DNS, or it was cut short. */
export class WireFormatError extends Error {}

/** Appends big-endian fields; the message is assembled once at the end. */
export class WireWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  bytes(data: Uint8Array): this {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.parts.push(buf);
    this.size += buf.length;
    return this;
  }

  u8(value: number): this {
    return this.bytes(Buffer.from([value & 0xff]));
  }

  u16(value: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(value & 0xffff, 0);
    return this.bytes(b);
  }

  u32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value >>> 0, 0);
    return this.bytes(b);
  }

  /** 48-bit unsigned, as TSIG's "time signed" (RFC 8945 4.2). */
  u48(value: number): this {
    const b = Buffer.alloc(6);
    b.writeUIntBE(value, 0, 6);
    return this.bytes(b);
  }

  name(name: string): this {
    return this.bytes(nameToWire(name));
  }

  /** A character string (RFC 1035 3.3): one length octet, then at most 255 octets. */
  charString(data: Uint8Array): this {
    if (data.length > 255) throw new RangeError(`a character string of ${data.length} octets is over 255`);
    return this.u8(data.length).bytes(data);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

/** Reads fields with bounds checks, so a short or hostile message is an error, never a wrong value. */
export class WireReader {
  constructor(
    readonly buf: Buffer,
    public at = 0,
  ) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) {
      throw new WireFormatError(`the DNS message ends inside a field (offset ${this.at}, ${n} bytes wanted)`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.at++);
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }

  u48(): number {
    this.need(6);
    const v = this.buf.readUIntBE(this.at, 6);
    this.at += 6;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  charString(): Buffer {
    return this.bytes(this.u8());
  }

  /**
   * A name, following compression pointers. Each pointer must point backwards (RFC 1035 4.1.4 only ever
   * refers to a prior occurrence), which also rules out loops.
   */
  name(): string {
    const labels: string[] = [];
    let at = this.at;
    let jumped = false;
    let wire = 1;
    for (;;) {
      if (at >= this.buf.length) throw new WireFormatError("a name runs past the end of the DNS message");
      const len = this.buf.readUInt8(at);
      if ((len & 0xc0) === 0xc0) {
        if (at + 1 >= this.buf.length) throw new WireFormatError("a compression pointer is cut short");
        const target = ((len & 0x3f) << 8) | this.buf.readUInt8(at + 1);
        if (target >= at) throw new WireFormatError("a compression pointer does not point backwards");
        if (!jumped) this.at = at + 2;
        jumped = true;
        at = target;
        continue;
      }
      if ((len & 0xc0) !== 0) throw new WireFormatError(`label type 0x${len.toString(16)} is not supported`);
      if (len === 0) {
        if (!jumped) this.at = at + 1;
        return labels.length === 0 ? "." : `${labels.join(".")}.`;
      }
      if (at + 1 + len > this.buf.length)
        throw new WireFormatError("a label runs past the end of the message");
      wire += len + 1;
      if (wire > 255) throw new WireFormatError("a name is over 255 octets");
      labels.push(labelToText(this.buf.subarray(at + 1, at + 1 + len)));
      at += 1 + len;
    }
  }
}

function writeRecord(w: WireWriter, rr: ResourceRecord): void {
  w.name(rr.name).u16(rr.type).u16(rr.class).u32(rr.ttl).u16(rr.rdata.length).bytes(rr.rdata);
}

/** The wire form of a message, names uncompressed. */
export function encodeMessage(msg: DnsMessage): Buffer {
  const w = new WireWriter();
  w.u16(msg.id).u16(msg.flags);
  w.u16(msg.question.length).u16(msg.answer.length).u16(msg.authority.length).u16(msg.additional.length);
  for (const q of msg.question) w.name(q.name).u16(q.type).u16(q.class);
  for (const section of [msg.answer, msg.authority, msg.additional]) {
    for (const rr of section) writeRecord(w, rr);
  }
  return w.toBuffer();
}

export function decodeMessage(raw: Buffer): DecodedMessage {
  const r = new WireReader(raw);
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()] as const;
  const question: Question[] = [];
  for (let i = 0; i < counts[0]; i++) question.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const section = (n: number): DecodedRecord[] => {
    const out: DecodedRecord[] = [];
    for (let i = 0; i < n; i++) {
      const start = r.at;
      const name = r.name();
      const type = r.u16();
      const klass = r.u16();
      const ttl = r.u32();
      const length = r.u16();
      const rdataAt = r.at;
      const rdata = r.bytes(length);
      out.push({ name, type, class: klass, ttl, rdata, rdataAt, start });
    }
    return out;
  };
  const answer = section(counts[1]);
  const authority = section(counts[2]);
  const additional = section(counts[3]);
  return { id, flags, raw, question, answer, authority, additional };
}
