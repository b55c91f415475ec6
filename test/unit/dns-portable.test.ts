/**
 * The portable Dns class over an in-memory driver that records every call, to prove what reaches a
 * provider: bad input reaches nothing, a CNAME conflict only reads, and applyZone sends the smallest batch.
 */
import { describe, expect, it } from "vitest";
import { AlreadyExistsError, InvalidInputError, NotFoundError } from "../../src/core/errors.js";
import { Dns } from "../../src/dns/dns.js";
import {
  asDriverSet,
  type CreateZoneRequest,
  type DnsDriver,
  type DriverRecordSet,
  type LooseRecordSet,
  type RecordSetChange,
} from "../../src/dns/driver.js";
import { openDns } from "../../src/dns/open.js";
import { RECORD_TYPES } from "../../src/dns/rdata.js";
import type { RecordInput, RecordType, Zone } from "../../src/dns/types.js";

class MemoryDriver implements DnsDriver {
  readonly provider = "memory";
  readonly recordTypes: ReadonlySet<RecordType> = new Set(RECORD_TYPES.filter((t) => t !== "ALIAS"));
  readonly calls: string[] = [];
  readonly batches: RecordSetChange[][] = [];
  readonly zones = new Map<string, Map<string, LooseRecordSet>>();

  private zone(name: string): Map<string, LooseRecordSet> {
    const z = this.zones.get(name);
    if (!z) throw new NotFoundError(`no zone ${name}`);
    return z;
  }
  async *listZones(): AsyncIterable<Zone> {
    this.calls.push("listZones");
    for (const name of this.zones.keys()) yield { name, id: name, provider: this.provider };
  }
  async getZone(name: string): Promise<Zone> {
    this.calls.push("getZone");
    this.zone(name);
    return { name, id: name, provider: this.provider };
  }
  async createZone(request: CreateZoneRequest): Promise<Zone> {
    this.calls.push("createZone");
    if (this.zones.has(request.name)) throw new AlreadyExistsError(request.name);
    const soa = { mname: "ns1.", rname: "h.", serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 };
    this.zones.set(
      request.name,
      new Map<string, LooseRecordSet>([
        [`${request.name} SOA`, { fqdn: request.name, type: "SOA", ttl: 3600, values: [soa] }],
        [
          `${request.name} NS`,
          { fqdn: request.name, type: "NS", ttl: 3600, values: [{ target: "ns1.example.net." }] },
        ],
      ]),
    );
    return { name: request.name, id: request.name, provider: this.provider };
  }
  async updateZone(name: string): Promise<Zone> {
    this.calls.push("updateZone");
    return { name, id: name, provider: this.provider };
  }
  async deleteZone(name: string): Promise<void> {
    this.calls.push("deleteZone");
    this.zone(name);
    this.zones.delete(name);
  }
  async *listRecordSets(
    zone: string,
    filter: { fqdn?: string; type?: RecordType },
  ): AsyncIterable<DriverRecordSet> {
    this.calls.push("listRecordSets");
    for (const set of this.zone(zone).values()) {
      if (filter.fqdn !== undefined && set.fqdn !== filter.fqdn) continue;
      if (filter.type !== undefined && set.type !== filter.type) continue;
      yield asDriverSet(structuredClone(set));
    }
  }
  async changeRecordSets(zone: string, changes: readonly RecordSetChange[]): Promise<void> {
    this.calls.push("changeRecordSets");
    this.batches.push([...changes]);
    const z = this.zone(zone);
    for (const c of changes) {
      if (c.action === "delete") z.delete(`${c.fqdn} ${c.type}`);
      else z.set(`${c.set.fqdn} ${c.set.type}`, structuredClone(c.set) as LooseRecordSet);
    }
  }
}

const Z = "example.com.";

