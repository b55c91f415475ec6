import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { formatRdata } from "../../src/dns/presentation.js";
import { exportZoneFile } from "../../src/dns/zonefile/export.js";
import { type ParsedZoneFile, parseZoneFile, zoneFileSets } from "../../src/dns/zonefile/parse.js";

const HEX32 = "0123456789abcdef".repeat(4);

/** A zone with every supported type, written the way people write zone files. */
const EVERY_TYPE = `; a comment line
$ORIGIN example.com.
$TTL 1h
@ IN SOA ns1 hostmaster ( 2024010101 ; serial
        3h   ; refresh
        1h 1w 1h )
    IN NS  ns1                 ; owner inherited from the line above
    IN NS  ns2.example.net.
    MX 10 mail
    CAA 0 issue "letsencrypt.org"
    ALIAS lb.example.net.
ns1 300 IN A 192.0.2.1
www IN 300 AAAA 2001:DB8::1
    300 A 192.0.2.2
alias CNAME www
txt TXT "hello \\"world\\"" "back\\\\slash" "b\\195\\188cher" plain
spf SPF "v=spf1 -all"
_sip._tcp SRV 0 5 5060 sip
ssh SSHFP 4 2 ( ${HEX32.slice(0, 32)}
                ${HEX32.slice(32)} )
_443._tcp.www TLSA 3 1 1 ${HEX32}
naptr NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .
sub NS ns.other.org.
sub DS 12345 13 2 ${HEX32}
ptr PTR host.example.com.
*.wild A 192.0.2.9
$ORIGIN deep.example.com.
x A 192.0.2.3
`;

function exportParsed(parsed: ParsedZoneFile): string {
  return exportZoneFile({
    origin: parsed.origin,
    defaultTtl: parsed.defaultTtl,
    sets: zoneFileSets(parsed).values(),
  });
}

