/**
 * The DNS conformance suite, written once and run against every provider with a real backend. Every
 * change made through the portable API is then checked OUTSIDE the driver, by `observe`: a real DNS query
 * to the server's DNS port (PowerDNS), or the zone file re-read from disk (local).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlreadyExistsError, InvalidInputError, NotFoundError } from "../../src/core/errors.js";
import type { Dns } from "../../src/dns/dns.js";
import { formatRdata } from "../../src/dns/presentation.js";
import type { DnsRecord, RecordInput, RecordType } from "../../src/dns/types.js";
import { parseZoneFile } from "../../src/dns/zonefile/parse.js";

/** What the backend serves or holds for one name and type. */
export interface Observed {
  ttl: number;
  /** Presentation form, sorted. */
  values: string[];
}

export interface DnsBackend {
  dns: Dns;
  /** What the server serves / the file holds for `fqdn` and `type`, or undefined when there is nothing. */
  observe(zone: string, fqdn: string, type: RecordType): Promise<Observed | undefined>;
  close(): Promise<void>;
}

export interface DnsSuiteOptions {
  /** Shown in test names, e.g. "powerdns (pdns_server 4.7, real DNS queries)". */
  name: string;
  /** The writable types the provider stores. */
  types: ReadonlySet<RecordType>;
  /** Types `observe` cannot see (ALIAS needs a resolver on PowerDNS); they are checked through the API only. */
  unobservable?: ReadonlySet<RecordType>;
  /** Why a type outside `types` is not stored, shown in the skipped test's name. */
  skipReasons?: Partial<Record<RecordType, string>>;
  /** Starts the backend, or returns the reason it cannot (the caller decides whether that fails or skips). */
  start: () => Promise<DnsBackend>;
}

const HEX32 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/** One sample of every writable type, with the canonical presentation the provider must give back. */
export function samples(zone: string): { input: RecordInput; expect: string }[] {
  const long = "x".repeat(300);
  return [
    { input: { name: "www", type: "A", ttl: 300, data: { address: "192.0.2.10" } }, expect: "192.0.2.10" },
    {
      input: { name: "www", type: "AAAA", ttl: 300, data: { address: "2001:DB8:0:0::10" } },
      expect: "2001:db8::10",
    },
    { input: { name: "alias", type: "CNAME", ttl: 300, data: { target: "www" } }, expect: `www.${zone}` },
    {
      input: { name: "@", type: "ALIAS", ttl: 300, data: { target: "target.example.org." } },
      expect: "target.example.org.",
    },
    {
      input: { name: "sub", type: "NS", ttl: 300, data: { target: "ns1.other.test." } },
      expect: "ns1.other.test.",
    },
    {
      input: {
        name: "sub",
        type: "DS",
        ttl: 300,
        data: { keyTag: 12345, algorithm: 13, digestType: 2, digest: HEX32.toUpperCase() },
      },
      expect: `12345 13 2 ${HEX32}`,
    },
    {
      input: { name: "ptr", type: "PTR", ttl: 300, data: { target: "host.example.org." } },
      expect: "host.example.org.",
    },
    {
      input: { name: "@", type: "MX", ttl: 300, data: { preference: 10, exchange: "mail" } },
      expect: `10 mail.${zone}`,
    },
    {
      input: { name: "txt", type: "TXT", ttl: 300, data: { text: `say "hi" \\ bücher ${long}` } },
      // 300+ bytes become two strings of at most 255; the quote, backslash and UTF-8 are escaped.
      expect: formatRdata("TXT", { text: splitForTest(`say "hi" \\ bücher ${long}`) }),
    },
    { input: { name: "spf", type: "SPF", ttl: 300, data: { text: "v=spf1 -all" } }, expect: '"v=spf1 -all"' },
    {
      input: {
        name: "_sip._tcp",
        type: "SRV",
        ttl: 300,
        data: { priority: 10, weight: 60, port: 5060, target: "sip" },
      },
      expect: `10 60 5060 sip.${zone}`,
    },
    {
      input: { name: "@", type: "CAA", ttl: 300, data: { flags: 0, tag: "Issue", value: "letsencrypt.org" } },
      expect: '0 issue "letsencrypt.org"',
    },
    {
      input: {
        name: "host",
        type: "SSHFP",
        ttl: 300,
        data: { algorithm: 4, fingerprintType: 2, fingerprint: HEX32 },
      },
      expect: `4 2 ${HEX32}`,
    },
    {
      input: {
        name: "_443._tcp.www",
        type: "TLSA",
        ttl: 300,
        data: { usage: 3, selector: 1, matchingType: 1, data: HEX32 },
      },
      expect: `3 1 1 ${HEX32}`,
    },
    {
      input: {
        name: "naptr",
        type: "NAPTR",
        ttl: 300,
        data: {
          order: 100,
          preference: 10,
          flags: "U",
          service: "E2U+sip",
          regexp: `!^.*$!sip:info@${zone.slice(0, -1)}!`,
          replacement: ".",
        },
      },
      expect: `100 10 "U" "E2U+sip" "!^.*$!sip:info@${zone.slice(0, -1)}!" .`,
    },
  ];
}

