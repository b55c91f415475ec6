import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { decodeCharString, encodeCharString, splitText } from "../../src/dns/charstring.js";
import { formatRdata, parseRdata } from "../../src/dns/presentation.js";
import { type DataRules, normalizeData, RECORD_TYPES } from "../../src/dns/rdata.js";
import { parseRecordId, recordId } from "../../src/dns/record-id.js";
import type { AnyRecordData, RecordType } from "../../src/dns/types.js";
import { checkRecordInput } from "../../src/dns/validate.js";
import { tokenizeData } from "../../src/dns/zonefile/tokenize.js";

const Z = "example.com.";
const api: DataRules = { what: "rec", origin: Z, source: "api" };
const text: DataRules = { what: "rec", origin: Z, source: "text" };
const HEX32 = "ab".repeat(32);

/** One canonical sample per type, as presentation text. */
const SAMPLES: Record<RecordType, string> = {
  A: "192.0.2.1",
  AAAA: "2001:db8::1",
  CNAME: "www.example.com.",
  ALIAS: "lb.example.net.",
  NS: "ns1.example.net.",
  PTR: "host.example.com.",
  MX: "10 mail.example.com.",
  TXT: '"v=spf1 -all" "second \\"quoted\\" \\\\ b\\195\\188cher"',
  SPF: '"v=spf1 -all"',
  SRV: "0 5 5060 sip.example.com.",
  CAA: '128 issue "letsencrypt.org; validationmethods=dns-01"',
  SSHFP: `4 2 ${HEX32}`,
  TLSA: `3 1 1 ${HEX32}`,
  NAPTR: '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.',
  DS: `12345 13 2 ${HEX32}`,
  SOA: "ns1.example.com. hostmaster.example.com. 2024010101 10800 3600 604800 3600",
};

function parse(type: RecordType, data: string, rules = text): AnyRecordData {
  return parseRdata(type, tokenizeData(data, "t"), rules);
}

function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error("expected an InvalidInputError");
}

describe("presentation form", () => {
  it("round-trips every type exactly", () => {
    for (const type of RECORD_TYPES) {
      const data = parse(type, SAMPLES[type]);
      expect(formatRdata(type, data), type).toBe(SAMPLES[type]);
    }
  });

  it("reads typed fields", () => {
    expect(parse("MX", "10 mail")).toEqual({ preference: 10, exchange: "mail.example.com." });
    expect(parse("SRV", "1 2 3 .")).toEqual({ priority: 1, weight: 2, port: 3, target: "." });
    expect(parse("TXT", SAMPLES.TXT)).toEqual({ text: ["v=spf1 -all", 'second "quoted" \\ bücher'] });
    expect(parse("SSHFP", `1 1 ${"AB".repeat(10)} ${"cd".repeat(10)}`)).toEqual({
      algorithm: 1,
      fingerprintType: 1,
      fingerprint: `${"ab".repeat(10)}${"cd".repeat(10)}`,
    });
    expect(parse("SOA", "ns1 hostmaster 1 1h 30m 1w 5m")).toMatchObject({
      refresh: 3600,
      retry: 1800,
      expire: 604800,
      minimum: 300,
    });
    expect(parse("CAA", "0 ISSUE ca.example")).toEqual({ flags: 0, tag: "issue", value: "ca.example" });
  });

  it("names the problem: missing or extra fields, quoted numbers, bad escapes", () => {
    expect(invalid(() => parse("MX", "10"))).toMatch(/needs: preference exchange/);
    expect(invalid(() => parse("A", "192.0.2.1 extra"))).toMatch(/too many fields/);
    expect(invalid(() => parse("MX", '"10" mail'))).toMatch(/may not be quoted/);
    expect(invalid(() => parse("TXT", '"\\300"'))).toMatch(/not a byte/);
    expect(invalid(() => parse("TXT", '"\\255\\254"'))).toMatch(/not UTF-8/);
  });
});

