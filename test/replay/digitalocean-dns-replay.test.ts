/**
 * The digitalocean DNS driver replayed from libcloud's recorded DigitalOcean answers ($OMNICLOUD_SHARED/
 * fixtures/libcloud/dns/digitalocean) through an undici MockAgent, with EVERY request checked against
 * DigitalOcean's OpenAPI spec ($OMNICLOUD_SHARED/specs/digitalocean-openapi): path template, method,
 * declared query parameters, and the JSON body against the request schema.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { AlreadyExistsError, AuthError, InvalidInputError, NotFoundError } from "../../src/core/errors.js";
import { Dns } from "../../src/dns/dns.js";
import type { RecordInput } from "../../src/dns/types.js";
import { DigitalOceanDnsDriver } from "../../src/providers/digitalocean/dns.js";
import { checkAllRequests, loadOpenApi, type OpenApiDoc } from "../support/openapi-check.js";
import { describeShared, sharedPath } from "../support/shared.js";
import { type JsonMock, jsonMock, route } from "./json-mock.js";

const ORIGIN = "https://api.digitalocean.com";
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(sharedPath("fixtures/libcloud/dns/digitalocean", name), "utf8"));
const NO_RECORDS = { domain_records: [], links: {}, meta: { total: 0 } };

describeShared(
  "digitalocean DNS replayed from libcloud's fixtures, every request checked against the OpenAPI spec",
  () => {
    let spec: OpenApiDoc;
    let mock: JsonMock;
    let dns: Dns<DigitalOceanDnsDriver>;

    beforeAll(() => {
      spec = loadOpenApi(sharedPath("specs/digitalocean-openapi/DigitalOcean-public.v2.bundled.json"));
      mock = jsonMock(ORIGIN);
    });
    beforeEach(() => {
      mock.reset();
      dns = new Dns(
        new DigitalOceanDnsDriver({
          token: "do-test-token-123",
          transport: { dispatcher: mock.agent, retry: false },
        }),
      );
    });
    afterAll(async () => {
      const problems = checkAllRequests("DigitalOcean", spec, mock.seen);
      await mock.close();
      expect(problems).toEqual([]);
      expect(mock.unscripted).toEqual([]);
    });

    it("lists domains (_v2_domains.json) with serial and name servers from their zone file", async () => {
      mock.on(route("GET", /\/v2\/domains$/), { status: 200, body: fixture("_v2_domains.json") });
      const zones = [];
      for await (const z of dns.listZones()) zones.push(z);
      expect(zones).toEqual([
        {
          name: "testdomain.",
          id: "testdomain.",
          provider: "digitalocean",
          serial: 1428768671,
          nameservers: ["ns1.digitalocean.com.", "ns2.digitalocean.com.", "ns3.digitalocean.com."],
        },
      ]);
    });

    it("gets a domain (_v2_domains_testdomain.json); a missing one is NotFound, a bad token AuthError", async () => {
      mock.on(route("GET", /\/v2\/domains\/testdomain$/), {
        status: 200,
        body: fixture("_v2_domains_testdomain.json"),
      });
      expect((await dns.getZone("testdomain")).serial).toBe(1428768671);
      mock.on(route("GET", /\/v2\/domains\/testdomain$/), {
        status: 404,
        body: fixture("_v2_domains_testdomain_NOT_FOUND.json"),
      });
      const missing = (await dns.getZone("testdomain").catch((e: unknown) => e)) as NotFoundError;
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing.code).toBe("not_found");
      mock.on(route("GET", /\/v2\/domains$/), {
        status: 401,
        body: fixture("_v2_domains_UNAUTHORIZED.json"),
      });
      await expect(dns.listZones()[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(AuthError);
    });

    it("lists records (_v2_domains_testdomain_records.json) with the SOA from the zone file", async () => {
      mock.on(route("GET", /\/records$/), {
        status: 200,
        body: fixture("_v2_domains_testdomain_records.json"),
      });
      mock.on(route("GET", /\/v2\/domains\/testdomain$/), {
        status: 200,
        body: fixture("_v2_domains_testdomain.json"),
      });
      const ids = [];
      for await (const r of dns.listRecords("testdomain")) ids.push(r.id);
      expect(ids).toEqual([
        "testdomain. SOA ns1.digitalocean.com. hostmaster.testdomain. 1428768671 10800 3600 604800 1800",
        "testdomain. NS ns1.digitalocean.com.",
        "testdomain. NS ns2.digitalocean.com.",
        "testdomain. NS ns3.digitalocean.com.",
        "testdomain. A 123.45.67.89",
        "testdomain. A 123.45.67.99",
      ]);
    });

    it("creates records of every type it has with bodies the spec accepts (_records_CREATE.json)", async () => {
      const inputs: RecordInput[] = [
        { name: "sub", type: "A", ttl: 60, data: { address: "234.56.78.90" } },
        { name: "v6", type: "AAAA", ttl: 60, data: { address: "2001:db8::1" } },
        { name: "www", type: "CNAME", ttl: 60, data: { target: "example.org." } },
        { name: "@", type: "MX", ttl: 60, data: { preference: 10, exchange: "mail.example.org." } },
        { name: "txt", type: "TXT", ttl: 60, data: { text: "v=spf1 -all" } },
        {
          name: "_sip._tcp",
          type: "SRV",
          ttl: 60,
          data: { priority: 1, weight: 2, port: 5060, target: "sip.example.org." },
        },
        { name: "@", type: "CAA", ttl: 60, data: { flags: 0, tag: "issue", value: "letsencrypt.org" } },
        { name: "sub", type: "NS", ttl: 60, data: { target: "ns1.example.org." } },
      ];
      for (const input of inputs) {
        // At the apex the portable layer's read also asks for the domain (the SOA is in its zone file).
        if (input.name === "@") {
          mock.on(route("GET", /\/v2\/domains\/testdomain$/), {
            status: 200,
            body: fixture("_v2_domains_testdomain.json"),
          });
        }
        mock.on(route("GET", /\/records$/), { status: 200, body: NO_RECORDS });
        mock.on(route("GET", /\/records$/), { status: 200, body: NO_RECORDS });
        mock.on(route("POST", /\/records$/), {
          status: 201,
          body: fixture("_v2_domains_testdomain_records_CREATE.json"),
        });
        await dns.createRecord("testdomain", input);
      }
      const posts = mock.seen.filter((r) => r.method === "POST").map((r) => r.body);
      expect(posts[0]).toEqual({ type: "A", name: "sub", ttl: 60, data: "234.56.78.90" });
      expect(posts[3]).toEqual({ type: "MX", name: "@", ttl: 60, data: "mail.example.org.", priority: 10 });
      expect(posts[6]).toEqual({
        type: "CAA",
        name: "@",
        ttl: 60,
        data: "letsencrypt.org",
        flags: 0,
        tag: "issue",
      });
    });

    it("updates a record in place (_records_1234564_UPDATE.json) and deletes the rest of a set", async () => {
      const both = fixture("_v2_domains_testdomain_records.json") as { domain_records: object[] };
      const aRecords = { ...both, domain_records: both.domain_records.slice(3), meta: { total: 2 } };
      mock.on(route("GET", /\/v2\/domains\/testdomain$/), {
        status: 200,
        body: fixture("_v2_domains_testdomain.json"),
      });
      mock.on(route("GET", /\/records$/), { status: 200, body: aRecords });
      mock.on(route("GET", /\/records$/, { name: "testdomain", type: "A" }), { status: 200, body: aRecords });
      mock.on(route("PUT", /\/records\/1234564$/), {
        status: 200,
        body: fixture("_v2_domains_testdomain_records_1234564_UPDATE.json"),
      });
      mock.on(route("DELETE", /\/records\/1234567$/), { status: 204 });
      await dns.setRecordSet("testdomain", {
        name: "@",
        type: "A",
        ttl: 60,
        values: [{ address: "234.56.78.90" }],
      });
      const calls = mock.seen.slice(-2).map((r) => `${r.method} ${r.url.pathname}`);
      expect(calls).toEqual([
        "PUT /v2/domains/testdomain/records/1234564",
        "DELETE /v2/domains/testdomain/records/1234567",
      ]);
    });

    it("creates (_v2_domains_CREATE.json) and deletes domains; an existing one is AlreadyExists", async () => {
      mock.on(route("GET", /\/v2\/domains\/newdomain$/), {
        status: 404,
        body: fixture("_v2_domains_testdomain_NOT_FOUND.json"),
      });
      mock.on(route("POST", /\/v2\/domains$/), { status: 201, body: fixture("_v2_domains_CREATE.json") });
      mock.on(route("GET", /\/v2\/domains\/newdomain$/), {
        status: 200,
        body: { domain: { name: "newdomain", ttl: null, zone_file: null } },
      });
      expect((await dns.createZone("newdomain")).name).toBe("newdomain.");
      mock.on(route("DELETE", /\/v2\/domains\/newdomain$/), { status: 204 });
      await dns.deleteZone("newdomain");
      mock.on(route("GET", /\/v2\/domains\/testdomain$/), {
        status: 200,
        body: fixture("_v2_domains_testdomain.json"),
      });
      await expect(dns.createZone("testdomain")).rejects.toBeInstanceOf(AlreadyExistsError);
    });

    it("reports DigitalOcean's 422 (_v2_domains_UNPROCESSABLE_ENTITY.json) as InvalidInput, and refuses what it cannot store", async () => {
      mock.on(route("GET", /\/v2\/domains\/bad$/), {
        status: 404,
        body: fixture("_v2_domains_testdomain_NOT_FOUND.json"),
      });
      mock.on(route("POST", /\/v2\/domains$/), {
        status: 422,
        body: fixture("_v2_domains_UNPROCESSABLE_ENTITY.json"),
      });
      const err = (await dns.createZone("bad").catch((e: unknown) => e)) as InvalidInputError;
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err.message).toContain("Request body malformed.");
      await expect(
        dns.createRecord("testdomain", { name: "x", type: "PTR", data: { target: "y.example." } }),
      ).rejects.toThrow(/no PTR/);
      mock.on(route("GET", /\/records$/), { status: 200, body: NO_RECORDS });
      await expect(
        dns.createRecord("testdomain", { name: "x", type: "A", ttl: 5, data: { address: "192.0.2.1" } }),
      ).rejects.toThrow(/30 seconds or more/);
    });
  },
);