function lineError(text: string, options = {}): string {
  try {
    parseZoneFile(text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error("expected an InvalidInputError");
}

describe("zone file import", () => {
  const parsed = parseZoneFile(EVERY_TYPE);
  const find = (name: string, type: string): string[] =>
    parsed.records.filter((r) => r.fqdn === name && r.type === type).map((r) => formatRdata(r.type, r.data));

  it("reads $ORIGIN, $TTL, @, relative names, omitted owner, TTL and class, in either order", () => {
    expect(parsed.origin).toBe("example.com.");
    expect(parsed.defaultTtl).toBe(3600);
    expect(find("example.com.", "NS")).toEqual(["ns1.example.com.", "ns2.example.net."]);
    expect(find("example.com.", "MX")).toEqual(["10 mail.example.com."]);
    expect(find("www.example.com.", "A")).toEqual(["192.0.2.2"]);
    expect(parsed.records.find((r) => r.type === "AAAA")?.ttl).toBe(300);
    expect(parsed.records.find((r) => r.type === "CAA")?.ttl).toBe(3600);
    expect(find("x.deep.example.com.", "A")).toEqual(["192.0.2.3"]);
    expect(find("ptr.example.com.", "PTR")).toEqual(["host.example.com."]);
    expect(find("*.wild.example.com.", "A")).toEqual(["192.0.2.9"]);
  });

  it("reads parentheses across lines with comments inside, and quoted strings with escapes", () => {
    expect(find("example.com.", "SOA")).toEqual([
      "ns1.example.com. hostmaster.example.com. 2024010101 10800 3600 604800 3600",
    ]);
    expect(find("ssh.example.com.", "SSHFP")).toEqual([`4 2 ${HEX32}`]);
    const txt = parsed.records.find((r) => r.type === "TXT")!.data;
    expect(txt).toEqual({ text: ['hello "world"', "back\\slash", "bücher", "plain"] });
  });

  it("records the line each record starts on", () => {
    expect(parsed.records.find((r) => r.type === "SOA")?.line).toBe(4);
    expect(parsed.records.find((r) => r.type === "SSHFP")?.line).toBe(19);
  });

  it("round-trips: export, import, export gives the same text, for every type", () => {
    const first = exportParsed(parseZoneFile(EVERY_TYPE));
    const second = exportParsed(parseZoneFile(first));
    expect(second).toBe(first);
    for (const type of [
      "SOA",
      "NS",
      "A",
      "AAAA",
      "CNAME",
      "ALIAS",
      "MX",
      "TXT",
      "SPF",
      "SRV",
      "CAA",
      "PTR",
      "SSHFP",
      "TLSA",
      "NAPTR",
      "DS",
    ]) {
      expect(first, type).toMatch(new RegExp(` IN ${type} `));
    }
    expect(first.split("\n").slice(0, 2)).toEqual(["$ORIGIN example.com.", "$TTL 3600"]);
    expect(first).toContain(
      'txt           3600 IN TXT "hello \\"world\\"" "back\\\\slash" "b\\195\\188cher" "plain"',
    );
  });

  it("takes the origin from options, or from the SOA owner when there is no $ORIGIN", () => {
    expect(parseZoneFile("www 300 IN A 192.0.2.1\n", { origin: "example.org" }).records[0]!.fqdn).toBe(
      "www.example.org.",
    );
    const bySoa = parseZoneFile("example.net. 300 IN SOA ns1.example.net. h.example.net. 1 2 3 4 5\n");
    expect(bySoa.origin).toBe("example.net.");
  });

  it("uses the last stated TTL when there is no $TTL (RFC 1035)", () => {
    const p = parseZoneFile("$ORIGIN example.com.\na 120 A 192.0.2.1\nb A 192.0.2.2\n");
    expect(p.records.map((r) => r.ttl)).toEqual([120, 120]);
  });
});

describe("zone file errors name the line", () => {
  const head = "$ORIGIN example.com.\n$TTL 300\n";
  it.each([
    [
      "a bad address",
      `${head}www A 1.2.3\n`,
      /^Zone file line 3 \(A record "www.example.com."\): .*not an IPv4/,
    ],
    ["an unsupported type", `${head}x HINFO "a" "b"\n`, /^Zone file line 3 .*HINFO is not supported/],
    [
      "an unclosed parenthesis",
      `${head}\n@ SOA a b (1 2 3\n4 5\n`,
      /^Zone file line 4: this "\(" is never closed/,
    ],
    ["a stray close", `${head}x A 192.0.2.1 )\n`, /^Zone file line 3: a "\)" without/],
    ["an unclosed quote", `${head}x TXT "abc\n`, /^Zone file line 3: a quoted string is not closed/],
    ["a missing type", `${head}x 300 IN\n`, /^Zone file line 3: .*no type/],
    [
      "a blank owner with nothing before",
      "$TTL 300\n  A 192.0.2.1\n",
      /^Zone file line 2: .*no previous owner/,
    ],
    ["a relative name before $ORIGIN", "www 300 A 192.0.2.1\n", /^Zone file line 1: .*before any \$ORIGIN/],
    [
      "$INCLUDE",
      `${head}$INCLUDE other.zone\n`,
      /^Zone file line 3 \(\$INCLUDE\): \$INCLUDE is not supported/,
    ],
    ["an unknown directive", `${head}$FOO bar\n`, /^Zone file line 3 \(\$FOO\): unknown directive/],
    ["a CNAME at the apex", `${head}@ CNAME www\n`, /^Zone file line 3 .*apex/],
    [
      "a name outside the zone",
      `${head}www.example.org. A 192.0.2.1\n`,
      /^Zone file line 3 .*outside the zone/,
    ],
    ["a class other than IN", `${head}x CH A 192.0.2.1\n`, /^Zone file line 3: class CH is not supported/],
    ["no TTL at all", "$ORIGIN example.com.\nx A 192.0.2.1\n", /^Zone file line 2 .*no TTL/],
    ["a bad TTL", `${head}x 99999999999 A 192.0.2.1\n`, /^Zone file line 3: TTL/],
    ["a long TXT string", `${head}x TXT "${"a".repeat(256)}"\n`, /^Zone file line 3 .*255-byte/],
    ["a bad SOA timer", `${head}@ SOA a b 1 2 3 4 x5\n`, /^Zone file line 3 .*minimum/],
  ])("%s", (_label, text, message) => {
    expect(lineError(text)).toMatch(message);
  });

  it("reports mismatched TTLs within one set when grouping", () => {
    const p = parseZoneFile(`${head}x 60 A 192.0.2.1\nx 120 A 192.0.2.2\n`);
    expect(() => zoneFileSets(p)).toThrow(/TTL 120 differs from TTL 60/);
  });
});