async function setup(): Promise<{ dns: Dns<MemoryDriver>; driver: MemoryDriver }> {
  const driver = new MemoryDriver();
  const dns = new Dns(driver);
  await dns.createZone("example.com");
  driver.calls.length = 0;
  return { dns, driver };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("Dns: checks before any request", () => {
  const bad: [string, (dns: Dns) => Promise<unknown>, RegExp][] = [
    [
      "a label of 64 octets",
      (d) => d.createRecord(Z, { name: "a".repeat(64), type: "A", data: { address: "192.0.2.1" } }),
      /A record "a{64}".*63/,
    ],
    [
      "a name of 254 characters",
      (d) =>
        d.createRecord(Z, {
          name: `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}.`,
          type: "A",
          data: { address: "192.0.2.1" },
        }),
      /256 octets/,
    ],
    [
      "IPv6 in A",
      (d) => d.createRecord(Z, { name: "x", type: "A", data: { address: "::1" } }),
      /A record "x".*IPv4/,
    ],
    [
      "IPv4 in AAAA",
      (d) => d.createRecord(Z, { name: "x", type: "AAAA", data: { address: "127.0.0.1" } }),
      /AAAA record "x".*IPv6/,
    ],
    [
      "CNAME at the apex",
      (d) => d.createRecord(Z, { name: "@", type: "CNAME", data: { target: "x" } }),
      /apex/,
    ],
    [
      "TTL -5",
      (d) => d.createRecord(Z, { name: "x", type: "A", ttl: -5, data: { address: "192.0.2.1" } }),
      /TTL -5/,
    ],
    [
      "TTL 2^31",
      (d) => d.createRecord(Z, { name: "x", type: "A", ttl: 2 ** 31, data: { address: "192.0.2.1" } }),
      /TTL 2147483648/,
    ],
    [
      "TTL 1.5",
      (d) => d.createRecord(Z, { name: "x", type: "A", ttl: 1.5, data: { address: "192.0.2.1" } }),
      /TTL 1.5/,
    ],
    [
      "an unsupported type",
      (d) => d.createRecord(Z, { name: "@", type: "ALIAS", data: { target: "x.example.net." } }),
      /memory provider has no ALIAS/,
    ],
    ["a bad zone name", (d) => d.createZone("a..b"), /empty label/],
    [
      "a bad type filter",
      (d) => collect(d.listRecords(Z, { type: "HINFO" as RecordType })),
      /not a record type/,
    ],
    ["a bad record id", (d) => d.getRecord(Z, "garbage"), /not a record id/],
    [
      "updating with wrong data",
      (d) => d.updateRecord(Z, `x.${Z} A 192.0.2.1`, { data: { address: "::1" } }),
      /IPv4/,
    ],
    [
      "a malformed zone file",
      (d) => d.applyZone("$ORIGIN example.com.\n$TTL 60\n\nwww A 192.0.2.300\n"),
      /^Zone file line 4/,
    ],
    [
      "two TTLs in one desired set",
      (d) =>
        d.applyZone({
          name: Z,
          records: [
            { name: "x", type: "A", ttl: 1, data: { address: "192.0.2.1" } },
            { name: "x", type: "A", ttl: 2, data: { address: "192.0.2.2" } },
          ],
        }),
      /TTL 2 differs from TTL 1/,
    ],
    [
      "an SOA email and rname both",
      (d) => d.updateZone(Z, { email: "a@b.c", soa: { rname: "x.b.c." } }),
      /once/,
    ],
    ["no name servers", (d) => d.updateZone(Z, { nameservers: [] }), /at least one/],
  ];
  it.each(bad)("refuses %s without calling the driver", async (_label, attempt, message) => {
    const { dns, driver } = await setup();
    const error = await attempt(dns).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(message);
    expect(driver.calls).toEqual([]);
  });

  it("a CNAME beside other data is refused after reading the name, before any change", async () => {
    const { dns, driver } = await setup();
    await dns.createRecord(Z, { name: "www", type: "A", data: { address: "192.0.2.1" } });
    driver.calls.length = 0;
    await expect(
      dns.createRecord(Z, { name: "www", type: "CNAME", data: { target: "other" } }),
    ).rejects.toThrow(
      /CNAME record "www" in example.com.: a CNAME cannot be beside other records at the same name \(here: A\)/,
    );
    expect(driver.calls).toEqual(["listRecordSets"]);
  });
});

describe("Dns: records", () => {
  it("adds values to a set, applying a given TTL to the whole set, and refuses duplicates", async () => {
    const { dns, driver } = await setup();
    const first = await dns.createRecord(Z, { name: "www", type: "A", data: { address: "192.0.2.1" } });
    expect(first).toEqual({
      id: "www.example.com. A 192.0.2.1",
      zone: Z,
      name: "www",
      fqdn: "www.example.com.",
      type: "A",
      ttl: 3600,
      data: { address: "192.0.2.1" },
    });
    await dns.createRecord(Z, {
      name: "www.example.com.",
      type: "A",
      ttl: 60,
      data: { address: "192.0.2.2" },
    });
    expect(driver.batches.at(-1)).toEqual([
      {
        action: "replace",
        set: {
          fqdn: "www.example.com.",
          type: "A",
          ttl: 60,
          values: [{ address: "192.0.2.1" }, { address: "192.0.2.2" }],
        },
      },
    ]);
    await expect(
      dns.createRecord(Z, { name: "www", type: "A", data: { address: "192.0.2.2" } }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    const records = await collect(dns.listRecords(Z, { name: "www" }));
    expect(records.map((r) => [r.id, r.ttl])).toEqual([
      ["www.example.com. A 192.0.2.1", 60],
      ["www.example.com. A 192.0.2.2", 60],
    ]);
  });

  it("narrows data by type for the compiler and at run time", async () => {
    const { dns } = await setup();
    await dns.createRecord(Z, { name: "@", type: "MX", data: { preference: 5, exchange: "mx" } });
    for await (const r of dns.listRecords(Z, { type: "MX" })) {
      if (r.type === "MX") expect(r.data.preference + 1).toBe(6);
    }
  });

  it("deletes the last value as a set deletion", async () => {
    const { dns, driver } = await setup();
    const r = await dns.createRecord(Z, { name: "t", type: "TXT", data: { text: "x" } });
    await dns.deleteRecord(Z, r.id);
    expect(driver.batches.at(-1)).toEqual([{ action: "delete", fqdn: "t.example.com.", type: "TXT" }]);
    await expect(dns.deleteRecord(Z, `${Z} SOA ns1. h. 1 1 1 1 1`)).rejects.toThrow(/cannot be deleted/);
  });

  it("reaches the driver only through `as` with the right provider name", async () => {
    const { dns, driver } = await setup();
    expect(dns.as("memory")).toBe(driver);
    expect(() => dns.as("powerdns")).toThrow(InvalidInputError);
  });
});

describe("Dns: applyZone", () => {
  const desired = {
    name: "example.com",
    records: [
      { name: "www", type: "A", ttl: 300, data: { address: "192.0.2.1" } },
      { name: "www", type: "A", ttl: 300, data: { address: "192.0.2.2" } },
      { name: "mail", type: "MX", ttl: 300, data: { preference: 10, exchange: "mx.example.net." } },
      { name: "@", type: "SOA" as "A", data: { address: "ignored" } },
    ] satisfies RecordInput[],
  };

  it("plans, prints, applies in one batch with deletes first, and is idempotent", async () => {
    const { dns, driver } = await setup();
    await dns.createRecord(Z, { name: "old", type: "TXT", ttl: 300, data: { text: "bye" } });
    await dns.createRecord(Z, { name: "www", type: "A", ttl: 300, data: { address: "192.0.2.1" } });
    driver.batches.length = 0;

    const dry = await dns.applyZone(desired, { dryRun: true });
    expect(driver.batches).toEqual([]);
    expect(String(dry)).toBe(
      [
        "Plan for example.com. on memory: 1 to create, 1 to update, 1 to delete",
        "+ mail.example.com. 300 IN MX 10 mx.example.net.",
        '- old.example.com. 300 IN TXT "bye"',
        "~ www.example.com. A",
        "  + www.example.com. 300 IN A 192.0.2.2",
      ].join("\n"),
    );

    const applied = await dns.applyZone(desired);
    expect(applied.applied).toBe(true);
    expect(driver.batches).toHaveLength(1);
    expect(driver.batches[0]!.map((c) => c.action)).toEqual(["delete", "replace", "replace"]);

    const again = await dns.applyZone(desired);
    expect(again.isEmpty).toBe(true);
    expect(driver.batches).toHaveLength(1);
    expect(String(again)).toBe(
      "Applied to example.com. on memory: 0 to create, 0 to update, 0 to delete (no changes)",
    );
    // SOA and apex NS, absent from the desired zone, are still there.
    const types = (await collect(dns.listRecordSets(Z, { name: "@" }))).map((s) => s.type).sort();
    expect(types).toEqual(["NS", "SOA"]);
  });

  it("shows TTL changes, and manages the apex NS set only when the desired zone has one", async () => {
    const { dns } = await setup();
    await dns.applyZone(desired);
    const withNs = {
      name: Z,
      records: [
        ...desired.records.map((r) => (r.type === "MX" ? { ...r, ttl: 60 } : r)),
        { name: "@", type: "NS", ttl: 3600, data: { target: "ns.example.org." } },
      ] as RecordInput[],
    };
    const plan = await dns.planZone(withNs);
    expect(String(plan)).toBe(
      [
        "Plan for example.com. on memory: 0 to create, 2 to update, 0 to delete",
        "~ example.com. NS",
        "  - example.com. 3600 IN NS ns1.example.net.",
        "  + example.com. 3600 IN NS ns.example.org.",
        "~ mail.example.com. MX (TTL 300 -> 60)",
        "    mail.example.com. 60 IN MX 10 mx.example.net.",
      ].join("\n"),
    );
  });

  it("with prune: false only creates and updates", async () => {
    const { dns } = await setup();
    await dns.createRecord(Z, { name: "other", type: "A", data: { address: "192.0.2.8" } });
    const plan = await dns.planZone(desired, { prune: false });
    expect(plan.summary).toEqual({ create: 2, update: 0, delete: 0 });
    expect((await dns.planZone(desired)).summary.delete).toBe(1);
  });

  it("accepts zone-file text, whose SOA is ignored", async () => {
    const { dns } = await setup();
    const text = "$ORIGIN example.com.\n$TTL 300\n@ SOA a b 1 2 3 4 5\nwww A 192.0.2.1\n";
    expect((await dns.applyZone(text)).summary).toEqual({ create: 1, update: 0, delete: 0 });
    expect((await dns.planZone(text)).isEmpty).toBe(true);
  });
});

describe("openDns", () => {
  it("opens the built-in local provider lazily, and names the known ones for an unknown name", async () => {
    const dns = await openDns("local", { root: "/nonexistent/omnicloud-test" });
    expect(dns.provider).toBe("local");
    expect(await collect(dns.listZones())).toEqual([]);
    await expect(openDns("nope")).rejects.toThrow(/Known dns providers: .*local, powerdns/);
  });
});
