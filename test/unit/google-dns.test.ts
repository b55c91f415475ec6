/**
 * Cloud DNS rrdatas per type (RFC 1035 presentation text, names absolute), the managed-zone names new
 * zones get, and the reading of Google's error envelope.
 */
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/core/errors.js";
import type { LooseRecordSet } from "../../src/dns/driver.js";
import type { AnyRecordData, RecordType } from "../../src/dns/types.js";
import { parseGoogleDnsError } from "../../src/providers/google/dns-errors.js";
import {
  checkGoogleAlias,
  formatGoogleRdata,
  parseGoogleRdata,
  sameSet,
  toGoogleRrset,
  toModelSet,
} from "../../src/providers/google/dns-records.js";
import { managedZoneNameFor } from "../../src/providers/google/dns-setup.js";

const HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/** [type, model data, rrdata as Cloud DNS holds it]. */
const CASES: [RecordType, AnyRecordData, string][] = [
  ["A", { address: "192.0.2.1" }, "192.0.2.1"],
  ["AAAA", { address: "2001:db8::1" }, "2001:db8::1"],
  ["CNAME", { target: "www.example.org." }, "www.example.org."],
  ["ALIAS", { target: "lb.example.net." }, "lb.example.net."],
  ["NS", { target: "ns-cloud-a1.googledomains.com." }, "ns-cloud-a1.googledomains.com."],
  ["PTR", { target: "host.example.com." }, "host.example.com."],
  ["MX", { preference: 10, exchange: "mx.example.com." }, "10 mx.example.com."],
  ["TXT", { text: ["v=spf1 include:_spf.google.com ~all"] }, '"v=spf1 include:_spf.google.com ~all"'],
  ["TXT", { text: ['say "hi"', "back\\slash"] }, '"say \\"hi\\"" "back\\\\slash"'],
  ["SPF", { text: ["v=spf1 -all"] }, '"v=spf1 -all"'],
  ["SRV", { priority: 1, weight: 2, port: 5060, target: "sip.example.com." }, "1 2 5060 sip.example.com."],
  ["CAA", { flags: 0, tag: "issue", value: "letsencrypt.org" }, '0 issue "letsencrypt.org"'],
  [
    "CAA",
    { flags: 128, tag: "iodef", value: "mailto:sec@example.com" },
    '128 iodef "mailto:sec@example.com"',
  ],
  ["SSHFP", { algorithm: 4, fingerprintType: 2, fingerprint: HEX }, `4 2 ${HEX}`],
  ["TLSA", { usage: 3, selector: 1, matchingType: 1, data: HEX }, `3 1 1 ${HEX}`],
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
    '100 10 "U" "E2U+sip" "!^.*$!sip:a@b!" .',
  ],
  ["DS", { keyTag: 12345, algorithm: 13, digestType: 2, digest: HEX }, `12345 13 2 ${HEX}`],
];

describe("Cloud DNS rrdatas", () => {
  it.each(CASES)("%s: writes and reads back %j", (type, data, text) => {
    expect(formatGoogleRdata(type, data)).toBe(text);
    expect(parseGoogleRdata(type, text, `${type} test`)).toEqual(data);
  });

  it("reads SOA (read-only) as Cloud DNS sends it", () => {
    expect(
      parseGoogleRdata(
        "SOA",
        "ns-cloud-d1.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300",
        "SOA",
      ),
    ).toEqual({
      mname: "ns-cloud-d1.googledomains.com.",
      rname: "cloud-dns-hostmaster.google.com.",
      serial: 1,
      refresh: 21600,
      retry: 3600,
      expire: 259200,
      minimum: 300,
    });
  });

  it("reads what Cloud DNS may write differently: upper-case names and hex, unquoted TXT words", () => {
    expect(parseGoogleRdata("MX", "5 MX.Example.COM.", "MX")).toEqual({
      preference: 5,
      exchange: "mx.example.com.",
    });
    expect(parseGoogleRdata("SSHFP", `1 1 ${HEX.toUpperCase()}`, "SSHFP")).toEqual({
      algorithm: 1,
      fingerprintType: 1,
      fingerprint: HEX,
    });
    // Unquoted words are separate character strings, as presentation text reads them.
    expect(parseGoogleRdata("TXT", "hello world", "TXT")).toEqual({ text: ["hello", "world"] });
  });

  it("refuses data of the wrong shape", () => {
    expect(() => parseGoogleRdata("A", "ns1.example.com.", "A")).toThrow(/A/);
    expect(() => parseGoogleRdata("MX", "mx.example.com.", "MX")).toThrow(/preference/);
  });
});

