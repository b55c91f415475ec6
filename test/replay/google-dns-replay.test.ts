/**
 * The google (Cloud DNS) driver replayed from libcloud's recorded Cloud DNS v1 answers ($OMNICLOUD_SHARED/
 * fixtures/libcloud/dns/google) through an undici MockAgent with net connect disabled. The OAuth token
 * exchange is replayed too: a fake service account with a freshly generated RSA key has its token_uri on
 * the same MockAgent, which checks the JWT's signature and claims before answering.
 *
 * There is no Google API spec in the shared folder, so the request shapes Cloud DNS v1 documents are
 * written here as facts (API reference, dns/docs/reference/rest/v1) and every request is held to them:
 * - base https://dns.googleapis.com/dns/v1/projects/{project}
 * - managedZones.list   GET    /managedZones            query: dnsName, maxResults, pageToken
 * - managedZones.get    GET    /managedZones/{zone}
 * - managedZones.create POST   /managedZones            body: ManagedZone {name, dnsName, description}
 * - managedZones.delete DELETE /managedZones/{zone}     empty answer
 * - rrsets.list         GET    /managedZones/{zone}/rrsets  query: name, type (only with name), maxResults, pageToken
 * - changes.create      POST   /managedZones/{zone}/changes body: Change {additions[], deletions[]} of
 *                                ResourceRecordSet {name, type, ttl, rrdatas[]}
 * - changes.get         GET    /managedZones/{zone}/changes/{changeId}; status "pending" | "done"
 * Answers no fixture has (a second page, a "done" change, some errors) are written here and say so.
 */
import { constants, generateKeyPairSync, type KeyObject, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MockAgent } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import {
  AlreadyExistsError,
  AuthError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
  ProviderError,
  RateLimitError,
} from "../../src/core/errors.js";
import { Dns } from "../../src/dns/dns.js";
import { openDns } from "../../src/dns/open.js";
import { CLOUD_DNS_SCOPE, GoogleDnsDriver, type GoogleDnsOptions } from "../../src/providers/google/dns.js";
import { resolveGoogleAuth } from "../../src/providers/google/dns-setup.js";
import { describeShared, sharedPath } from "../support/shared.js";
import { headerRecord } from "./mock-headers.js";

const DNS_ORIGIN = "https://dns.googleapis.com";
const TOKEN_ORIGIN = "https://oauth2.googleapis.com";
const PROJECT = "omni-project";
const BASE = `/dns/v1/projects/${PROJECT}`;
const EMAIL = "dns-robot@omni-project.iam.gserviceaccount.com";
const TOKEN = "ya29.replayed-token";
const FIXTURES = "fixtures/libcloud/dns/google";
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(sharedPath(FIXTURES, name), "utf8")) as Record<string, unknown>;

interface Seen {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: unknown;
}
interface Reply {
  status: number;
  body?: unknown;
}

function bodyText(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  return undefined;
}

/** Written here: Google's error envelope, as the API design guide documents it. */
function googleError(code: number, reason: string, status: string, message: string): Reply {
  return {
    status: code,
    body: { error: { code, message, status, errors: [{ domain: "global", reason, message }] } },
  };
}

const is =
  (method: string, path: string, query: Record<string, string | null> = {}) =>
  (r: Seen): boolean =>
    r.method === method &&
    r.url.pathname === `${BASE}${path}` &&
    Object.entries(query).every(([k, v]) => r.url.searchParams.get(k) === v);

const queryOf = (r: Seen): Record<string, string> => Object.fromEntries(r.url.searchParams);

