/**
 * The rfc2136 provider's own DNS codec and TSIG, without a server: rdata of every type round-trips,
 * compressed names are read (and hostile pointers refused), and TSIG answers are checked: a tampered
 * byte, a wrong key, a stale time, and a transfer's MAC chain with an unsigned message in the middle.
 * The server side here is written out byte by byte from RFC 8945, independently of the library's signer.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { formatRdata } from "../../src/dns/presentation.js";
import type { AnyRecordData } from "../../src/dns/types.js";
import { RCODE, TYPE_CODES, type WireType } from "../../src/providers/rfc2136/constants.js";
import { decodeRdata, encodeRdata, ipv6Bytes } from "../../src/providers/rfc2136/rdata-wire.js";
import {
  signRequest,
  type TsigKey,
  TsigVerifier,
  type TsigVerifyError,
} from "../../src/providers/rfc2136/tsig.js";
import { decodeMessage, encodeMessage, WireFormatError } from "../../src/providers/rfc2136/wire.js";
import { nameToWire } from "../../src/providers/rfc2136/wire-names.js";

const HEX32 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

const SAMPLES: [WireType, AnyRecordData][] = [
  ["A", { address: "192.0.2.1" }],
  ["AAAA", { address: "2001:db8::ff00:42:8329" }],
  ["AAAA", { address: "::ffff:c000:201" }],
  ["NS", { target: "ns1.example.org." }],
  ["CNAME", { target: "www.example.org." }],
  ["PTR", { target: "host.example.org." }],
  ["MX", { preference: 10, exchange: "mail.example.org." }],
  ["MX", { preference: 0, exchange: "." }],
  ["TXT", { text: ['say "hi" \\ bücher', "x".repeat(255)] }],
  ["SPF", { text: ["v=spf1 -all"] }],
  ["SRV", { priority: 1, weight: 2, port: 5060, target: "sip.example.org." }],
  ["CAA", { flags: 128, tag: "issue", value: "letsencrypt.org; validationmethods=dns-01" }],
  ["SSHFP", { algorithm: 4, fingerprintType: 2, fingerprint: HEX32 }],
  ["TLSA", { usage: 3, selector: 1, matchingType: 1, data: HEX32 }],
  [
    "NAPTR",
    {
      order: 100,
      preference: 10,
      flags: "U",
      service: "E2U+sip",
      regexp: "!^.*$!sip:a@b!",
      replacement: ".",
    },
  ],
  ["DS", { keyTag: 12345, algorithm: 13, digestType: 2, digest: HEX32 }],
  [
    "SOA",
    {
      mname: "ns1.example.org.",
      rname: "dns\\.admin.example.org.",
      serial: 4294967295,
      refresh: 7200,
      retry: 900,
      expire: 1209600,
      minimum: 300,
    },
  ],
];

describe("rfc2136 rdata codec", () => {
  for (const [type, data] of SAMPLES) {
    it(`round-trips ${type} ${formatRdata(type, data).slice(0, 40)}`, () => {
      const wire = encodeRdata(type, data);
      expect(decodeRdata(type, wire, 0, wire.length, type)).toEqual(data);
    });
  }

  it("writes the octets the RFCs lay out", () => {
    expect(encodeRdata("A", { address: "192.0.2.1" }).toString("hex")).toBe("c0000201");
    expect(encodeRdata("MX", { preference: 10, exchange: "a.b." }).toString("hex")).toBe("000a0161016200");
    // CAA (RFC 8659 4.1): flags, tag length, tag, value with no length of its own.
    expect(encodeRdata("CAA", { flags: 0, tag: "issue", value: "ca" }).toString("hex")).toBe(
      `0005${Buffer.from("issue").toString("hex")}${Buffer.from("ca").toString("hex")}`,
    );
    expect(ipv6Bytes("::1").toString("hex")).toBe(`${"0".repeat(30)}01`);
    expect(ipv6Bytes("::ffff:192.0.2.1").toString("hex")).toBe(`${"0".repeat(20)}ffffc0000201`);
  });

  it("refuses rdata that is longer than its type reads", () => {
    const wire = Buffer.concat([encodeRdata("A", { address: "192.0.2.1" }), Buffer.from([0])]);
    expect(() => decodeRdata("A", wire, 0, wire.length, "A")).toThrow(WireFormatError);
  });
});

describe("rfc2136 message codec", () => {
  it("reads compressed names in owners and rdata, lower-cased, with escapes", () => {
    // Header, one question "Ex.Test.", one MX answer whose owner and exchange point back into it.
    const header = Buffer.from("1234840000010001" + "00000000", "hex");
    const question = Buffer.concat([nameToWire("Ex.Test."), Buffer.from("000f0001", "hex")]);
    const rdata = Buffer.concat([
      Buffer.from("000a", "hex"),
      Buffer.from([4]),
      Buffer.from("m.x@"),
      Buffer.from([0xc0, 12]),
    ]);
    const answer = Buffer.concat([
      Buffer.from([0xc0, 12]),
      Buffer.from("000f00010000012c", "hex"),
      Buffer.from([0, rdata.length]),
      rdata,
    ]);
    const msg = decodeMessage(Buffer.concat([header, question, answer]));
    expect(msg.question[0]!.name).toBe("ex.test.");
    const rr = msg.answer[0]!;
    expect(rr.name).toBe("ex.test.");
    expect(rr.ttl).toBe(300);
    expect(decodeRdata("MX", msg.raw, rr.rdataAt, rr.rdata.length, "MX")).toEqual({
      preference: 10,
      exchange: "m\\.x\\064.ex.test.",
    });
  });

  it("refuses pointers that do not point backwards (no loops) and messages cut short", () => {
    const header = Buffer.from("123400000001000000000000", "hex");
    const loop = Buffer.concat([header, Buffer.from([0xc0, 12]), Buffer.from("00010001", "hex")]);
    expect(() => decodeMessage(loop)).toThrow(/backwards/);
    expect(() => decodeMessage(header.subarray(0, 11))).toThrow(WireFormatError);
  });

  it("encodes and decodes a whole message", () => {
    const msg = {
      id: 7,
      flags: 5 << 11,
      question: [{ name: "example.test.", type: TYPE_CODES.SOA, class: 1 }],
      answer: [],
      authority: [
        { name: "www.example.test.", type: 1, class: 1, ttl: 60, rdata: Buffer.from([192, 0, 2, 1]) },
      ],
      additional: [],
    };
    const back = decodeMessage(encodeMessage(msg));
    expect(back.id).toBe(7);
    expect(back.authority[0]).toMatchObject({ name: "www.example.test.", ttl: 60 });
  });
});

// ---- a server's side of TSIG, written out from RFC 8945 4.3 ----

const KEY: TsigKey = { name: "k.", algorithm: "hmac-sha256", secret: Buffer.alloc(32, 1) };

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

function u48(n: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(n, 0, 6);
  return b;
}

/** Sign `message` as a server would: chained on `prior` (the request's or the last message's MAC). */
function serverSign(
  message: Buffer,
  prior: Buffer,
  time: number,
  opts: { timersOnly?: boolean; error?: number } = {},
) {
  const alg = nameToWire("hmac-sha256.");
  const vars = opts.timersOnly
    ? Buffer.concat([u48(time), u16(300)])
    : Buffer.concat([
        nameToWire(KEY.name),
        u16(255),
        Buffer.alloc(4),
        alg,
        u48(time),
        u16(300),
        u16(opts.error ?? 0),
        u16(0),
      ]);
  const mac = createHmac("sha256", KEY.secret)
    .update(Buffer.concat([u16(prior.length), prior, message, vars]))
    .digest();
  const rdata = Buffer.concat([
    alg,
    u48(time),
    u16(300),
    u16(mac.length),
    mac,
    message.subarray(0, 2),
    u16(opts.error ?? 0),
    u16(0),
  ]);
  const rr = Buffer.concat([
    nameToWire(KEY.name),
    u16(250),
    u16(255),
    Buffer.alloc(4),
    u16(rdata.length),
    rdata,
  ]);
  const out = Buffer.concat([message, rr]);
  out.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { wire: out, mac };
}