describe("normalizeData", () => {
  it("checks address families, naming the record", () => {
    expect(normalizeData("A", { address: "192.0.2.1" }, api)).toEqual({ address: "192.0.2.1" });
    expect(invalid(() => normalizeData("A", { address: "2001:db8::1" }, api))).toMatch(
      /^rec: .*not an IPv4.*AAAA/,
    );
    expect(invalid(() => normalizeData("AAAA", { address: "192.0.2.1" }, api))).toMatch(
      /not an IPv6.*A record/,
    );
    expect(invalid(() => normalizeData("A", { address: "1.2.3" }, api))).toMatch(/not an IPv4/);
  });

  it("writes IPv6 in RFC 5952 form", () => {
    expect(normalizeData("AAAA", { address: "2001:DB8:0:0:0:0:0:1" }, api)).toEqual({
      address: "2001:db8::1",
    });
    expect(normalizeData("AAAA", { address: "::FFFF:1.2.3.4" }, api)).toEqual({ address: "::ffff:102:304" });
  });

  it("checks integer ranges of every numeric field", () => {
    expect(invalid(() => normalizeData("MX", { preference: 65536, exchange: "m" }, api))).toMatch(
      /preference must be a whole number from 0 to 65535/,
    );
    expect(invalid(() => normalizeData("MX", { preference: 1.5, exchange: "m" }, api))).toMatch(/preference/);
    expect(
      invalid(() => normalizeData("SRV", { priority: 0, weight: 0, port: -1, target: "t" }, api)),
    ).toMatch(/port/);
    expect(invalid(() => normalizeData("CAA", { flags: 256, tag: "issue", value: "x" }, api))).toMatch(
      /flags/,
    );
    expect(invalid(() => normalizeData("CAA", { flags: 0, tag: "is-sue", value: "x" }, api))).toMatch(/tag/);
  });

  it("splits long TXT into 255-byte strings without cutting a character", () => {
    const long = `${"a".repeat(254)}ü${"b".repeat(300)}`;
    const data = normalizeData("TXT", { text: long }, api) as { text: string[] };
    expect(data.text.map((s) => Buffer.byteLength(s))).toEqual([254, 255, 47]);
    expect(data.text.join("")).toBe(long);
    expect(splitText("")).toEqual([""]);
    // From a zone file, an over-long string is an error, as for BIND.
    expect(invalid(() => normalizeData("TXT", { text: ["x".repeat(256)] }, text))).toMatch(/255-byte/);
    expect(invalid(() => normalizeData("TXT", { text: [] }, api))).toMatch(/non-empty/);
  });

  it("quotes and escapes character strings", () => {
    expect(encodeCharString('a "b" \\ ü\t')).toBe('"a \\"b\\" \\\\ \\195\\188\\009"');
    expect(decodeCharString('a \\"b\\" \\\\ \\195\\188\\009', "t")).toBe('a "b" \\ ü\t');
  });

  it("checks hex and, for known digest types, its length", () => {
    expect(
      normalizeData("DS", { keyTag: 1, algorithm: 8, digestType: 2, digest: HEX32.toUpperCase() }, api),
    ).toMatchObject({ digest: HEX32 });
    expect(
      invalid(() => normalizeData("DS", { keyTag: 1, algorithm: 8, digestType: 2, digest: "abcd" }, api)),
    ).toMatch(/32 bytes/);
    expect(
      invalid(() => normalizeData("TLSA", { usage: 3, selector: 1, matchingType: 1, data: "abc" }, api)),
    ).toMatch(/hex/);
    expect(
      invalid(() => normalizeData("SSHFP", { algorithm: 1, fingerprintType: 1, fingerprint: "zz" }, api)),
    ).toMatch(/hex/);
    // What a provider already holds is read as it is.
    expect(
      normalizeData(
        "DS",
        { keyTag: 1, algorithm: 8, digestType: 2, digest: "abcd" },
        { ...api, source: "provider" },
      ),
    ).toMatchObject({ digest: "abcd" });
  });

  it("refuses data that is not an object, and non-string names", () => {
    expect(invalid(() => normalizeData("A", "192.0.2.1", api))).toMatch(/must be an object/);
    expect(invalid(() => normalizeData("CNAME", { target: 5 }, api))).toMatch(/target must be a domain name/);
  });
});

describe("record inputs and ids", () => {
  it("checks a record as a whole: type, owner, TTL, apex rules", () => {
    expect(checkRecordInput({ name: "www", type: "A", ttl: 60, data: { address: "192.0.2.1" } }, Z)).toEqual({
      fqdn: "www.example.com.",
      type: "A",
      ttl: 60,
      data: { address: "192.0.2.1" },
    });
    expect(checkRecordInput({ name: "", type: "MX", data: { preference: 0, exchange: "." } }, Z).fqdn).toBe(
      Z,
    );
    expect(invalid(() => checkRecordInput({ name: "@", type: "CNAME", data: { target: "x" } }, Z))).toMatch(
      /^CNAME record "@" in example.com.: .*apex/,
    );
    expect(
      invalid(() =>
        checkRecordInput(
          { name: "@", type: "DS", data: { keyTag: 1, algorithm: 1, digestType: 9, digest: "ab" } },
          Z,
        ),
      ),
    ).toMatch(/parent zone/);
    expect(
      invalid(() =>
        checkRecordInput({ name: "x", type: "A", ttl: 2 ** 31, data: { address: "192.0.2.1" } }, Z),
      ),
    ).toMatch(/TTL 2147483648/);
    expect(
      invalid(() => checkRecordInput({ name: "x", type: "SOA" as "A", data: { address: "192.0.2.1" } }, Z)),
    ).toMatch(/read-only/);
    expect(
      invalid(() => checkRecordInput({ name: "x", type: "HINFO" as "A", data: { address: "192.0.2.1" } }, Z)),
    ).toMatch(/not a record type/);
  });

  it("makes ids from records and reads them back", () => {
    for (const type of RECORD_TYPES) {
      const data = parse(type, SAMPLES[type]);
      const id = recordId(`x.${Z}`, type, data);
      expect(parseRecordId(id, Z)).toEqual({ fqdn: `x.${Z}`, type, data });
    }
    expect(invalid(() => parseRecordId("nonsense", Z))).toMatch(/not a record id/);
    expect(invalid(() => parseRecordId("www A 192.0.2.1", Z))).toMatch(/absolute/);
    expect(invalid(() => parseRecordId("www.example.org. A 192.0.2.1", Z))).toMatch(/outside the zone/);
  });
});