/** The test's own split of a long string into 255-byte chunks (here ASCII after the first few bytes). */
function splitForTest(text: string): string[] {
  const bytes = Buffer.from(text);
  const chunks: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + 255, bytes.length);
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
    chunks.push(bytes.subarray(start, end).toString());
    start = end;
  }
  return chunks;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function dnsConformanceSuite(options: DnsSuiteOptions): void {
  const prefix = `conf-${process.pid}-${Date.now().toString(36)}`;
  const zoneName = (tag: string): string => `${prefix}-${tag}.test.`;

  describe(`DNS conformance: ${options.name}`, () => {
    let backend: DnsBackend;
    let dns: Dns;
    const zone = zoneName("main");

    beforeAll(async () => {
      backend = await options.start();
      dns = backend.dns;
      await dns.createZone(zone, { nameservers: ["ns1.example.test."] });
    });
    afterAll(async () => {
      await backend?.close();
    });

    /** The server's view must equal `expected` (undefined: nothing there). */
    async function served(fqdn: string, type: RecordType, expected: Observed | undefined): Promise<void> {
      if (options.unobservable?.has(type)) return;
      expect(await backend.observe(zone, fqdn, type)).toEqual(expected);
    }

    it("creates, gets, lists and deletes zones; refuses a duplicate and unknown zones", async () => {
      const name = zoneName("life");
      const created = await dns.createZone(name.slice(0, -1), {
        nameservers: ["ns1.example.test.", "ns2.example.test."],
      });
      expect(created.name).toBe(name);
      const got = await dns.getZone(name);
      expect(got.name).toBe(name);
      expect(got.nameservers?.sort()).toEqual(["ns1.example.test.", "ns2.example.test."]);
      expect(got.serial).toBeGreaterThan(0);
      expect((await collect(dns.listZones())).map((z) => z.name)).toEqual(
        expect.arrayContaining([name, zone]),
      );
      expect(await backend.observe(name, name, "NS")).toEqual({
        ttl: expect.any(Number),
        values: ["ns1.example.test.", "ns2.example.test."],
      });
      await expect(dns.createZone(name)).rejects.toBeInstanceOf(AlreadyExistsError);
      await dns.deleteZone(name);
      await expect(dns.getZone(name)).rejects.toBeInstanceOf(NotFoundError);
      await expect(dns.deleteZone(name)).rejects.toBeInstanceOf(NotFoundError);
      expect((await collect(dns.listZones())).map((z) => z.name)).not.toContain(name);
      await expect(collect(dns.listRecords(zoneName("never")))).rejects.toBeInstanceOf(NotFoundError);
    });

    for (const sample of samples(zone)) {
      const type = sample.input.type;
      const skipped = options.types.has(type)
        ? ""
        : ` (skipped: ${options.skipReasons?.[type] ?? "the provider does not store this type"})`;
      it.skipIf(!options.types.has(type))(
        `round-trips a ${type} record: API, listing, id and the server${skipped}`,
        async () => {
          const record = await dns.createRecord(zone, sample.input);
          expect(record.type).toBe(type);
          expect(record.ttl).toBe(300);
          expect(formatRdata(record.type, record.data)).toBe(sample.expect);
          const listed = await collect(dns.listRecords(zone, { type, name: sample.input.name }));
          expect(listed).toEqual([record]);
          expect(await dns.getRecord(zone, record.id)).toEqual(record);
          await served(record.fqdn, type, { ttl: 300, values: [sample.expect] });
          await expect(dns.createRecord(zone, sample.input)).rejects.toBeInstanceOf(AlreadyExistsError);
        },
      );
    }

    it("keeps several values in one set, with one TTL for the set", async () => {
      const a = await dns.createRecord(zone, {
        name: "multi",
        type: "A",
        ttl: 120,
        data: { address: "192.0.2.1" },
      });
      await dns.createRecord(zone, { name: "multi", type: "A", data: { address: "192.0.2.2" } });
      await served(a.fqdn, "A", { ttl: 120, values: ["192.0.2.1", "192.0.2.2"] });
      // A TTL given for one value is the set's (RFC 2181 5.2).
      await dns.createRecord(zone, { name: "multi", type: "A", ttl: 240, data: { address: "192.0.2.3" } });
      const set = await collect(dns.listRecordSets(zone, { name: "multi", type: "A" }));
      expect(set).toHaveLength(1);
      expect(set[0]!.ttl).toBe(240);
      await served(a.fqdn, "A", { ttl: 240, values: ["192.0.2.1", "192.0.2.2", "192.0.2.3"] });
    });

    it("loses no record when single-record changes to one set run concurrently", async () => {
      const addresses = Array.from({ length: 12 }, (_, i) => `192.0.2.${100 + i}`);
      await Promise.all(
        addresses.map((address) =>
          dns.createRecord(zone, { name: "many", type: "A", ttl: 300, data: { address } }),
        ),
      );
      await served(`many.${zone}`, "A", { ttl: 300, values: [...addresses].sort() });
      const listed = await collect(dns.listRecords(zone, { name: "many" }));
      await Promise.all(listed.slice(0, 6).map((r) => dns.deleteRecord(zone, r.id)));
      expect(await collect(dns.listRecords(zone, { name: "many" }))).toHaveLength(6);
    });

    it("updates a record's data and TTL, and its id follows the data", async () => {
      const r = await dns.createRecord(zone, {
        name: "upd",
        type: "MX",
        ttl: 300,
        data: { preference: 10, exchange: "mx1" },
      });
      const u = await dns.updateRecord(zone, r.id, {
        ttl: 600,
        data: { preference: 20, exchange: "mx2.example.org." },
      });
      expect(u.id).toBe(`upd.${zone} MX 20 mx2.example.org.`);
      expect(u.ttl).toBe(600);
      await expect(dns.getRecord(zone, r.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await dns.getRecord(zone, u.id)).toEqual(u);
      await served(u.fqdn, "MX", { ttl: 600, values: ["20 mx2.example.org."] });
      await expect(dns.updateRecord(zone, r.id, { ttl: 60 })).rejects.toBeInstanceOf(NotFoundError);
    });

    it("deletes one value, then the last, and then the name serves nothing", async () => {
      const one = await dns.createRecord(zone, { name: "del", type: "TXT", ttl: 300, data: { text: "one" } });
      const two = await dns.createRecord(zone, {
        name: "del",
        type: "TXT",
        data: { text: ["two", "parts"] },
      });
      await dns.deleteRecord(zone, one.id);
      await served(one.fqdn, "TXT", { ttl: 300, values: ['"two" "parts"'] });
      await dns.deleteRecord(zone, two.id);
      expect(await collect(dns.listRecords(zone, { name: "del" }))).toEqual([]);
      await served(one.fqdn, "TXT", undefined);
      await expect(dns.deleteRecord(zone, two.id)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("replaces and deletes whole sets", async () => {
      const set = await dns.setRecordSet(zone, {
        name: "set",
        type: "AAAA",
        ttl: 90,
        values: [{ address: "2001:db8::1" }, { address: "2001:db8::2" }, { address: "2001:db8::1" }],
      });
      expect(set?.values).toHaveLength(2);
      await served(`set.${zone}`, "AAAA", { ttl: 90, values: ["2001:db8::1", "2001:db8::2"] });
      await dns.deleteRecordSet(zone, "set", "AAAA");
      await served(`set.${zone}`, "AAAA", undefined);
      await expect(dns.deleteRecordSet(zone, "set", "AAAA")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("filters records by name, by type, and by both", async () => {
      await dns.createRecord(zone, { name: "flt", type: "A", ttl: 300, data: { address: "192.0.2.50" } });
      await dns.createRecord(zone, { name: "flt", type: "TXT", ttl: 300, data: { text: "filter me" } });
      await dns.createRecord(zone, { name: "flt2", type: "A", ttl: 300, data: { address: "192.0.2.51" } });
      const byName = await collect(dns.listRecords(zone, { name: "flt" }));
      expect(byName.map((r) => r.type).sort()).toEqual(["A", "TXT"]);
      expect(byName.every((r) => r.name === "flt" && r.fqdn === `flt.${zone}`)).toBe(true);
      const byAbsolute = await collect(dns.listRecords(zone, { name: `flt.${zone}` }));
      expect(byAbsolute).toEqual(byName);
      const byType = await collect(dns.listRecords(zone, { type: "A" }));
      expect(byType.every((r) => r.type === "A")).toBe(true);
      expect(byType.map((r) => r.name)).toEqual(expect.arrayContaining(["flt", "flt2"]));
      const both = await collect(dns.listRecords(zone, { name: "flt2", type: ["A", "TXT"] }));
      expect(both.map((r) => formatRdata(r.type, r.data))).toEqual(["192.0.2.51"]);
      const soa = await collect(dns.listRecords(zone, { type: "SOA" }));
      expect(soa).toHaveLength(1);
      expect(soa[0]!.name).toBe("@");
    });

    it("applyZone reaches the desired zone with the fewest set changes, and a second run changes nothing", async () => {
      const z = zoneName("apply");
      await dns.createZone(z, { nameservers: ["ns1.example.test."] });
      await dns.createRecord(z, { name: "old", type: "A", ttl: 300, data: { address: "192.0.2.99" } });
      await dns.createRecord(z, { name: "keep", type: "A", ttl: 300, data: { address: "192.0.2.7" } });
      const desired = {
        name: z,
        records: [
          { name: "keep", type: "A", ttl: 300, data: { address: "192.0.2.7" } },
          { name: "www", type: "A", ttl: 300, data: { address: "192.0.2.1" } },
          { name: "www", type: "A", ttl: 300, data: { address: "192.0.2.2" } },
          { name: "@", type: "MX", ttl: 300, data: { preference: 10, exchange: "mail.example.org." } },
          { name: "txt", type: "TXT", data: { text: "v=1" } },
        ] satisfies RecordInput[],
      };
      const dry = await dns.applyZone(desired, { dryRun: true });
      expect(dry.applied).toBe(false);
      expect(dry.summary).toEqual({ create: 3, update: 0, delete: 1 });
      expect(await backend.observe(z, `www.${z}`, "A")).toBeUndefined();

      const first = await dns.applyZone(desired);
      expect(first.applied).toBe(true);
      expect(first.summary).toEqual({ create: 3, update: 0, delete: 1 });
      expect(String(first)).toContain(`- old.${z} 300 IN A 192.0.2.99`);
      expect(String(first)).toContain(`+ www.${z} 300 IN A 192.0.2.1`);
      expect(await backend.observe(z, `www.${z}`, "A")).toEqual({
        ttl: 300,
        values: ["192.0.2.1", "192.0.2.2"],
      });
      expect(await backend.observe(z, `txt.${z}`, "TXT")).toEqual({ ttl: 3600, values: ['"v=1"'] });
      expect(await backend.observe(z, `old.${z}`, "A")).toBeUndefined();
      // SOA and apex NS were not in the desired zone, and are kept.
      expect(await backend.observe(z, z, "NS")).toEqual({
        ttl: expect.any(Number),
        values: ["ns1.example.test."],
      });
      expect(await backend.observe(z, z, "SOA")).toBeDefined();

      const second = await dns.applyZone(desired);
      expect(second.isEmpty).toBe(true);
      expect(String(second)).toContain("(no changes)");

      // One changed value is one set update, nothing else.
      const changed = {
        ...desired,
        records: desired.records.map((r) => (r.name === "keep" ? { ...r, ttl: 60 } : r)),
      };
      const third = await dns.applyZone(changed);
      expect(third.summary).toEqual({ create: 0, update: 1, delete: 0 });
      expect(await backend.observe(z, `keep.${z}`, "A")).toEqual({ ttl: 60, values: ["192.0.2.7"] });
      expect((await dns.applyZone(changed)).isEmpty).toBe(true);
      await dns.deleteZone(z);
    });

    it("exports a zone file that parses back to the same records, and applying it changes nothing", async () => {
      const text = await dns.exportZone(zone);
      const parsed = parseZoneFile(text);
      expect(parsed.origin).toBe(zone);
      const listed = await collect(dns.listRecords(zone));
      expect(parsed.records.length).toBe(listed.length);
      expect((await dns.planZone(text)).isEmpty).toBe(true);
      expect(await dns.exportZone(zone)).toBe(text);
    });

    it("updates SOA fields and name servers, and the serial goes up with every change", async () => {
      const before = await backend.observe(zone, zone, "SOA");
      const serialBefore = Number(before!.values[0]!.split(" ")[2]);
      await dns.createRecord(zone, { name: "serial", type: "A", ttl: 300, data: { address: "192.0.2.77" } });
      const after = await backend.observe(zone, zone, "SOA");
      expect(Number(after!.values[0]!.split(" ")[2])).toBeGreaterThan(serialBefore);

      const updated = await dns.updateZone(zone, {
        email: "dns.admin@example.test",
        soa: { refresh: 7200, minimum: 300 },
        nameservers: ["ns1.example.test.", "ns3.example.test."],
      });
      expect(updated.nameservers?.sort()).toEqual(["ns1.example.test.", "ns3.example.test."]);
      const soa = await backend.observe(zone, zone, "SOA");
      const fields = soa!.values[0]!.split(" ");
      expect(fields[1]).toBe("dns\\.admin.example.test.");
      expect(fields[3]).toBe("7200");
      expect(fields[6]).toBe("300");
      expect(Number(fields[2])).toBeGreaterThan(Number(after!.values[0]!.split(" ")[2]));
      expect((await backend.observe(zone, zone, "NS"))?.values).toEqual([
        "ns1.example.test.",
        "ns3.example.test.",
      ]);
    });

    it("refuses bad input with InvalidInputError before any change", async () => {
      await dns.createRecord(zone, { name: "taken", type: "A", ttl: 300, data: { address: "192.0.2.5" } });
      await dns.createRecord(zone, { name: "canon", type: "CNAME", ttl: 300, data: { target: "www" } });
      const before = await dns.exportZone(zone);
      const bad: [string, () => Promise<unknown>, RegExp][] = [
        [
          "label over 63 octets",
          () => dns.createRecord(zone, { name: "a".repeat(64), type: "A", data: { address: "192.0.2.1" } }),
          /63/,
        ],
        [
          "name over 253 characters",
          () =>
            dns.createRecord(zone, {
              name: Array(70).fill("abc").join("."),
              type: "A",
              data: { address: "192.0.2.1" },
            }),
          /255/,
        ],
        [
          "IPv6 in an A record",
          () => dns.createRecord(zone, { name: "v6", type: "A", data: { address: "2001:db8::1" } }),
          /A record "v6".*not an IPv4/,
        ],
        [
          "IPv4 in an AAAA record",
          () => dns.createRecord(zone, { name: "v4", type: "AAAA", data: { address: "192.0.2.1" } }),
          /AAAA record "v4".*not an IPv6/,
        ],
        [
          "CNAME at the apex",
          () => dns.createRecord(zone, { name: "@", type: "CNAME", data: { target: "www" } }),
          /CNAME record "@".*apex/,
        ],
        [
          "CNAME beside other data",
          () => dns.createRecord(zone, { name: "taken", type: "CNAME", data: { target: "www" } }),
          /CNAME record "taken".*beside/,
        ],
        [
          "data beside a CNAME",
          () => dns.createRecord(zone, { name: "canon", type: "TXT", data: { text: "x" } }),
          /beside/,
        ],
        [
          "a second CNAME",
          () => dns.createRecord(zone, { name: "canon", type: "CNAME", data: { target: "other" } }),
          /only one CNAME/,
        ],
        [
          "TTL below 0",
          () => dns.createRecord(zone, { name: "t", type: "A", ttl: -1, data: { address: "192.0.2.1" } }),
          /TTL -1/,
        ],
        [
          "TTL over 2^31-1",
          () =>
            dns.createRecord(zone, { name: "t", type: "A", ttl: 2 ** 31, data: { address: "192.0.2.1" } }),
          /TTL 2147483648/,
        ],
        [
          "relative name repeating the zone",
          () =>
            dns.createRecord(zone, {
              name: `www.${zone.slice(0, -1)}`,
              type: "A",
              data: { address: "192.0.2.1" },
            }),
          /no trailing dot/,
        ],
        [
          "name outside the zone",
          () =>
            dns.createRecord(zone, { name: "www.example.org.", type: "A", data: { address: "192.0.2.1" } }),
          /outside the zone/,
        ],
        [
          "MX preference out of range",
          () =>
            dns.createRecord(zone, { name: "mx", type: "MX", data: { preference: 70000, exchange: "m" } }),
          /preference/,
        ],
        [
          "malformed zone file",
          () => dns.applyZone(`$ORIGIN ${zone}\n$TTL 300\nok A 192.0.2.1\nbad MX ten mail\n`),
          /line 4/,
        ],
        [
          "CNAME beside data in a desired zone",
          () =>
            dns.applyZone({
              name: zone,
              records: [
                { name: "x", type: "CNAME", data: { target: "www" } },
                { name: "x", type: "A", data: { address: "192.0.2.1" } },
              ],
            }),
          /beside/,
        ],
      ];
      if (!options.types.has("ALIAS")) {
        bad.push([
          "an unsupported type",
          () => dns.createRecord(zone, { name: "@", type: "ALIAS", data: { target: "x.example.org." } }),
          /no ALIAS/,
        ]);
      }
      for (const [label, attempt, message] of bad) {
        const error = await attempt().then(
          () => new Error(`${label}: was accepted`),
          (err: unknown) => err,
        );
        expect(error, label).toBeInstanceOf(InvalidInputError);
        expect((error as Error).message, label).toMatch(message);
      }
      expect(await dns.exportZone(zone)).toBe(before);
      await served(`taken.${zone}`, "A", { ttl: 300, values: ["192.0.2.5"] });
      await served(`canon.${zone}`, "CNAME", { ttl: 300, values: [`www.${zone}`] });
    });

    it("reports missing records and zones as NotFoundError", async () => {
      const missing = `nothing.${zone} A 192.0.2.1`;
      await expect(dns.getRecord(zone, missing)).rejects.toBeInstanceOf(NotFoundError);
      await expect(dns.deleteRecord(zone, missing)).rejects.toBeInstanceOf(NotFoundError);
      await expect(
        dns.createRecord(zoneName("absent"), { name: "x", type: "A", data: { address: "192.0.2.1" } }),
      ).rejects.toBeInstanceOf(NotFoundError);
      const records: DnsRecord[] = await collect(dns.listRecords(zone, { name: "nothing" }));
      expect(records).toEqual([]);
    });
  });
}