function answer(id: number, records: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8400, 2);
  header.writeUInt16BE(records, 6);
  const rrs = Array.from({ length: records }, (_, i) =>
    Buffer.concat([
      nameToWire(`r${i}.t.`),
      u16(1),
      u16(1),
      Buffer.alloc(4),
      u16(4),
      Buffer.from([192, 0, 2, i]),
    ]),
  );
  return Buffer.concat([header, ...rrs]);
}

describe("TSIG (RFC 8945)", () => {
  const now = 1_700_000_000;
  const request = () => signRequest(answer(42, 0), KEY, now);

  it("signs a request with its TSIG record last, ARCOUNT raised, and a MAC a server can recompute", () => {
    const plain = answer(42, 0);
    const { wire, mac } = signRequest(plain, KEY, now);
    const msg = decodeMessage(wire);
    expect(msg.additional).toHaveLength(1);
    const alg = nameToWire("hmac-sha256.");
    const vars = Buffer.concat([
      nameToWire("k."),
      u16(255),
      Buffer.alloc(4),
      alg,
      u48(now),
      u16(300),
      u16(0),
      u16(0),
    ]);
    expect(mac).toEqual(
      createHmac("sha256", KEY.secret)
        .update(Buffer.concat([plain, vars]))
        .digest(),
    );
  });

  it("accepts a correctly signed answer, and refuses a tampered byte or another secret", () => {
    const req = request();
    const good = serverSign(answer(42, 1), req.mac, now).wire;
    expect(new TsigVerifier(KEY, req.mac, () => now).verify(decodeMessage(good))).toBe(0);
    const tampered = Buffer.from(good);
    // One bit of the answer's address (the last rdata octet before the TSIG record) flipped.
    const at = decodeMessage(good).additional[0]!.start - 1;
    tampered.writeUInt8(tampered.readUInt8(at) ^ 1, at);
    expect(() => new TsigVerifier(KEY, req.mac, () => now).verify(decodeMessage(tampered))).toThrow(
      /does not match/,
    );
    const other = { ...KEY, secret: Buffer.alloc(32, 2) };
    expect(() => new TsigVerifier(other, req.mac, () => now).verify(decodeMessage(good))).toThrow(
      /does not match/,
    );
  });

  it("refuses an answer signed outside the fudge window (BADTIME), after checking the MAC", () => {
    const req = request();
    const stale = serverSign(answer(42, 1), req.mac, now - 301).wire;
    const err = (() => {
      try {
        new TsigVerifier(KEY, req.mac, () => now).verify(decodeMessage(stale));
      } catch (e) {
        return e as TsigVerifyError;
      }
      return undefined;
    })();
    expect(err?.tsigError).toBe(RCODE.BADTIME);
  });

  it("reports the TSIG error of an unsigned error answer (MAC size 0) instead of failing it", () => {
    const req = request();
    const header = answer(42, 0);
    header.writeUInt16BE(0x8409, 2); // NOTAUTH
    const alg = nameToWire("hmac-sha256.");
    const rdata = Buffer.concat([alg, u48(now), u16(300), u16(0), u16(42), u16(RCODE.BADSIG), u16(0)]);
    const rr = Buffer.concat([
      nameToWire("k."),
      u16(250),
      u16(255),
      Buffer.alloc(4),
      u16(rdata.length),
      rdata,
    ]);
    const wire = Buffer.concat([header, rr]);
    wire.writeUInt16BE(1, 10);
    expect(new TsigVerifier(KEY, req.mac, () => now).verify(decodeMessage(wire))).toBe(RCODE.BADSIG);
  });

  it("checks a transfer's chain: later messages sign only the timers and cover unsigned ones before them", () => {
    const req = request();
    const first = serverSign(answer(42, 2), req.mac, now);
    const middle = answer(42, 3); // unsigned, allowed between signed ones
    const lastPlain = answer(42, 1);
    const last = serverSign(Buffer.concat([middle, lastPlain]), first.mac, now, { timersOnly: true });
    // The MAC covers the middle message and the last one; the last is sent on its own.
    const lastWire = last.wire.subarray(middle.length);
    lastWire.writeUInt16BE(lastPlain.readUInt16BE(10) + 1, 10);
    const verifier = new TsigVerifier(KEY, req.mac, () => now);
    expect(verifier.verify(decodeMessage(first.wire))).toBe(0);
    expect(verifier.verify(decodeMessage(middle))).toBe(0);
    expect(() => verifier.finish()).toThrow(/not signed/);
    expect(verifier.verify(decodeMessage(Buffer.from(lastWire)))).toBe(0);
    expect(() => verifier.finish()).not.toThrow();
  });

  it("refuses an unsigned first answer", () => {
    const req = request();
    expect(() => new TsigVerifier(KEY, req.mac, () => now).verify(decodeMessage(answer(42, 1)))).toThrow(
      /not signed/,
    );
  });
});
