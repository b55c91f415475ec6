/**
 * A tiny DNS client (RFC 1035 4) for the conformance tests: it sends one question to a server's DNS
 * port over UDP (TCP when the answer is truncated) and decodes the answer and authority sections into
 * omnicloud's record model, so a test can compare what the server SERVES with what the API said.
 *
 * Written for tests against a server on 127.0.0.1: no EDNS, no DNSSEC, bounded retries.
 */
import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { canonicalIPv6 } from "../../src/dns/address.js";
import { unescapeBytes } from "../../src/dns/charstring.js";
import { splitLabels } from "../../src/dns/names.js";
import type { AnyRecordData, RecordType } from "../../src/dns/types.js";

export const TYPE_CODES: Record<Exclude<RecordType, "ALIAS">, number> = {
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
const TYPE_NAMES = new Map<number, RecordType>(
  Object.entries(TYPE_CODES).map(([name, code]) => [code, name as RecordType]),
);

export interface WireRecord {
  /** Absolute, lower case, presentation form. */
  name: string;
  type: RecordType | number;
  ttl: number;
  /** Decoded for the types the model has. */
  data: AnyRecordData | undefined;
}

export interface DnsAnswer {
  rcode: number;
  authoritative: boolean;
  answers: WireRecord[];
  authority: WireRecord[];
}

export interface QueryOptions {
  port: number;
  host?: string;
  /** Per attempt; the test's own timeout bounds the whole. */
  timeoutMs?: number;
  attempts?: number;
}

export async function queryDns(
  name: string,
  type: Exclude<RecordType, "ALIAS">,
  options: QueryOptions,
): Promise<DnsAnswer> {
  const id = randomInt(0, 0x10000);
  const packet = buildQuery(id, name, TYPE_CODES[type]);
  let reply = await udpExchange(packet, id, options);
  // TC: the answer did not fit 512 bytes; ask again over TCP, which has no such limit.
  if ((reply[2]! & 0x02) !== 0) reply = await tcpExchange(packet, options);
  return parseMessage(reply, id);
}

function buildQuery(id: number, name: string, qtype: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0000, 2); // a standard query, recursion not desired
  header.writeUInt16BE(1, 4); // one question
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(qtype, 0);
  tail.writeUInt16BE(1, 2); // class IN
  return Buffer.concat([header, encodeName(name), tail]);
}

function encodeName(name: string): Buffer {
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  const parts: Buffer[] = [];
  if (bare !== "") {
    for (const label of splitLabels(bare)) {
      const bytes = unescapeBytes(label, `query name ${name}`);
      parts.push(Buffer.from([bytes.length]), bytes);
    }
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function udpExchange(packet: Buffer, id: number, o: QueryOptions): Promise<Buffer> {
  const attempts = o.attempts ?? 3;
  const host = o.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    let tries = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: Error | undefined, reply?: Buffer): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const send = (): void => {
      tries++;
      socket.send(packet, o.port, host, (err) => {
        if (err) finish(err);
      });
      timer = setTimeout(() => {
        if (tries < attempts) send();
        else finish(new Error(`no DNS answer from ${host}:${o.port} after ${attempts} tries`));
      }, o.timeoutMs ?? 2_000);
    };
    socket.on("error", (err) => finish(err));
    socket.on("message", (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === id) finish(undefined, msg);
    });
    send();
  });
}

