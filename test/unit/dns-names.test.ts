import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import {
  canonicalZoneName,
  compareNames,
  emailToRname,
  isInZone,
  labelOctets,
  relativeName,
  resolveName,
} from "../../src/dns/names.js";

const Z = "example.com.";
const rules = { what: "test" };

function invalidMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error("expected an InvalidInputError");
}

describe("resolveName", () => {
  it("resolves @, relative and absolute names, lower-casing them", () => {
    expect(resolveName("@", Z, rules)).toBe(Z);
    expect(resolveName("WWW", Z, rules)).toBe("www.example.com.");
    expect(resolveName("a.b", Z, rules)).toBe("a.b.example.com.");
    expect(resolveName("Mail.Example.ORG.", Z, rules)).toBe("mail.example.org.");
    expect(resolveName("x", ".", rules)).toBe("x.");
  });

  it("turns Unicode labels into punycode, one label at a time", () => {
    expect(resolveName("bücher", Z, rules)).toBe("xn--bcher-kva.example.com.");
    expect(resolveName("www.münchen.de.", Z, rules)).toBe("www.xn--mnchen-3ya.de.");
    // An ideographic full stop separates labels in IDNA.
    expect(resolveName("bücher\u3002shop", Z, rules)).toBe("xn--bcher-kva.shop.example.com.");
    // Numeric labels stay labels (a whole-name IDNA pass would make "4" an IPv4 address).
    expect(resolveName("4", "3.2.1.in-addr.arpa.", rules)).toBe("4.3.2.1.in-addr.arpa.");
  });

  it("keeps escapes and counts them as one octet", () => {
    expect(resolveName("a\\.b", Z, rules)).toBe("a\\.b.example.com.");
    expect(labelOctets("a\\.b")).toBe(3);
    expect(labelOctets("\\065bc")).toBe(3);
  });

  it("allows service labels, RFC 2317 slashes, and wildcards only where asked", () => {
    expect(resolveName("_443._tcp", Z, rules)).toBe("_443._tcp.example.com.");
    expect(resolveName("0/26", "2.0.192.in-addr.arpa.", rules)).toBe("0/26.2.0.192.in-addr.arpa.");
    expect(resolveName("*.app", Z, { what: "t", wildcard: true })).toBe("*.app.example.com.");
    expect(invalidMessage(() => resolveName("*.app", Z, rules))).toMatch(/"\*"/);
    expect(invalidMessage(() => resolveName("a.*", Z, { what: "t", wildcard: true }))).toMatch(/first label/);
  });

  it("refuses labels over 63 octets and names over 255 octets on the wire", () => {
    const label63 = "a".repeat(63);
    expect(resolveName(`${label63}.`, Z, rules)).toBe(`${label63}.`);
    expect(invalidMessage(() => resolveName("a".repeat(64), Z, rules))).toMatch(
      /64 octets long; a label may have at most 63/,
    );
    // 4 labels of 63 plus dots: 4*64 + 1 = 257 octets on the wire.
    const long = `${[label63, label63, label63, label63].join(".")}.`;
    expect(invalidMessage(() => resolveName(long, Z, rules))).toMatch(/257 octets on the wire/);
    // 253 characters without the final dot is the longest name: 255 octets.
    const max = `${[label63, label63, label63, "a".repeat(61)].join(".")}.`;
    expect(max.length - 1).toBe(253);
    expect(resolveName(max, Z, rules)).toBe(max);
    const over = `${[label63, label63, label63, "a".repeat(62)].join(".")}.`;
    expect(invalidMessage(() => resolveName(over, Z, rules))).toMatch(/256 octets/);
  });

  it("refuses empty labels, odd characters and an empty name, naming what was checked", () => {
    expect(invalidMessage(() => resolveName("a..b", Z, { what: 'A record "x"' }))).toMatch(
      /^A record "x": .*empty label/,
    );
    expect(invalidMessage(() => resolveName("www,example", Z, rules))).toMatch(/characters/);
    expect(invalidMessage(() => resolveName("", Z, rules))).toMatch(/empty/);
    expect(invalidMessage(() => resolveName(".", Z, rules))).toMatch(/root/);
    expect(resolveName(".", Z, { what: "t", root: true })).toBe(".");
  });

  it("in strict mode refuses a relative name that repeats the zone", () => {
    const strict = { what: "t", strictRelative: true };
    expect(invalidMessage(() => resolveName("www.example.com", Z, strict))).toMatch(
      /Write "www" or "www.example.com."/,
    );
    expect(invalidMessage(() => resolveName("example.com", Z, strict))).toMatch(/Write "@"/);
    expect(resolveName("www.example.com", Z, rules)).toBe("www.example.com.example.com.");
  });
});

describe("zone names and helpers", () => {
  it("makes zone names absolute whether or not they end in a dot", () => {
    expect(canonicalZoneName("Example.COM")).toBe(Z);
    expect(canonicalZoneName("example.com.")).toBe(Z);
    expect(() => canonicalZoneName(".")).toThrow(InvalidInputError);
    expect(() => canonicalZoneName("")).toThrow(InvalidInputError);
  });

  it("relates names to zones", () => {
    expect(isInZone("a.example.com.", Z)).toBe(true);
    expect(isInZone("example.com.", Z)).toBe(true);
    expect(isInZone("badexample.com.", Z)).toBe(false);
    expect(relativeName("example.com.", Z)).toBe("@");
    expect(relativeName("a.b.example.com.", Z)).toBe("a.b");
    expect(relativeName("a.example.org.", Z)).toBe("a.example.org.");
  });

  it("turns a mail address into an SOA rname, escaping dots in the local part", () => {
    expect(emailToRname("hostmaster@example.com", "t")).toBe("hostmaster.example.com.");
    expect(emailToRname("dns.admin@Example.com", "t")).toBe("dns\\.admin.example.com.");
    expect(() => emailToRname("nobody", "t")).toThrow(InvalidInputError);
  });

  it("sorts names in DNS canonical order", () => {
    const names = ["z.example.com.", "example.com.", "a.b.example.com.", "b.example.com.", "a.example.com."];
    expect(names.sort(compareNames)).toEqual([
      "example.com.",
      "a.example.com.",
      "b.example.com.",
      "a.b.example.com.",
      "z.example.com.",
    ]);
  });
});