describeShared("google Cloud DNS replayed from libcloud's fixtures, token exchange included", () => {
  let agent: MockAgent;
  let publicKey: KeyObject;
  let keyJson: string;
  let dir: string;
  let keyFile: string;
  const seen: Seen[] = [];
  const tokenRequests: { claims: Record<string, unknown>; grantType: string | null }[] = [];
  const unscripted: string[] = [];
  const replayed = new Set<string>();
  let script: { when: (r: Seen) => boolean; reply: Reply }[] = [];
  let dns: Dns<GoogleDnsDriver>;

  const on = (when: (r: Seen) => boolean, reply: Reply): void => {
    script.push({ when, reply });
  };
  const onFixture = (when: (r: Seen) => boolean, name: string, status = 200): void => {
    replayed.add(name);
    on(when, { status, body: fixture(name) });
  };
  /** The dnsName lookup that turns "example.com." into the managed zone "example-com". */
  const lookup = (): void => {
    replayed.add("managed_zones_1.json");
    on(is("GET", "/managedZones", { dnsName: "example.com." }), {
      status: 200,
      body: { kind: "dns#managedZonesListResponse", managedZones: [fixture("managed_zones_1.json")] },
    });
  };
  const options = (extra: Partial<GoogleDnsOptions> = {}): GoogleDnsOptions => ({
    credentials: keyJson,
    transport: { dispatcher: agent, retry: false },
    ...extra,
  });
  const driverWith = async (extra: Partial<GoogleDnsOptions> = {}): Promise<GoogleDnsDriver> =>
    new GoogleDnsDriver(options(extra), await resolveGoogleAuth(options(extra)));
  const dnsSince = (start: number): Seen[] => seen.slice(start);

  beforeAll(async () => {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    publicKey = pair.publicKey;
    keyJson = JSON.stringify({
      type: "service_account",
      project_id: PROJECT,
      private_key_id: "0123456789abcdef",
      private_key: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      client_email: EMAIL,
      token_uri: `${TOKEN_ORIGIN}/token`,
    });
    dir = await mkdtemp(join(tmpdir(), "omnicloud-gdns-"));
    keyFile = join(dir, "key.json");
    await writeFile(keyFile, keyJson);

    agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get(TOKEN_ORIGIN)
      .intercept({ path: "/token", method: "POST" })
      .reply((opts) => {
        const form = new URLSearchParams(bodyText(opts.body) ?? "");
        const [h, c, s] = (form.get("assertion") ?? "").split(".");
        const signed = verify(
          "RSA-SHA256",
          Buffer.from(`${h}.${c}`),
          { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
          Buffer.from(s ?? "", "base64url"),
        );
        const claims = JSON.parse(Buffer.from(c ?? "", "base64url").toString("utf8")) as Record<
          string,
          unknown
        >;
        tokenRequests.push({ claims, grantType: form.get("grant_type") });
        if (!signed) return { statusCode: 400, data: JSON.stringify({ error: "invalid_grant" }) };
        return {
          statusCode: 200,
          data: JSON.stringify({ access_token: TOKEN, expires_in: 3600, token_type: "Bearer" }),
          responseOptions: { headers: { "content-type": "application/json" } },
        };
      })
      .persist();
    agent
      .get(DNS_ORIGIN)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        const text = bodyText(opts.body);
        const req: Seen = {
          method: opts.method,
          url: new URL(opts.path, DNS_ORIGIN),
          headers: headerRecord(opts.headers),
          ...(text ? { body: JSON.parse(text) as unknown } : {}),
        };
        seen.push(req);
        const i = script.findIndex((e) => e.when(req));
        if (i < 0) unscripted.push(`${opts.method} ${opts.path}`);
        const reply =
          i >= 0 ? script.splice(i, 1)[0]!.reply : googleError(500, "backendError", "INTERNAL", "unscripted");
        return {
          statusCode: reply.status,
          data: reply.body === undefined ? "" : JSON.stringify(reply.body),
          responseOptions: { headers: { "content-type": "application/json" } },
        };
      })
      .persist();
  });

  beforeEach(async () => {
    script = [];
    dns = new Dns(await driverWith());
  });

  afterEach(async () => {
    await dns.close();
  });

  afterAll(async () => {
    await agent.close();
    await rm(dir, { recursive: true, force: true });
    expect(unscripted).toEqual([]);
    // Every DNS request carried the replayed token, and every exchange was a valid signed JWT grant.
    expect(seen.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(tokenRequests.length).toBeGreaterThan(0);
    for (const t of tokenRequests) {
      expect(t.grantType).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
      expect(t.claims).toMatchObject({ iss: EMAIL, scope: CLOUD_DNS_SCOPE, aud: `${TOKEN_ORIGIN}/token` });
    }
    // Every fixture of the folder was replayed by some test.
    expect([...replayed].sort()).toEqual(
      [
        "get_zone_does_not_exists.json",
        "managed_zones_1.json",
        "no_record.json",
        "record.json",
        "record_changes.json",
        "records_list.json",
        "zone.json",
        "zone_create.json",
        "zone_list.json",
      ].sort(),
    );
  });

  it("lists zones (zone_list.json) after a replayed token exchange, with a bare managedZones.list", async () => {
    const start = seen.length;
    onFixture(is("GET", "/managedZones"), "zone_list.json");
    const zones = [];
    for await (const z of dns.listZones()) zones.push(z);
    expect(zones).toEqual([
      {
        name: "example.com.",
        id: "example-com",
        provider: "google",
        nameservers: [1, 2, 3, 4].map((n) => `ns-cloud-e${n}.googledomains.com.`),
      },
      {
        name: "example.net.",
        id: "example-net",
        provider: "google",
        nameservers: [1, 2, 3, 4].map((n) => `ns-cloud-d${n}.googledomains.com.`),
      },
    ]);
    const [list] = dnsSince(start);
    expect(list?.method).toBe("GET");
    expect(list?.url.pathname).toBe(`${BASE}/managedZones`);
    expect(queryOf(list!)).toEqual({});
  });

  it("follows nextPageToken across two pages of zones and of record sets (page 2 written here)", async () => {
    const start = seen.length;
    on(is("GET", "/managedZones", { pageToken: null }), {
      status: 200,
      body: { ...fixture("zone_list.json"), nextPageToken: "zones-page-2" },
    });
    // Written here: the second page, holding the zone of zone_create.json.
    on(is("GET", "/managedZones", { pageToken: "zones-page-2" }), {
      status: 200,
      body: { kind: "dns#managedZonesListResponse", managedZones: [fixture("zone_create.json")] },
    });
    const names = [];
    for await (const z of dns.listZones()) names.push(z.name);
    expect(names).toEqual(["example.com.", "example.net.", "example.org."]);

    lookup();
    on(is("GET", "/managedZones/example-com/rrsets", { pageToken: null }), {
      status: 200,
      body: { ...fixture("records_list.json"), nextPageToken: "rrsets-page-2" },
    });
    // Written here: a second page with the types whose rrdatas have structure.
    on(is("GET", "/managedZones/example-com/rrsets", { pageToken: "rrsets-page-2" }), {
      status: 200,
      body: {
        kind: "dns#resourceRecordSetsListResponse",
        rrsets: [
          {
            name: "example.com.",
            type: "MX",
            ttl: 300,
            rrdatas: ["10 mx1.example.com.", "20 mx2.example.com."],
          },
          { name: "example.com.", type: "TXT", ttl: 300, rrdatas: ['"v=spf1 -all"', '"one" "two"'] },
          { name: "example.com.", type: "CAA", ttl: 300, rrdatas: ['0 issue "letsencrypt.org"'] },
          { name: "_sip._tcp.example.com.", type: "SRV", ttl: 300, rrdatas: ["1 2 5060 sip.example.com."] },
          { name: "example.com.", type: "ALIAS", ttl: 300, rrdatas: ["lb.example.net."] },
          // Left out: a type the model lacks, and a set with a routing policy instead of rrdatas.
          { name: "example.com.", type: "HTTPS", ttl: 300, rrdatas: ['1 . alpn="h2"'] },
          { name: "geo.example.com.", type: "A", ttl: 300, routingPolicy: { geo: { items: [] } } },
        ],
      },
    });
    const ids = [];
    for await (const r of dns.listRecords("example.com")) ids.push(r.id);
    expect(ids).toEqual([
      ...[1, 2, 3, 4].map((n) => `example.com. NS ns-cloud-d${n}.googledomains.com.`),
      "example.com. SOA ns-cloud-d1.googledomains.com. dns-admin.google.com. 0 21600 3600 1209600 300",
      "foo.example.com. A 1.2.3.4",
      "example.com. MX 10 mx1.example.com.",
      "example.com. MX 20 mx2.example.com.",
      'example.com. TXT "v=spf1 -all"',
      'example.com. TXT "one" "two"',
      'example.com. CAA 0 issue "letsencrypt.org"',
      "_sip._tcp.example.com. SRV 1 2 5060 sip.example.com.",
      "example.com. ALIAS lb.example.net.",
    ]);
    const pages = dnsSince(start).filter((r) => r.url.pathname.endsWith("/rrsets"));
    expect(pages.map(queryOf)).toEqual([{}, { pageToken: "rrsets-page-2" }]);
  });

  it("gets a zone by DNS name (managed_zones_1.json lookup, then zone.json)", async () => {
    const start = seen.length;
    lookup();
    onFixture(is("GET", "/managedZones/example-com"), "zone.json");
    expect(await dns.getZone("example.com")).toEqual({
      name: "example.com.",
      id: "example-com",
      provider: "google",
      nameservers: [1, 2, 3, 4].map((n) => `ns-cloud-e${n}.googledomains.com.`),
    });
    const [find, get] = dnsSince(start);
    expect(find?.method).toBe("GET");
    expect(queryOf(find!)).toEqual({ dnsName: "example.com." });
    expect(get?.url.pathname).toBe(`${BASE}/managedZones/example-com`);
  });

  it("a zone Cloud DNS does not have is NotFound (get_zone_does_not_exists.json), and so is an unknown name", async () => {
    const known = new Dns(await driverWith({ managedZones: { "example.com": "example-com" } }));
    onFixture(is("GET", "/managedZones/example-com"), "get_zone_does_not_exists.json", 404);
    const err = (await known.getZone("example.com").catch((e: unknown) => e)) as NotFoundError;
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe("notFound");
    expect(err.message).toContain("'parameters.managedZone' resource named 'example-com' does not exist");
    await known.close();

    on(is("GET", "/managedZones", { dnsName: "nowhere.example." }), { status: 200, body: {} });
    await expect(dns.getZone("nowhere.example")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("reads records_list.json as typed sets, no_record.json as none, and refuses record.json's bad data", async () => {
    lookup();
    onFixture(is("GET", "/managedZones/example-com/rrsets"), "records_list.json");
    const sets = [];
    for await (const s of dns.listRecordSets("example.com")) sets.push(s);
    expect(sets.map((s) => [s.name, s.type, s.ttl])).toEqual([
      ["@", "NS", 21600],
      ["@", "SOA", 21600],
      ["foo", "A", 3600],
    ]);
    expect(sets[1]?.values[0]).toEqual({
      mname: "ns-cloud-d1.googledomains.com.",
      rname: "dns-admin.google.com.",
      serial: 0,
      refresh: 21600,
      retry: 3600,
      expire: 1209600,
      minimum: 300,
    });

    const start = seen.length;
    onFixture(
      is("GET", "/managedZones/example-com/rrsets", { name: "foo.example.com.", type: "A" }),
      "no_record.json",
    );
    const none = [];
    for await (const s of dns.listRecordSets("example.com", { name: "foo", type: "A" })) none.push(s);
    expect(none).toEqual([]);
    expect(queryOf(dnsSince(start)[0]!)).toEqual({ name: "foo.example.com.", type: "A" });

    // record.json holds an A set whose rrdatas are host names: the driver says so rather than guess.
    onFixture(is("GET", "/managedZones/example-com/rrsets"), "record.json");
    const bad = await (async () => {
      for await (const _ of dns.listRecordSets("example.com", { name: "foo", type: "A" })) void _;
    })().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ProviderError);
    expect((bad as Error).message).toMatch(/Cloud DNS A record set "foo\.example\.com\." cannot be read/);
  });

  it("filters by type alone on its side, since Cloud DNS takes type only with a name", async () => {
    const start = seen.length;
    lookup();
    onFixture(is("GET", "/managedZones/example-com/rrsets"), "records_list.json");
    const types = [];
    for await (const s of dns.listRecordSets("example.com", { type: "A" })) types.push(s.type);
    expect(types).toEqual(["A"]);
    expect(queryOf(dnsSince(start).at(-1)!)).toEqual({});
  });

  it("creates a zone (zone_create.json) with name, dnsName and description; an existing one is AlreadyExists", async () => {
    const start = seen.length;
    on(is("GET", "/managedZones", { dnsName: "example.org." }), { status: 200, body: { managedZones: [] } });
    onFixture(is("POST", "/managedZones"), "zone_create.json");
    const zone = await dns.createZone("example.org");
    expect(zone).toMatchObject({ name: "example.org.", id: "example-org", provider: "google" });
    const post = dnsSince(start).at(-1)!;
    expect(post.method).toBe("POST");
    expect(post.url.pathname).toBe(`${BASE}/managedZones`);
    expect(post.headers["content-type"]).toBe("application/json");
    expect(post.body).toEqual({
      name: "example-org",
      dnsName: "example.org.",
      description: "Managed by omnicloud",
    });

    const before = seen.length;
    lookup();
    await expect(dns.createZone("example.com")).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(dnsSince(before).every((r) => r.method === "GET")).toBe(true);

    // Written here: Cloud DNS's own answer when the managed-zone name is taken.
    on(is("GET", "/managedZones", { dnsName: "example.net." }), { status: 200, body: {} });
    on(
      is("POST", "/managedZones"),
      googleError(
        409,
        "alreadyExists",
        "ALREADY_EXISTS",
        "The resource 'entity.managedZone' named 'example-net' already exists",
      ),
    );
    await expect(dns.createZone("example.net")).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it("creates a record as one change of additions (record_changes.json answers)", async () => {
    const start = seen.length;
    lookup();
    onFixture(is("GET", "/managedZones/example-com/rrsets", { name: "foo.example.com." }), "no_record.json");
    on(is("GET", "/managedZones/example-com/rrsets", { name: "foo.example.com." }), {
      status: 200,
      body: fixture("no_record.json"),
    });
    onFixture(is("POST", "/managedZones/example-com/changes"), "record_changes.json");
    await dns.createRecord("example.com", {
      name: "foo",
      type: "A",
      ttl: 300,
      data: { address: "127.0.0.1" },
    });
    const post = dnsSince(start).at(-1)!;
    expect(post.url.pathname).toBe(`${BASE}/managedZones/example-com/changes`);
    expect(post.body).toEqual({
      additions: [{ name: "foo.example.com.", type: "A", ttl: 300, rrdatas: ["127.0.0.1"] }],
    });
  });

  it("replaces a set as ONE change: the old set, exactly as listed, deleted and the new one added", async () => {
    const records = fixture("records_list.json") as { rrsets: Record<string, unknown>[] };
    const fooA = records.rrsets.find((r) => r.name === "foo.example.com.")!;
    const atFoo = { kind: "dns#resourceRecordSetsListResponse", rrsets: [fooA] };
    const start = seen.length;
    lookup();
    on(is("GET", "/managedZones/example-com/rrsets", { name: "foo.example.com." }), {
      status: 200,
      body: atFoo,
    });
    on(is("GET", "/managedZones/example-com/rrsets", { name: "foo.example.com." }), {
      status: 200,
      body: atFoo,
    });
    on(is("POST", "/managedZones/example-com/changes"), {
      status: 200,
      body: fixture("record_changes.json"),
    });
    await dns.setRecordSet("example.com", {
      name: "foo",
      type: "A",
      ttl: 300,
      values: [{ address: "127.0.0.1" }, { address: "127.0.0.2" }],
    });
    const posts = dnsSince(start).filter((r) => r.method === "POST");
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toEqual({
      additions: [{ name: "foo.example.com.", type: "A", ttl: 300, rrdatas: ["127.0.0.1", "127.0.0.2"] }],
      deletions: [fooA],
    });

    // The same set again changes nothing, so nothing is sent.
    const again = seen.length;
    on(is("GET", "/managedZones/example-com/rrsets", { name: "foo.example.com." }), {
      status: 200,
      body: atFoo,
    });
    on(is("GET", "/managedZones/example-com/rrsets", { name: "foo.example.com." }), {
      status: 200,
      body: atFoo,
    });
    await dns.setRecordSet("example.com", {
      name: "foo",
      type: "A",
      ttl: 3600,
      values: [{ address: "1.2.3.4" }],
    });
    expect(dnsSince(again).every((r) => r.method === "GET")).toBe(true);

    // A delete is a change of deletions only.
    const del = seen.length;
    on(is("GET", "/managedZones/example-com/rrsets", { name: "foo.example.com." }), {
      status: 200,
      body: atFoo,
    });
    on(is("GET", "/managedZones/example-com/rrsets", { name: "foo.example.com." }), {
      status: 200,
      body: atFoo,
    });
    on(is("POST", "/managedZones/example-com/changes"), {
      status: 200,
      body: fixture("record_changes.json"),
    });
    await dns.deleteRecordSet("example.com", "foo", "A");
    expect(dnsSince(del).at(-1)!.body).toEqual({ deletions: [fooA] });
  });

  it("writes rrdatas in presentation form per type, and ALIAS only at the apex (refused before any request)", async () => {
    const empty = { status: 200, body: fixture("no_record.json") };
    const start = seen.length;
    lookup();
    // The plan reads the zone, then the driver reads each name it changes (example.com., txt., naptr.).
    for (let i = 0; i < 4; i++) on(is("GET", "/managedZones/example-com/rrsets"), empty);
    on(is("POST", "/managedZones/example-com/changes"), {
      status: 200,
      body: fixture("record_changes.json"),
    });
    await dns.applyZone({
      name: "example.com",
      records: [
        { name: "@", type: "ALIAS", ttl: 300, data: { target: "lb.example.net." } },
        { name: "@", type: "MX", ttl: 300, data: { preference: 10, exchange: "mx.example.com." } },
        { name: "txt", type: "TXT", ttl: 300, data: { text: ['say "hi"', "two"] } },
        { name: "@", type: "CAA", ttl: 300, data: { flags: 0, tag: "issue", value: "letsencrypt.org" } },
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
      ],
      // The apex NS and SOA stay: the zone read is empty here, so prune has nothing to remove.
    });
    const posts = dnsSince(start).filter((r) => r.method === "POST");
    expect(posts).toHaveLength(1);
    const additions = (posts[0]!.body as { additions: { type: string; rrdatas: string[] }[] }).additions;
    expect(Object.fromEntries(additions.map((a) => [a.type, a.rrdatas]))).toEqual({
      ALIAS: ["lb.example.net."],
      MX: ["10 mx.example.com."],
      TXT: ['"say \\"hi\\"" "two"'],
      CAA: ['0 issue "letsencrypt.org"'],
      NAPTR: ['100 10 "U" "E2U+sip" "!^.*$!sip:a@b!" .'],
    });

    const before = seen.length;
    lookup();
    on(is("GET", "/managedZones/example-com/rrsets"), empty);
    const err = await dns
      .createRecord("example.com", {
        name: "www",
        type: "ALIAS",
        ttl: 300,
        data: { target: "lb.example.net." },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/zone apex/);
    expect(dnsSince(before).every((r) => r.method === "GET")).toBe(true);
    script = [];
  });

  it("polls changes.get until the change is done when asked (the done answer written here)", async () => {
    const waiting = new Dns(await driverWith({ waitForChanges: { intervalMs: 0, timeoutMs: 60_000 } }));
    const start = seen.length;
    lookup();
    on(is("GET", "/managedZones/example-com/rrsets"), { status: 200, body: fixture("no_record.json") });
    on(is("GET", "/managedZones/example-com/rrsets"), { status: 200, body: fixture("no_record.json") });
    on(is("POST", "/managedZones/example-com/changes"), {
      status: 200,
      body: fixture("record_changes.json"),
    });
    on(is("GET", "/managedZones/example-com/changes/37"), {
      status: 200,
      body: fixture("record_changes.json"),
    });
    on(is("GET", "/managedZones/example-com/changes/37"), {
      status: 200,
      body: { ...fixture("record_changes.json"), status: "done" },
    });
    await waiting.createRecord("example.com", {
      name: "foo",
      type: "A",
      ttl: 300,
      data: { address: "127.0.0.1" },
    });
    const polls = dnsSince(start).filter((r) => r.url.pathname.endsWith("/changes/37"));
    expect(polls.map((r) => r.method)).toEqual(["GET", "GET"]);
    await waiting.close();
  });

  it("deletes a zone: one change removes all but the apex SOA and NS, then managedZones.delete", async () => {
    const start = seen.length;
    lookup();
    onFixture(is("GET", "/managedZones/example-com/rrsets"), "records_list.json");
    on(is("POST", "/managedZones/example-com/changes"), {
      status: 200,
      body: fixture("record_changes.json"),
    });
    on(is("DELETE", "/managedZones/example-com"), { status: 204 });
    await dns.deleteZone("example.com");
    const reqs = dnsSince(start);
    const records = fixture("records_list.json") as { rrsets: Record<string, unknown>[] };
    expect(reqs.find((r) => r.method === "POST")!.body).toEqual({
      deletions: [records.rrsets.find((r) => r.type === "A")],
    });
    expect(reqs.at(-1)).toMatchObject({ method: "DELETE" });
    expect(reqs.at(-1)!.url.pathname).toBe(`${BASE}/managedZones/example-com`);
  });

  it("maps Google's error reasons to typed errors (errors written here)", async () => {
    const cases: [Reply, new (...args: never[]) => Error][] = [
      [googleError(429, "rateLimitExceeded", "RESOURCE_EXHAUSTED", "Rate Limit Exceeded"), RateLimitError],
      [googleError(403, "quotaExceeded", "RESOURCE_EXHAUSTED", "Quota exceeded"), RateLimitError],
      [googleError(403, "forbidden", "PERMISSION_DENIED", "Forbidden"), PermissionError],
      [
        googleError(400, "invalid", "INVALID_ARGUMENT", "Invalid value for 'entity.change'"),
        InvalidInputError,
      ],
      [googleError(401, "authError", "UNAUTHENTICATED", "Invalid Credentials"), AuthError],
    ];
    for (const [reply, kind] of cases) {
      on(is("GET", "/managedZones"), reply);
      const err = await (async () => {
        for await (const _ of dns.listZones()) void _;
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(kind);
    }
  });

  it("opens through the registry as gcp-dns, with the key file and its project_id", async () => {
    const opened = await openDns<GoogleDnsDriver>("gcp-dns", {
      keyFile,
      transport: { dispatcher: agent, retry: false },
    });
    expect(opened.provider).toBe("google");
    expect(opened.driver.project).toBe(PROJECT);
    onFixture(is("GET", "/managedZones"), "zone_list.json");
    const names = [];
    for await (const z of opened.listZones()) names.push(z.name);
    expect(names).toEqual(["example.com.", "example.net."]);
    await opened.close();
  });
});