function tcpExchange(packet: Buffer, o: QueryOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: o.host ?? "127.0.0.1", port: o.port });
    const chunks: Buffer[] = [];
    socket.setTimeout(o.timeoutMs ?? 2_000, () => socket.destroy(new Error("DNS over TCP timed out")));
    socket.on("connect", () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(packet.length, 0);
      socket.write(Buffer.concat([length, packet]));
    });
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) {
        socket.destroy();
        resolve(all.subarray(2, 2 + all.readUInt16BE(0)));
      }
    });
    socket.on("error", reject);
  });
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public at = 0,
  ) {}
  u8(): number {
    return this.buf.readUInt8(this.at++);
  }
  u16(): number {
    const v = this.buf.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    const v = this.buf.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  bytes(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new Error("DNS message ends inside a field");
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  /** A name, following compression pointers (RFC 1035 4.1.4), bounded against pointer loops. */
  name(): string {
    const labels: string[] = [];
    let at = this.at;
    let jumped = false;
    for (let hops = 0; hops < 128; hops++) {
      const len = this.buf.readUInt8(at);
      if ((len & 0xc0) === 0xc0) {
        const pointer = ((len & 0x3f) << 8) | this.buf.readUInt8(at + 1);
        if (!jumped) this.at = at + 2;
        jumped = true;
        at = pointer;
        continue;
      }
      if (len === 0) {
        if (!jumped) this.at = at + 1;
        return labels.length === 0 ? "." : `${labels.join(".")}.`;
      }
      labels.push(labelText(this.buf.subarray(at + 1, at + 1 + len)));
      at += 1 + len;
    }
    throw new Error("DNS name compression loops");
  }
  charString(): string {
    return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes(this.u8()));
  }
}

/** A label's octets in presentation form: lower case, with anything outside the usual set escaped. */
function labelText(bytes: Buffer): string {
  let out = "";
  for (const b of bytes) {
    const ch = String.fromCharCode(b).toLowerCase();
    if (/[a-z0-9_\-*/]/.test(ch)) out += ch;
    else if (ch === "." || ch === "\\") out += `\\${ch}`;
    else out += `\\${String(b).padStart(3, "0")}`;
  }
  return out;
}

function ipv4(bytes: Buffer): string {
  return [...bytes].join(".");
}

function ipv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return canonicalIPv6(groups.join(":"), "AAAA answer");
}

function decodeData(type: RecordType, r: Reader, end: number): AnyRecordData {
  const rest = (): Buffer => r.bytes(end - r.at);
  const hex = (): string => rest().toString("hex");
  switch (type) {
    case "A":
      return { address: ipv4(r.bytes(4)) };
    case "AAAA":
      return { address: ipv6(r.bytes(16)) };
    case "NS":
    case "CNAME":
    case "PTR":
    case "ALIAS":
      return { target: r.name() };
    case "MX":
      return { preference: r.u16(), exchange: r.name() };
    case "TXT":
    case "SPF": {
      const text: string[] = [];
      while (r.at < end) text.push(r.charString());
      return { text };
    }
    case "SRV":
      return { priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
    case "CAA": {
      const flags = r.u8();
      const tag = r.bytes(r.u8()).toString("ascii").toLowerCase();
      return { flags, tag, value: new TextDecoder("utf-8", { fatal: true }).decode(rest()) };
    }
    case "SSHFP":
      return { algorithm: r.u8(), fingerprintType: r.u8(), fingerprint: hex() };
    case "TLSA":
      return { usage: r.u8(), selector: r.u8(), matchingType: r.u8(), data: hex() };
    case "NAPTR":
      return {
        order: r.u16(),
        preference: r.u16(),
        flags: r.charString(),
        service: r.charString(),
        regexp: r.charString(),
        replacement: r.name(),
      };
    case "DS":
      return { keyTag: r.u16(), algorithm: r.u8(), digestType: r.u8(), digest: hex() };
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

function parseMessage(buf: Buffer, id: number): DnsAnswer {
  const r = new Reader(buf);
  if (r.u16() !== id) throw new Error("DNS answer id does not match the query");
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()] as const;
  for (let i = 0; i < counts[0]; i++) {
    r.name();
    r.bytes(4);
  }
  const section = (n: number): WireRecord[] => {
    const out: WireRecord[] = [];
    for (let i = 0; i < n; i++) {
      const name = r.name();
      const code = r.u16();
      r.u16(); // class
      const ttl = r.u32();
      const length = r.u16();
      const end = r.at + length;
      const type = TYPE_NAMES.get(code);
      const data = type === undefined ? undefined : decodeData(type, r, end);
      r.at = end;
      out.push({ name, type: type ?? code, ttl, data });
    }
    return out;
  };
  const answers = section(counts[1]);
  const authority = section(counts[2]);
  return { rcode: flags & 0x0f, authoritative: (flags & 0x0400) !== 0, answers, authority };
}
