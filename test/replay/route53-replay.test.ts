/**
 * The route53 driver replayed from libcloud's recorded Route 53 answers ($OMNICLOUD_SHARED/fixtures/
 * libcloud/dns/route53) through an undici MockAgent, with EVERY request it makes checked against Route
 * 53's API model ($OMNICLOUD_SHARED/specs/aws-models/route53/2013-04-01/service-2.json): method, URI
 * template, query and header names, and the XML body's elements. Answers the fixtures lack (ChangeInfo,
 * a second page, throttling) are written here and say so.
 */
import { readFileSync } from "node:fs";
import { MockAgent } from "undici";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { parseXml } from "../../src/core/codec/xml.js";
import type { XmlObject } from "../../src/core/codec/xml-shape.js";
import {
  AlreadyExistsError,
  InvalidInputError,
  NotFoundError,
  RateLimitError,
} from "../../src/core/errors.js";
import { Dns } from "../../src/dns/dns.js";
import { Route53Driver } from "../../src/providers/aws/route53.js";
import { reportCounts } from "../support/counts.js";
import { describeShared, sharedPath } from "../support/shared.js";
import { checkRequest, type Route53Model, type SeenRequest } from "./route53-model.js";

const ORIGIN = "https://route53.amazonaws.com";
const fixture = (name: string): string =>
  readFileSync(sharedPath("fixtures/libcloud/dns/route53", name), "utf8");

interface Reply {
  status: number;
  body: string;
}

/** Written here: Route 53's answer to ChangeResourceRecordSets (no libcloud fixture has one). */
const CHANGE_INFO = `<?xml version="1.0" encoding="UTF-8"?>
<ChangeResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/C1</Id><Status>PENDING</Status><SubmittedAt>2024-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>`;
const DELETED = CHANGE_INFO.replace(/ChangeResourceRecordSetsResponse/g, "DeleteHostedZoneResponse");
const EMPTY_SETS = `<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceRecordSets/><IsTruncated>false</IsTruncated><MaxItems>300</MaxItems></ListResourceRecordSetsResponse>`;

function errorBody(code: string, message: string): string {
  return `<?xml version="1.0"?><ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-${code}</RequestId></ErrorResponse>`;
}

function headers(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw))
    for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
  else if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k.toLowerCase()] = String(v);
  }
  return out;
}

