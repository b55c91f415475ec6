/**
 * The linode DNS driver replayed from libcloud's recorded Linode API v4 answers ($OMNICLOUD_SHARED/
 * fixtures/libcloud/dns/linode_v4) through an undici MockAgent, with EVERY request checked against
 * Linode's OpenAPI spec ($OMNICLOUD_SHARED/specs/linode-openapi/openapi.yaml, read with the checker's
 * YAML reader): path template, method, declared query parameters, and the JSON body against the schema.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { AlreadyExistsError, InvalidInputError, NotFoundError } from "../../src/core/errors.js";
import { Dns } from "../../src/dns/dns.js";
import type { RecordInput } from "../../src/dns/types.js";
import { LinodeDnsDriver } from "../../src/providers/linode/dns.js";
import { checkAllRequests, loadOpenApi, type OpenApiDoc, parseYamlSubset } from "../support/openapi-check.js";
import { describeShared, sharedPath } from "../support/shared.js";
import { type JsonMock, jsonMock, route } from "./json-mock.js";

const ORIGIN = "https://api.linode.com";
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(sharedPath("fixtures/libcloud/dns/linode_v4", name), "utf8"));
const page = (data: unknown[]) => ({ data, page: 1, pages: 1, results: data.length });

describeShared(
  "linode DNS replayed from libcloud's fixtures, every request checked against the OpenAPI spec",
  () => {
    let spec: OpenApiDoc;
    let mock: JsonMock;
    let dns: Dns<LinodeDnsDriver>;
    /** test.com is domain 123 in list_zones.json. */
    const lookup = () =>
      mock.on(route("GET", /\/v4\/domains$/), { status: 200, body: fixture("list_zones.json") });
    const domain = () =>
      mock.on(route("GET", /\/v4\/domains\/123$/), { status: 200, body: fixture("get_zone.json") });

    beforeAll(() => {
      spec = loadOpenApi(sharedPath("specs/linode-openapi/openapi.yaml"));
      mock = jsonMock(ORIGIN);
    });
    beforeEach(() => {
      mock.reset();
      dns = new Dns(
        new LinodeDnsDriver({
          token: "linode-test-token",
          transport: { dispatcher: mock.agent, retry: false },
        }),
      );
    });
    afterAll(async () => {
      const problems = checkAllRequests("Linode", spec, mock.seen);
      await mock.close();
      expect(problems).toEqual([]);
      expect(mock.unscripted).toEqual([]);
    });

    it("reads the YAML constructs the spec uses (its own reader, checked against PyYAML on the whole spec)", () => {
      const doc = parseYamlSubset(
        [
          "a:",
          "  list:",
          "  - x",
          "  - k: 1",
          "    j: 'it''s",
          "      folded'",
          '  "q": "tab\\tand \\u00e9"',
          "  plain: one",
          "    two",
          "  empty: []",
          "  key:with:colons: true",
          "",
        ].join("\n"),
      );
      expect(doc).toEqual({
        a: {
          list: ["x", { k: 1, j: "it's folded" }],
          q: "tab\tand é",
          plain: "one two",
          empty: [],
          "key:with:colons": true,
        },
      });
      expect(() => parseYamlSubset("a: &anchor 1\n")).toThrow(/does not take/);
    });

    it("lists domains (list_zones.json) and gets one by name (get_zone.json)", async () => {
      lookup();
      const zones = [];
      for await (const z of dns.listZones()) zones.push([z.name, z.id]);
      expect(zones).toEqual([
        ["test.com.", "123"],
        ["example.com.", "1234"],
        ["testing.com.", "12345"],
      ]);
      lookup();
      domain();
      expect(await dns.getZone("test.com")).toEqual({ name: "test.com.", id: "123", provider: "linode" });
      lookup();
      await expect(dns.getZone("absent.example")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("lists records (list_records.json); TTL 0 reads as the domain's default", async () => {
      lookup();
      domain();
      const records = fixture("list_records.json");
      mock.on(route("GET", /\/records$/), { status: 200, body: records });
      const listed = [];
      for await (const r of dns.listRecords("test.com")) listed.push(`${r.id} ${r.ttl}`);
      expect(listed).toEqual([
        "test.com. MX 10 mail.test.com. 300",
        "test.test.com. NS ns1.example.com. 300",
        'test.test.com. CAA 0 issue "letsencrypt.org" 300',
        "test.example.com.test.com. A 172.150.13.100 300",
        'test.example.com.test.com. TXT "Testing" 300',
        "testing.test.com. CNAME test.example123.com. 3600",
      ]);
    });

    it("creates records of each type with bodies the spec accepts (create_record.json)", async () => {
      const inputs: RecordInput[] = [
        { name: "test", type: "A", ttl: 300, data: { address: "200.150.100.50" } },
        { name: "v6", type: "AAAA", ttl: 300, data: { address: "2001:db8::5" } },
        { name: "www", type: "CNAME", ttl: 300, data: { target: "example.org." } },
        { name: "@", type: "MX", ttl: 300, data: { preference: 10, exchange: "mail.example.org." } },
        { name: "txt", type: "TXT", ttl: 300, data: { text: "hello" } },
        {
          name: "_sip._tcp",
          type: "SRV",
          ttl: 300,
          data: { priority: 1, weight: 2, port: 5060, target: "sip.example.org." },
        },
        { name: "@", type: "CAA", ttl: 300, data: { flags: 0, tag: "issue", value: "letsencrypt.org" } },
        { name: "sub", type: "NS", ttl: 300, data: { target: "ns1.example.org." } },
        { name: "ptr", type: "PTR", ttl: 300, data: { target: "host.example.org." } },
      ];
      for (const input of inputs) {
        lookup();
        domain();
        mock.on(route("GET", /\/records$/), { status: 200, body: page([]) });
        domain();
        mock.on(route("GET", /\/records$/), { status: 200, body: page([]) });
        mock.on(route("POST", /\/records$/), { status: 200, body: fixture("create_record.json") });
        await dns.createRecord("test.com", input);
      }
      const posts = mock.seen.filter((r) => r.method === "POST").map((r) => r.body);
      expect(posts[0]).toEqual({ type: "A", name: "test", ttl_sec: 300, target: "200.150.100.50" });
      expect(posts[5]).toEqual({
        type: "SRV",
        ttl_sec: 300,
        service: "sip",
        protocol: "tcp",
        target: "sip.example.org",
        priority: 1,
        weight: 2,
        port: 5060,
      });
    });

    it("updates a record in place (update_record.json) and deletes a set", async () => {
      const a = fixture("create_record.json");
      lookup();
      domain();
      mock.on(route("GET", /\/records$/), { status: 200, body: page([{ ...a, ttl_sec: 300 }]) });
      domain();
      mock.on(route("GET", /\/records$/), { status: 200, body: page([{ ...a, ttl_sec: 300 }]) });
      mock.on(route("PUT", /\/records\/123$/), { status: 200, body: fixture("update_record.json") });
      await dns.setRecordSet("test.com", {
        name: "test",
        type: "A",
        ttl: 3600,
        values: [{ address: "200.150.100.50" }],
      });
      expect(mock.seen.at(-1)!.body).toEqual({ name: "test", ttl_sec: 3600, target: "200.150.100.50" });

      lookup();
      domain();
      mock.on(route("GET", /\/records$/), { status: 200, body: page([a]) });
      domain();
      mock.on(route("GET", /\/records$/), { status: 200, body: page([a]) });
      mock.on(route("DELETE", /\/records\/123$/), { status: 200, body: {} });
      await dns.deleteRecordSet("test.com", "test", "A");
      expect(mock.seen.at(-1)!.method).toBe("DELETE");
    });

    it("creates (create_zone.json), updates SOA fields (update_zone.json) and deletes domains", async () => {
      mock.on(route("GET", /\/v4\/domains$/), { status: 200, body: page([]) });
      mock.on(route("POST", /\/v4\/domains$/), { status: 200, body: fixture("create_zone.json") });
      const zone = await dns.createZone("example.com", { email: "admin@example.com" });
      expect(zone).toEqual({ name: "example.com.", id: "123", provider: "linode" });
      expect(mock.seen.at(-1)!.body).toEqual({
        domain: "example.com",
        type: "master",
        soa_email: "admin@example.com",
      });

      lookup();
      mock.on(route("PUT", /\/v4\/domains\/123$/), { status: 200, body: fixture("update_zone.json") });
      domain();
      await dns.updateZone("test.com", { soa: { refresh: 7200, retry: 600 }, email: "dns.admin@test.com" });
      expect(mock.seen.at(-2)!.body).toEqual({
        soa_email: "dns.admin@test.com",
        refresh_sec: 7200,
        retry_sec: 600,
      });

      lookup();
      mock.on(route("DELETE", /\/v4\/domains\/123$/), { status: 200, body: {} });
      await dns.deleteZone("test.com");
      lookup();
      await expect(dns.createZone("test.com")).rejects.toBeInstanceOf(AlreadyExistsError);
    });

    it("maps Linode's errors, and refuses what Linode cannot store before any call", async () => {
      lookup();
      mock.on(route("GET", /\/v4\/domains\/123$/), {
        status: 404,
        body: { errors: [{ reason: "Not found" }] },
      });
      const missing = (await dns.getZone("test.com").catch((e: unknown) => e)) as NotFoundError;
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing.message).toContain("Not found");

      lookup();
      domain();
      mock.on(route("GET", /\/records$/), { status: 200, body: page([]) });
      await expect(
        dns.createRecord("test.com", {
          name: "@",
          type: "MX",
          data: { preference: 1000, exchange: "m.example." },
        }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(
        dns.createRecord("test.com", {
          name: "x",
          type: "SSHFP",
          data: { algorithm: 4, fingerprintType: 2, fingerprint: "ab".repeat(32) },
        }),
      ).rejects.toThrow(/no SSHFP/);
    });
  },
);
