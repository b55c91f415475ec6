/**
 * Record data between the model's typed objects and the wire (RFC 1035 3.3 and each type's RFC). Names
 * inside rdata are written uncompressed and read with compression, as RFC 3597 4 asks of every sender
 * and receiver. What is read goes through `normalizeData`, so wire data meets the same rules as any other.
 */
import { isIPv4 } from "node:net";
import { normalizeData } from "../../dns/rdata.js";
import type { AnyRecordData, RecordDataMap } from "../../dns/types.js";
import type { WireType } from "./constants.js";
import { WireFormatError, WireReader, WireWriter } from "./wire.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

function text(bytes: Buffer, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WireFormatError(`${what} is not UTF-8 text, which omnicloud's record model needs`);
  }
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split(".").map(Number));
}

/** 16 octets of an IPv6 address in any RFC 4291 2.2 text form (the model keeps the RFC 5952 one). */
export function ipv6Bytes(address: string): Buffer {
  let text = address;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  const dotted = text.slice(lastColon + 1);
  if (isIPv4(dotted)) {
    // An embedded IPv4 tail ("::ffff:192.0.2.1") is the last two groups.
    const v4 = ipv4Bytes(dotted);
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const parse = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const halves = text.split("::");
  if (halves.length > 2) throw new RangeError(`"${address}" is not an IPv6 address`);
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - tail.length - left.length - right.length : 0;
  const groups = [...left, ...Array<number>(Math.max(fill, 0)).fill(0), ...right, ...tail];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) {
    throw new RangeError(`"${address}" is not an IPv6 address`);
  }
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(g, i * 2);
  return out;
}

function ipv6Text(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(":");
}

/** TXT and SPF: one character string per chunk, nothing else (RFC 1035 3.3.14). */
function strings(w: WireWriter, text: readonly string[]): void {
  for (const chunk of text) w.charString(Buffer.from(chunk, "utf8"));
}

type Encoders = { [T in WireType]: (w: WireWriter, data: RecordDataMap[T]) => void };

const ENCODE: Encoders = {
  A: (w, d) => w.bytes(ipv4Bytes(d.address)),
  AAAA: (w, d) => w.bytes(ipv6Bytes(d.address)),
  NS: (w, d) => w.name(d.target),
  CNAME: (w, d) => w.name(d.target),
  PTR: (w, d) => w.name(d.target),
  MX: (w, d) => w.u16(d.preference).name(d.exchange),
  TXT: (w, d) => strings(w, d.text),
  SPF: (w, d) => strings(w, d.text),
  SRV: (w, d) => w.u16(d.priority).u16(d.weight).u16(d.port).name(d.target),
  // RFC 8659 4.1: flags, tag length, tag, then the value filling the rest (no length octet).
  CAA: (w, d) => w.u8(d.flags).charString(Buffer.from(d.tag, "ascii")).bytes(Buffer.from(d.value, "utf8")),
  SSHFP: (w, d) => w.u8(d.algorithm).u8(d.fingerprintType).bytes(Buffer.from(d.fingerprint, "hex")),
  TLSA: (w, d) => w.u8(d.usage).u8(d.selector).u8(d.matchingType).bytes(Buffer.from(d.data, "hex")),
  NAPTR: (w, d) =>
    w
      .u16(d.order)
      .u16(d.preference)
      .charString(Buffer.from(d.flags, "utf8"))
      .charString(Buffer.from(d.service, "utf8"))
      .charString(Buffer.from(d.regexp, "utf8"))
      .name(d.replacement),
  DS: (w, d) => w.u16(d.keyTag).u8(d.algorithm).u8(d.digestType).bytes(Buffer.from(d.digest, "hex")),
  SOA: (w, d) =>
    w.name(d.mname).name(d.rname).u32(d.serial).u32(d.refresh).u32(d.retry).u32(d.expire).u32(d.minimum),
};

/** The rdata of one value of `type`. */
export function encodeRdata<T extends WireType>(type: T, data: RecordDataMap[T]): Buffer;
export function encodeRdata(type: WireType, data: AnyRecordData): Buffer;
export function encodeRdata(type: WireType, data: AnyRecordData): Buffer {
  const w = new WireWriter();
  (ENCODE[type] as (w: WireWriter, d: AnyRecordData) => void)(w, data);
  return w.toBuffer();
}

/** The fields of each type read off the wire, before `normalizeData` checks them. */
function fields(type: WireType, r: WireReader, end: number, what: string): Record<string, unknown> {
  const rest = (): Buffer => r.bytes(end - r.at);
  switch (type) {
    case "A":
      return { address: [...r.bytes(4)].join(".") };
    case "AAAA":
      return { address: ipv6Text(r.bytes(16)) };
    case "NS":
    case "CNAME":
    case "PTR":
      return { target: r.name() };
    case "MX":
      return { preference: r.u16(), exchange: r.name() };
    case "TXT":
    case "SPF": {
      const strings: string[] = [];
      while (r.at < end) strings.push(text(r.charString(), what));
      // An empty TXT (no strings) is not valid data (RFC 1035 3.3.14 needs one or more).
      return { text: strings };
    }
    case "SRV":
      return { priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
    case "CAA":
      return { flags: r.u8(), tag: r.charString().toString("latin1"), value: text(rest(), what) };
    case "SSHFP":
      return { algorithm: r.u8(), fingerprintType: r.u8(), fingerprint: rest().toString("hex") };
    case "TLSA":
      return { usage: r.u8(), selector: r.u8(), matchingType: r.u8(), data: rest().toString("hex") };
    case "NAPTR":
      return {
        order: r.u16(),
        preference: r.u16(),
        flags: text(r.charString(), what),
        service: text(r.charString(), what),
        regexp: text(r.charString(), what),
        replacement: r.name(),
      };
    case "DS":
      return { keyTag: r.u16(), algorithm: r.u8(), digestType: r.u8(), digest: rest().toString("hex") };
    case "SOA":
      return {
        mname: r.name(),
        rname: r.name(),
        serial: r.u32(),
        refresh: r.u32(),
        retry: r.u32(),
        expire: r.u32(),
        minimum: r.u32(),
      };
  }
}

/**
 * Read one value of `type` whose rdata is `length` bytes at `at` in `message` (the whole message, for
 * compressed names). `what` names the record in errors.
 */
export function decodeRdata(
  type: WireType,
  message: Buffer,
  at: number,
  length: number,
  what: string,
): AnyRecordData {
  const r = new WireReader(message, at);
  const end = at + length;
  const f = fields(type, r, end, what);
  if (r.at !== end) {
    throw new WireFormatError(
      `${what}: ${end - r.at} bytes of rdata left over (a ${type} record was misread)`,
    );
  }
  return normalizeData(type, f, { what, origin: ".", source: "provider" });
}