describe("Cloud DNS record sets", () => {
  const zone = "example.com.";

  it("reads an rrset into the model and writes it back", () => {
    const set = toModelSet(
      { name: "example.com.", type: "MX", ttl: 300, rrdatas: ["10 a.example.com.", "20 b.example.com."] },
      zone,
      "google",
    )!;
    expect(set).toEqual({
      fqdn: "example.com.",
      type: "MX",
      ttl: 300,
      values: [
        { preference: 10, exchange: "a.example.com." },
        { preference: 20, exchange: "b.example.com." },
      ],
    });
    expect(toGoogleRrset(set)).toEqual({
      name: "example.com.",
      type: "MX",
      ttl: 300,
      rrdatas: ["10 a.example.com.", "20 b.example.com."],
    });
  });

  it("leaves out routing-policy sets, types the model lacks and names outside the zone", () => {
    expect(
      toModelSet({ name: "a.example.com.", type: "A", routingPolicy: { wrr: {} } }, zone, "google"),
    ).toBeUndefined();
    expect(
      toModelSet({ name: "example.com.", type: "HTTPS", rrdatas: ["1 . alpn=h2"] }, zone, "google"),
    ).toBeUndefined();
    expect(
      toModelSet({ name: "other.org.", type: "A", rrdatas: ["192.0.2.1"] }, zone, "google"),
    ).toBeUndefined();
  });

  it("names the set at fault when its data cannot be read", () => {
    expect(() =>
      toModelSet({ name: "x.example.com.", type: "A", rrdatas: ["not-an-ip."] }, zone, "google"),
    ).toThrow(ProviderError);
  });

  it("compares sets in canonical text, order aside", () => {
    const a: LooseRecordSet = {
      fqdn: zone,
      type: "A",
      ttl: 60,
      values: [{ address: "192.0.2.1" }, { address: "192.0.2.2" }],
    };
    expect(sameSet(a, { ...a, values: [...a.values].reverse() })).toBe(true);
    expect(sameSet(a, { ...a, ttl: 61 })).toBe(false);
    expect(sameSet(a, { ...a, values: [{ address: "192.0.2.1" }] })).toBe(false);
  });

  it("takes one ALIAS target at the apex only", () => {
    const alias = (fqdn: string, n: number): LooseRecordSet => ({
      fqdn,
      type: "ALIAS",
      ttl: 300,
      values: Array.from({ length: n }, (_, i) => ({ target: `t${i}.example.net.` })),
    });
    expect(() => checkGoogleAlias(alias(zone, 1), zone, "google")).not.toThrow();
    expect(() => checkGoogleAlias(alias("www.example.com.", 1), zone, "google")).toThrow(/apex/);
    expect(() => checkGoogleAlias(alias(zone, 2), zone, "google")).toThrow(/one ALIAS target/);
  });
});

describe("managed-zone names for new zones", () => {
  it.each([
    ["example.com.", "example-com"],
    ["Sub.Example.co.uk.", "sub-example-co-uk"],
    ["0.0.10.in-addr.arpa.", "zone-0-0-10-in-addr-arpa"],
    ["xn--bcher-kva.example.", "xn-bcher-kva-example"],
    [`${"a".repeat(70)}.com.`, "a".repeat(63)],
  ])("%s -> %s", (dnsName, name) => {
    expect(managedZoneNameFor(dnsName)).toBe(name);
    expect(name).toMatch(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/);
  });
});

describe("Google error answers", () => {
  const parse = (status: number, body: unknown) =>
    parseGoogleDnsError({ status, headers: {}, body: Buffer.from(JSON.stringify(body)) });
  const envelope = (code: number, reason: string, status: string) => ({
    error: {
      code,
      message: `${reason} happened`,
      status,
      errors: [{ domain: "global", reason, message: "inner" }],
    },
  });

  it.each([
    [404, "notFound", "NOT_FOUND", "NotFound"],
    [409, "alreadyExists", "ALREADY_EXISTS", "AlreadyExists"],
    [429, "rateLimitExceeded", "RESOURCE_EXHAUSTED", "RateLimit"],
    [403, "quotaExceeded", "RESOURCE_EXHAUSTED", "RateLimit"],
    [403, "forbidden", "PERMISSION_DENIED", "Permission"],
    [400, "invalid", "INVALID_ARGUMENT", "InvalidInput"],
    [401, "authError", "UNAUTHENTICATED", "Auth"],
    [400, "containerNotEmpty", "FAILED_PRECONDITION", "Conflict"],
  ])("%i %s -> %s", (status, reason, canonical, kind) => {
    expect(parse(status, envelope(status, reason, canonical))).toEqual({
      code: reason,
      message: `${reason} happened`,
      kind,
    });
  });

  it("falls back to the canonical status, and leaves server errors their class", () => {
    expect(parse(400, { error: { code: 400, message: "bad", status: "INVALID_ARGUMENT" } })).toEqual({
      code: "INVALID_ARGUMENT",
      message: "bad",
      kind: "InvalidInput",
    });
    expect(parse(503, envelope(503, "backendError", "UNAVAILABLE"))?.kind).toBeUndefined();
    expect(parseGoogleDnsError({ status: 502, headers: {}, body: Buffer.from("<html>") })).toBeUndefined();
  });
});