describeShared(
  "route53 replayed from libcloud's fixtures, every request checked against the API model",
  () => {
    let model: Route53Model;
    let agent: MockAgent;
    const seen: SeenRequest[] = [];
    /** Per test: answers by "METHOD path", the first matching script entry used up first. */
    let script: { when: (r: SeenRequest) => boolean; reply: Reply }[] = [];
    const operations = new Map<string, number>();
    let checked = 0;
    /** Requests no test expected: each is a failure (the driver asked for something it should not). */
    const unscripted: string[] = [];
    let dns: Dns<Route53Driver>;

    const on = (when: (r: SeenRequest) => boolean, reply: Reply): void => {
      script.push({ when, reply });
    };
    const is = (method: string, path: RegExp) => (r: SeenRequest) =>
      r.method === method && path.test(r.url.pathname);

    beforeAll(() => {
      model = JSON.parse(
        readFileSync(sharedPath("specs/aws-models/route53/2013-04-01/service-2.json"), "utf8"),
      );
      agent = new MockAgent();
      agent.disableNetConnect();
      agent
        .get(ORIGIN)
        .intercept({ path: () => true, method: () => true })
        .reply((opts) => {
          const body = opts.body;
          const req: SeenRequest = {
            method: opts.method,
            url: new URL(opts.path, ORIGIN),
            headers: headers(opts.headers),
            body:
              typeof body === "string"
                ? Buffer.from(body)
                : body instanceof Uint8Array
                  ? Buffer.from(body)
                  : undefined,
          };
          seen.push(req);
          const i = script.findIndex((s) => s.when(req));
          if (i < 0) unscripted.push(`${opts.method} ${opts.path}`);
          const reply =
            i >= 0
              ? script.splice(i, 1)[0]!.reply
              : { status: 500, body: errorBody("NoScript", `${opts.method} ${opts.path}`) };
          return {
            statusCode: reply.status,
            data: reply.body,
            responseOptions: { headers: { "content-type": "text/xml", "x-amzn-requestid": "mock" } },
          };
        })
        .persist();
    });

    beforeEach(() => {
      // Each test starts without known zone ids, so name resolution is replayed too.
      script = [];
      dns = new Dns(
        new Route53Driver({
          credentials: {
            accessKeyId: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
          },
          callerReference: () => "omnicloud-test-ref",
          transport: { dispatcher: agent, retry: false },
        }),
      );
    });

    afterAll(async () => {
      // Every request of every test, against the model.
      const problems: string[] = [];
      for (const req of seen) {
        const result = checkRequest(model, req);
        if (result.operation) operations.set(result.operation, (operations.get(result.operation) ?? 0) + 1);
        problems.push(...result.problems);
        checked++;
      }
      reportCounts(
        `Route 53 model checks: ${checked - problems.length}/${checked} requests conform (${[...operations]
          .map(([op, n]) => `${op} ${n}`)
          .join(", ")})`,
      );
      await agent.close();
      expect(problems).toEqual([]);
      expect(unscripted).toEqual([]);
    });

    const zones = () => on(is("GET", /\/hostedzone$/), { status: 200, body: fixture("list_zones.xml") });

    it("lists hosted zones (list_zones.xml): names made absolute, ids bare", async () => {
      zones();
      const list = [];
      for await (const z of dns.listZones()) list.push(z);
      expect(list.map((z) => [z.name, z.id])).toEqual([
        ["t.com.", "47234"],
        ["newbug.net.", "48170"],
        ["newblah.com.", "48017"],
        ["fromapi.com.", "47288"],
        ["blahnew.com.", "48008"],
      ]);
      expect(seen.at(-1)!.url.search).toBe("?maxitems=100");
    });

    it("follows ListHostedZones' NextMarker across pages (second page written here)", async () => {
      const page1 = fixture("list_zones.xml").replace(
        "</HostedZones>",
        "</HostedZones><IsTruncated>true</IsTruncated><NextMarker>Z2NEXT</NextMarker><MaxItems>5</MaxItems>",
      );
      const page2 = `<ListHostedZonesResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HostedZones><HostedZone><Id>/hostedzone/Z2NEXT</Id><Name>last.example.</Name><CallerReference>x</CallerReference></HostedZone></HostedZones><IsTruncated>false</IsTruncated><Marker>Z2NEXT</Marker><MaxItems>5</MaxItems></ListHostedZonesResponse>`;
      on(
        (r) =>
          r.method === "GET" && r.url.pathname.endsWith("/hostedzone") && !r.url.searchParams.has("marker"),
        { status: 200, body: page1 },
      );
      on((r) => r.url.searchParams.get("marker") === "Z2NEXT", { status: 200, body: page2 });
      const names = [];
      for await (const z of dns.listZones()) names.push(z.name);
      expect(names).toHaveLength(6);
      expect(names.at(-1)).toBe("last.example.");
    });

    it("gets a zone (get_zone.xml): name servers from the delegation set when the apex has none listed", async () => {
      zones();
      on(is("GET", /\/hostedzone\/47234$/), { status: 200, body: fixture("get_zone.xml") });
      on(is("GET", /\/hostedzone\/47234\/rrset$/), { status: 200, body: fixture("list_records.xml") });
      const zone = await dns.getZone("t.com");
      expect(zone).toEqual({
        name: "t.com.",
        id: "47234",
        provider: "route53",
        nameservers: ["ns1.example.com.", "ns2.example.com.", "ns3.example.com.", "ns4.example.com."],
      });
      const apexQuery = seen.at(-1)!.url.searchParams;
      expect(apexQuery.get("name")).toBe("t.com.");
    });

    it("lists records (list_records.xml) as typed data, leaving out names outside the zone", async () => {
      zones();
      on(is("GET", /\/rrset$/), { status: 200, body: fixture("list_records.xml") });
      const records = [];
      for await (const r of dns.listRecords("t.com")) records.push(r);
      expect(records.map((r) => r.id)).toEqual([
        "wibble.t.com. CNAME t.com.",
        "www.t.com. A 208.111.35.173",
        "blahblah.t.com. A 208.111.35.173",
      ]);
      expect(records[0]!.ttl).toBe(86400);
    });

    it("reads every record of a set across ListResourceRecordSets pages (NextRecordName/Type)", async () => {
      zones();
      const set = (name: string, type: string, value: string) =>
        `<ResourceRecordSet><Name>${name}</Name><Type>${type}</Type><TTL>60</TTL><ResourceRecords><ResourceRecord><Value>${value}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>`;
      const wrap = (sets: string, tail: string) =>
        `<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceRecordSets>${sets}</ResourceRecordSets>${tail}<MaxItems>2</MaxItems></ListResourceRecordSetsResponse>`;
      on((r) => r.url.pathname.endsWith("/rrset") && !r.url.searchParams.has("name"), {
        status: 200,
        body: wrap(
          set("\\052.t.com.", "TXT", '"caf\\303\\251" "two"') + set("a.t.com.", "MX", "10 mail.t.com."),
          "<IsTruncated>true</IsTruncated><NextRecordName>b.t.com.</NextRecordName><NextRecordType>TXT</NextRecordType>",
        ),
      });
      on((r) => r.url.searchParams.get("name") === "b.t.com." && r.url.searchParams.get("type") === "TXT", {
        status: 200,
        body: wrap(set("b.t.com.", "TXT", '"last"'), "<IsTruncated>false</IsTruncated>"),
      });
      const records = [];
      for await (const r of dns.listRecords("t.com")) records.push(r.id);
      // Route 53's octal escapes: \052 is the wildcard "*", \303\251 is "é" in UTF-8.
      expect(records).toEqual([
        '*.t.com. TXT "caf\\195\\169" "two"',
        "a.t.com. MX 10 mail.t.com.",
        'b.t.com. TXT "last"',
      ]);
    });

    it("creates a zone with a CallerReference (create_zone.xml), and refuses a name that exists", async () => {
      zones();
      on(is("POST", /\/hostedzone$/), { status: 201, body: fixture("create_zone.xml") });
      on(is("GET", /\/rrset$/), { status: 200, body: EMPTY_SETS });
      const zone = await dns.createZone("brand-new.example");
      expect(zone.id).toBe("47234");
      expect(zone.nameservers).toHaveLength(4);
      const post = seen.find((r) => r.method === "POST")!;
      const doc = parseXml(post.body!.toString(), { provider: "t", operation: "t" });
      expect(doc.CreateHostedZoneRequest).toMatchObject({
        Name: "brand-new.example.",
        CallerReference: "omnicloud-test-ref",
      });
      zones();
      await expect(dns.createZone("t.com")).rejects.toBeInstanceOf(AlreadyExistsError);
    });

    it("maps Route 53's error codes: NoSuchHostedZone, HostedZoneAlreadyExists, Throttling, InvalidChangeBatch", async () => {
      zones();
      on(is("GET", /\/hostedzone\/47234$/), { status: 404, body: fixture("zone_does_not_exist.xml") });
      const missing = await dns.getZone("t.com").catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(NotFoundError);
      expect((missing as NotFoundError).code).toBe("NoSuchHostedZone");
      expect((missing as NotFoundError).message).toContain("No hosted zone found with ID: 47234");

      zones();
      await expect(dns.getZone("not-there.example")).rejects.toBeInstanceOf(NotFoundError);

      on(is("GET", /\/hostedzone$/), {
        status: 200,
        body: EMPTY_SETS.replace(/ListResourceRecordSetsResponse/g, "ListHostedZonesResponse").replace(
          "<ResourceRecordSets/>",
          "<HostedZones/>",
        ),
      });
      on(is("POST", /\/hostedzone$/), {
        status: 409,
        body: errorBody(
          "HostedZoneAlreadyExists",
          "A hosted zone has already been created with the specified caller reference.",
        ),
      });
      await expect(dns.createZone("race.example")).rejects.toBeInstanceOf(AlreadyExistsError);

      zones();
      on(is("GET", /\/hostedzone\/47234\/rrset$/), {
        status: 400,
        body: errorBody("Throttling", "Rate exceeded"),
      });
      const throttled = await dns
        .listRecords("t.com")
        [Symbol.asyncIterator]()
        .next()
        .catch((e: unknown) => e);
      expect(throttled).toBeInstanceOf(RateLimitError);

      zones();
      on(is("GET", /\/rrset$/), { status: 200, body: EMPTY_SETS });
      on(is("GET", /\/rrset$/), { status: 200, body: EMPTY_SETS });
      on(is("POST", /\/rrset\/$/), { status: 400, body: fixture("invalid_change_batch.xml") });
      const invalid = await dns
        .createRecord("t.com", { name: "x", type: "A", ttl: 60, data: { address: "192.0.2.1" } })
        .catch((e: unknown) => e);
      expect(invalid).toBeInstanceOf(InvalidInputError);
      expect((invalid as InvalidInputError).code).toBe("InvalidChangeBatch");
      expect((invalid as InvalidInputError).message).toContain("Invalid change");
    });

    it("keeps every message of an InvalidChangeBatch in the error", async () => {
      zones();
      on(is("GET", /\/rrset$/), { status: 200, body: EMPTY_SETS });
      on(is("GET", /\/rrset$/), { status: 200, body: EMPTY_SETS });
      on(is("POST", /\/rrset\/$/), {
        status: 400,
        body: `<?xml version="1.0"?><InvalidChangeBatch xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Messages><Message>Tried to create resource record set [name='x.t.com.', type='A'] but it already exists</Message><Message>second &amp; last</Message></Messages><RequestId>r1</RequestId></InvalidChangeBatch>`,
      });
      const err = (await dns
        .createRecord("t.com", { name: "x", type: "A", ttl: 60, data: { address: "192.0.2.1" } })
        .catch((e: unknown) => e)) as InvalidInputError;
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err.message).toContain("but it already exists; second & last");
      expect(err.requestId).toBe("r1");
    });

    it("sends one ChangeBatch: CREATE for a new set, UPSERT for an existing one, DELETE repeating the set, ALIAS as AliasTarget", async () => {
      zones();
      const existing = fixture("list_records.xml");
      on(is("GET", /\/rrset$/), { status: 200, body: existing }); // plan: the whole zone
      on((r) => r.url.searchParams.get("name") === "www.t.com.", {
        status: 200,
        body: existing.replace(
          /[\s\S]*?(<ResourceRecordSet>\s*<Name>www)/,
          "<ListResourceRecordSetsResponse><ResourceRecordSets>$1",
        ),
      });
      on((r) => r.url.searchParams.get("name") === "blahblah.t.com.", {
        status: 200,
        body: existing.replace(
          /[\s\S]*?(<ResourceRecordSet>\s*<Name>blahblah)/,
          "<ListResourceRecordSetsResponse><ResourceRecordSets>$1",
        ),
      });
      on((r) => r.url.searchParams.get("name") === "wibble.t.com.", { status: 200, body: existing });
      on((r) => r.url.searchParams.get("name") === "new.t.com.", { status: 200, body: EMPTY_SETS });
      on((r) => r.url.searchParams.get("name") === "t.com.", { status: 200, body: existing });
      on(is("POST", /\/rrset\/$/), { status: 200, body: CHANGE_INFO });
      const plan = await dns.applyZone({
        name: "t.com",
        records: [
          { name: "www", type: "A", ttl: 300, data: { address: "192.0.2.80" } },
          { name: "blahblah", type: "A", ttl: 86400, data: { address: "208.111.35.173" } },
          { name: "new", type: "TXT", ttl: 60, data: { text: "héllo" } },
          { name: "@", type: "ALIAS", data: { target: "www.t.com." } },
        ],
      });
      expect(plan.summary).toEqual({ create: 2, update: 1, delete: 1 });
      const posts = seen.filter((r) => r.method === "POST");
      const batch = parseXml(posts.at(-1)!.body!.toString(), { provider: "t", operation: "t" }) as XmlObject;
      const changes = ((batch.ChangeResourceRecordSetsRequest as XmlObject).ChangeBatch as XmlObject)
        .Changes as XmlObject;
      const list = (changes.Change as XmlObject[]).map((c) => {
        const set = c.ResourceRecordSet as XmlObject;
        return `${c.Action} ${set.Name} ${set.Type}`;
      });
      expect(list.sort()).toEqual(
        [
          "UPSERT www.t.com. A",
          "DELETE wibble.t.com CNAME",
          "CREATE new.t.com. TXT",
          "CREATE t.com. A",
          "CREATE t.com. AAAA",
        ].sort(),
      );
      const txt = (changes.Change as XmlObject[]).find(
        (c) => (c.ResourceRecordSet as XmlObject).Type === "TXT",
      )!;
      // "é" is two UTF-8 bytes, written as Route 53's octal escapes.
      expect(JSON.stringify(txt)).toContain('\\"h\\\\303\\\\251llo\\"');
      const alias = (changes.Change as XmlObject[]).find(
        (c) => (c.ResourceRecordSet as XmlObject).Type === "AAAA",
      )!;
      expect((alias.ResourceRecordSet as XmlObject).AliasTarget).toEqual({
        HostedZoneId: "47234",
        DNSName: "www.t.com.",
        EvaluateTargetHealth: "false",
      });
    });

    it("deletes a zone: its record sets first (Route 53 deletes only empty zones), then the zone", async () => {
      zones();
      on(is("GET", /\/rrset$/), { status: 200, body: fixture("list_records.xml") });
      on(is("POST", /\/rrset\/$/), { status: 200, body: CHANGE_INFO });
      on(is("DELETE", /\/hostedzone\/47234$/), { status: 200, body: DELETED });
      await dns.deleteZone("t.com");
      const post = seen.filter((r) => r.method === "POST").at(-1)!;
      expect(post.body!.toString().match(/<Action>DELETE<\/Action>/g)).toHaveLength(5);
      expect(seen.at(-1)!.method).toBe("DELETE");
    });

    it("the model check itself catches a wrong query name, header, element, enum value and namespace", () => {
      const bad = checkRequest(model, {
        method: "POST",
        url: new URL(`${ORIGIN}/2013-04-01/hostedzone/Z1/rrset/?bogus=1`),
        headers: { "x-custom": "1" },
        body: Buffer.from(
          '<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2012-02-29/"><ChangeBatch><Changes><Change><Action>REPLACE</Action><ResourceRecordSet><Name>a.</Name><Type>A</Type><Ttl>1</Ttl></ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>',
        ),
      });
      const said = bad.problems.join("\n");
      expect(bad.operation).toBe("ChangeResourceRecordSets");
      expect(said).toMatch(/query "bogus"/);
      expect(said).toMatch(/header "x-custom"/);
      expect(said).toMatch(/xmlns/);
      expect(said).toMatch(/"REPLACE" is not one of/);
      expect(said).toMatch(/<Ttl> is not a member/);
    });

    it("signs with SigV4 for route53 in us-east-1", async () => {
      zones();
      for await (const _ of dns.listZones()) break;
      const auth = seen.at(-1)!.headers.authorization!;
      expect(auth).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/route53\/aws4_request, /,
      );
    });
  },
);
