/**
 * The cloudflare DNS driver replayed from libcloud's recorded Cloudflare answers ($OMNICLOUD_SHARED/
 * fixtures/libcloud/dns/cloudflare) through an undici MockAgent, with EVERY request checked against
 * Cloudflare's OpenAPI spec ($OMNICLOUD_SHARED/specs/cloudflare-dns): path template, method, declared
 * query parameters, and the JSON body against the request schema (the oneOf of record types included).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { AlreadyExistsError, InvalidInputError, NotFoundError } from "../../src/core/errors.js";
import { Dns } from "../../src/dns/dns.js";
import type { RecordInput } from "../../src/dns/types.js";
import { CloudflareDnsDriver } from "../../src/providers/cloudflare/dns.js";
import {
  checkAllRequests,
  checkOpenApiRequest,
  loadOpenApi,
  type OpenApiDoc,
} from "../support/openapi-check.js";
import { describeShared, sharedPath } from "../support/shared.js";
import { type JsonMock, jsonMock, route } from "./json-mock.js";

const ORIGIN = "https://api.cloudflare.com";
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(sharedPath("fixtures/libcloud/dns/cloudflare", name), "utf8"));
const EMPTY = {
  success: true,
  errors: [],
  messages: [],
  result: [],
  result_info: { page: 1, per_page: 500, total_pages: 0, count: 0, total_count: 0 },
};
/**
 * Where the spec is wrong about requests: it reuses the record schema of answers for create/update bodies,
 * so "id" (assigned by Cloudflare) is listed as required; and it marks record DELETE's body required,
 * while the API and Cloudflare's own SDKs send none.
 */
const ALLOWANCES = {
  serverAssigned: ["id"],
  bodyNotRequired: ["dns-records-for-a-zone-delete-dns-record"],
};
const HEX32 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

describeShared(
  "cloudflare DNS replayed from libcloud's fixtures, every request checked against the OpenAPI spec",
  () => {
    let spec: OpenApiDoc;
    let mock: JsonMock;
    let dns: Dns<CloudflareDnsDriver>;

    const zoneLookup = () =>
      mock.on(route("GET", /\/zones$/, { name: "example.com" }), {
        status: 200,
        body: fixture("zones_GET.json"),
      });

    beforeAll(() => {
      spec = loadOpenApi(sharedPath("specs/cloudflare-dns/cloudflare-dns-zones.openapi.json"));
      mock = jsonMock(ORIGIN);
    });
    beforeEach(() => {
      mock.reset();
      dns = new Dns(
        new CloudflareDnsDriver({
          token: "cf-test-token-123",
          accountId: "a".repeat(32),
          transport: { dispatcher: mock.agent, retry: false },
        }),
      );
    });
    afterAll(async () => {
      const problems = checkAllRequests("Cloudflare", spec, mock.seen, ALLOWANCES);
      await mock.close();
      expect(problems).toEqual([]);
      expect(mock.unscripted).toEqual([]);
    });

    it("the OpenAPI check itself catches an undeclared query, a bad TTL, a wrong type and an unknown field", () => {
      const { problems } = checkOpenApiRequest(
        spec,
        {
          method: "POST",
          url: new URL(`${ORIGIN}/client/v4/zones/1234/dns_records?bogus=1`),
          body: { type: "A", name: "x.example.com", content: "192.0.2.1", ttl: 5, colour: "blue" },
        },
        ALLOWANCES,
      );
      const said = problems.join("\n");
      expect(said).toMatch(/query "bogus" is not declared/);
      expect(said).toMatch(/matches 0 of oneOf/);
      expect(said).toMatch(/"colour" is not in the schema/);
      const wrongType = checkOpenApiRequest(spec, {
        method: "POST",
        url: new URL(`${ORIGIN}/client/v4/zones/1234/dns_records`),
        body: { type: "SPF", name: "x.example.com", content: "v=spf1 -all", ttl: 300 },
      });
      expect(wrongType.problems.join("\n")).toMatch(/oneOf/);
    });

    it("lists zones (zones_GET.json) with their name servers, by page number", async () => {
      mock.on(route("GET", /\/zones$/, { page: "1" }), { status: 200, body: fixture("zones_GET.json") });
      const zones = [];
      for await (const z of dns.listZones()) zones.push(z);
      expect(zones).toEqual([
        {
          name: "example.com.",
          id: "1234",
          provider: "cloudflare",
          nameservers: ["anna.ns.cloudflare.com.", "john.ns.cloudflare.com."],
        },
      ]);
    });

    it("gets a zone by name (zone_GET.json), and a missing zone is NotFound (zone_GET_404.json)", async () => {
      zoneLookup();
      mock.on(route("GET", /\/zones\/1234$/), { status: 200, body: fixture("zone_GET.json") });
      expect((await dns.getZone("example.com")).id).toBe("1234");
      mock.on(route("GET", /\/zones$/, { name: "nowhere.example" }), { status: 200, body: EMPTY });
      await expect(dns.getZone("nowhere.example")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("lists records over two pages (records_GET_1/2.json) as typed sets", async () => {
      zoneLookup();
      mock.on(route("GET", /\/dns_records$/, { page: "1" }), {
        status: 200,
        body: fixture("records_GET_1.json"),
      });
      mock.on(route("GET", /\/dns_records$/, { page: "2" }), {
        status: 200,
        body: fixture("records_GET_2.json"),
      });
      const ids = [];
      for await (const r of dns.listRecords("example.com")) ids.push(r.id);
      expect(ids).toEqual(
        [
          "example.com. A 192.30.252.153",
          "example.com. A 192.30.252.154",
          "email.example.com. CNAME mailgun.org.",
          "foo.example.com. CNAME foo.com.",
          "yesyes.example.com. CNAME verify.bing.com.",
          "foo.bar.example.com. MX 30 aspmx3.googlemail.com.",
          "example.com. MX 1 mxa.mailgun.org.",
          "example.com. MX 2 mxb.mailgun.org.",
          'example.com. TXT "v=spf1 include:mailgun.org ~all"',
          'pic._domainkey.example.com. TXT "k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCt+d2 ..."',
          'test1.example.com. CAA 0 issue "test.example.com"',
        ].map((s) =>
          s.startsWith("pic.") ? expect.stringMatching(/^pic\._domainkey\.example\.com\. TXT "k=rsa;/) : s,
        ),
      );
    });

    it("creates records of every type with bodies the spec accepts (records_POST.json answers)", async () => {
      const inputs: RecordInput[] = [
        { name: "test5", type: "A", ttl: 300, data: { address: "127.0.0.3" } },
        { name: "v6", type: "AAAA", ttl: 300, data: { address: "2001:db8::3" } },
        { name: "www", type: "CNAME", ttl: 300, data: { target: "example.org." } },
        { name: "@", type: "ALIAS", ttl: 300, data: { target: "lb.example.net." } },
        { name: "mx", type: "MX", ttl: 300, data: { preference: 10, exchange: "mail.example.org." } },
        { name: "txt", type: "TXT", ttl: 300, data: { text: ["one", "two"] } },
        {
          name: "_sip._tcp",
          type: "SRV",
          ttl: 300,
          data: { priority: 1, weight: 2, port: 5060, target: "sip.example.org." },
        },
        { name: "@", type: "CAA", ttl: 300, data: { flags: 0, tag: "issue", value: "letsencrypt.org" } },
        { name: "sub", type: "NS", ttl: 300, data: { target: "ns1.example.org." } },
        { name: "ptr", type: "PTR", ttl: 300, data: { target: "host.example.org." } },
        {
          name: "host",
          type: "SSHFP",
          ttl: 300,
          data: { algorithm: 4, fingerprintType: 2, fingerprint: HEX32 },
        },
        {
          name: "_443._tcp",
          type: "TLSA",
          ttl: 300,
          data: { usage: 3, selector: 1, matchingType: 1, data: HEX32 },
        },
        {
          name: "naptr",
          type: "NAPTR",
          ttl: 300,
          data: {
            order: 100,
            preference: 10,
            flags: "U",
            service: "E2U+sip",
            regexp: "!^.*$!sip:a@b!",
            replacement: ".",
          },
        },
        {
          name: "sub",
          type: "DS",
          ttl: 300,
          data: { keyTag: 1, algorithm: 13, digestType: 2, digest: HEX32 },
        },
      ];
      for (const input of inputs) {
        zoneLookup();
        mock.on(route("GET", /\/dns_records$/), { status: 200, body: EMPTY }); // the portable layer's read
        mock.on(route("GET", /\/dns_records$/), { status: 200, body: EMPTY }); // the driver's read of the set
        mock.on(route("POST", /\/dns_records$/), {
          status: 200,
          body: fixture(input.type === "SSHFP" ? "records_POST_sshfp.json" : "records_POST.json"),
        });
        await dns.createRecord("example.com", input);
      }
      const posts = mock.seen.filter((r) => r.method === "POST");
      expect(posts).toHaveLength(inputs.length);
      const alias = posts.find((p) => (p.body as { name: string }).name === "example.com");
      expect(alias?.body).toMatchObject({ type: "CNAME", content: "lb.example.net" });
      const srv = posts.find((p) => (p.body as { type: string }).type === "SRV");
      expect(srv?.body).toEqual({
        type: "SRV",
        name: "_sip._tcp.example.com",
        ttl: 300,
        data: { priority: 1, weight: 2, port: 5060, target: "sip.example.org" },
      });
    });

    it("replaces a set with an update (record_PUT.json) and deletes it (record_DELETE.json)", async () => {
      const existing = {
        ...(fixture("records_POST.json") as object),
        result: [(fixture("records_POST.json") as { result: object }).result],
        result_info: { page: 1, total_pages: 1 },
      };
      zoneLookup();
      mock.on(route("GET", /\/dns_records$/), { status: 200, body: existing });
      mock.on(route("GET", /\/dns_records$/), { status: 200, body: existing });
      mock.on(route("PUT", /\/dns_records\/412561327$/), { status: 200, body: fixture("record_PUT.json") });
      await dns.setRecordSet("example.com", {
        name: "test5",
        type: "A",
        ttl: 1,
        values: [{ address: "127.0.0.4" }],
      });
      const put = mock.seen.at(-1)!;
      expect(put.body).toEqual({ type: "A", name: "test5.example.com", ttl: 1, content: "127.0.0.4" });

      zoneLookup();
      mock.on(route("GET", /\/dns_records$/), { status: 200, body: existing });
      mock.on(route("GET", /\/dns_records$/), { status: 200, body: existing });
      mock.on(route("DELETE", /\/dns_records\/412561327$/), {
        status: 200,
        body: fixture("record_DELETE.json"),
      });
      await dns.deleteRecordSet("example.com", "test5", "A");
      expect(mock.seen.at(-1)!.method).toBe("DELETE");
    });

    it("creates (zones_POST.json) and deletes (zone_DELETE.json) zones; a name that exists is AlreadyExists", async () => {
      mock.on(route("GET", /\/zones$/, { name: "example2.com" }), { status: 200, body: EMPTY });
      mock.on(route("POST", /\/zones$/), { status: 200, body: fixture("zones_POST.json") });
      const zone = await dns.createZone("example2.com");
      expect(zone).toMatchObject({ name: "example2.com.", id: "6789" });
      expect(mock.seen.at(-1)!.body).toEqual({
        name: "example2.com",
        account: { id: "a".repeat(32) },
        type: "full",
      });
      mock.on(route("DELETE", /\/zones\/6789$/), { status: 200, body: fixture("zone_DELETE.json") });
      await dns.deleteZone("example2.com");
      zoneLookup();
      await expect(dns.createZone("example.com")).rejects.toBeInstanceOf(AlreadyExistsError);
    });

    it("reports Cloudflare's errors with their chain (error_with_error_chain.json) and refuses TTLs it cannot store", async () => {
      zoneLookup();
      mock.on(route("GET", /\/dns_records$/), { status: 200, body: EMPTY });
      mock.on(route("GET", /\/dns_records$/), { status: 200, body: EMPTY });
      mock.on(route("POST", /\/dns_records$/), { status: 400, body: fixture("error_with_error_chain.json") });
      const err = (await dns
        .createRecord("example.com", { name: "bad", type: "TXT", ttl: 300, data: { text: "x" } })
        .catch((e: unknown) => e)) as InvalidInputError;
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err.message).toContain("DNS Validation Error: Length of content is invalid");
      expect(err.code).toBe("1004");

      zoneLookup();
      mock.on(route("GET", /\/zones\/1234$/), { status: 404, body: fixture("zone_GET_404.json") });
      const missing = (await dns.getZone("example.com").catch((e: unknown) => e)) as NotFoundError;
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing.message).toContain("Invalid zone identifier");

      zoneLookup();
      mock.on(route("GET", /\/dns_records$/), { status: 200, body: EMPTY });
      const before = mock.seen.length;
      await expect(
        dns.createRecord("example.com", {
          name: "long",
          type: "A",
          ttl: 172800,
          data: { address: "192.0.2.1" },
        }),
      ).rejects.toThrow(/30 to 86400/);
      expect(mock.seen.slice(before).every((r) => r.method === "GET")).toBe(true);
    });
  },
);
