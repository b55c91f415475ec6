/**
 * The PowerDNS driver against undici's MockAgent: the requests it sends (paths, X-API-Key, PATCH bodies)
 * and how PowerDNS's JSON and plain-text error answers become typed errors. The real server is exercised
 * by the conformance suite; this pins down the wire details.
 */
import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  AuthError,
  InvalidInputError,
  NotFoundError,
  ProviderError,
} from "../../src/core/errors.js";
import { Dns } from "../../src/dns/dns.js";
import { PowerDnsDriver } from "../../src/providers/powerdns/dns.js";

const ORIGIN = "http://pdns.test:8081";
const BASE = "/api/v1/servers/localhost";

let agent: MockAgent;
let dns: Dns<PowerDnsDriver>;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  dns = new Dns(
    new PowerDnsDriver({
      url: `${ORIGIN}/`,
      apiKey: "secret-key",
      transport: { dispatcher: agent, retry: false },
    }),
  );
});
afterEach(async () => {
  await agent.close();
});

const zoneBody = {
  id: "example.com.",
  name: "example.com.",
  serial: 2024010101,
  rrsets: [
    {
      name: "example.com.",
      type: "SOA",
      ttl: 3600,
      records: [
        {
          content: "ns1.example.com. hostmaster.example.com. 2024010101 10800 3600 604800 3600",
          disabled: false,
        },
      ],
    },
    {
      name: "example.com.",
      type: "NS",
      ttl: 3600,
      records: [{ content: "ns1.example.com.", disabled: false }],
    },
    {
      name: "example.com.",
      type: "DNSKEY",
      ttl: 3600,
      records: [{ content: "257 3 13 AAAA", disabled: false }],
    },
    {
      name: "WWW.example.com.",
      type: "A",
      ttl: 300,
      records: [
        { content: "192.0.2.1", disabled: false },
        { content: "192.0.2.9", disabled: true },
      ],
    },
    {
      name: "txt.example.com.",
      type: "TXT",
      ttl: 60,
      records: [{ content: '"a \\"b\\"" "b\\195\\188cher"', disabled: false }],
    },
  ],
};

describe("powerdns driver requests", () => {
  it("reads a zone's sets: names lower-cased, disabled records and unmodelled types left out", async () => {
    agent
      .get(ORIGIN)
      .intercept({
        path: `${BASE}/zones/example.com.`,
        method: "GET",
        headers: { "x-api-key": "secret-key" },
      })
      .reply(200, zoneBody, { headers: { "content-type": "application/json" } });
    const sets = [];
    for await (const s of dns.listRecordSets("example.com")) sets.push([s.name, s.type, s.ttl, s.values]);
    expect(sets).toEqual([
      [
        "@",
        "SOA",
        3600,
        [
          {
            mname: "ns1.example.com.",
            rname: "hostmaster.example.com.",
            serial: 2024010101,
            refresh: 10800,
            retry: 3600,
            expire: 604800,
            minimum: 3600,
          },
        ],
      ],
      ["@", "NS", 3600, [{ target: "ns1.example.com." }]],
      ["www", "A", 300, [{ address: "192.0.2.1" }]],
      ["txt", "TXT", 60, [{ text: ['a "b"', "bücher"] }]],
    ]);
  });

  it("sends one PATCH with REPLACE and DELETE, names absolute, content in presentation form", async () => {
    let sent: unknown;
    agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith(`${BASE}/zones/example.com.`), method: "GET" })
      .reply(200, zoneBody, { headers: { "content-type": "application/json" } });
    agent
      .get(ORIGIN)
      .intercept({
        path: `${BASE}/zones/example.com.`,
        method: "PATCH",
        body: (body) => {
          sent = JSON.parse(body);
          return true;
        },
      })
      .reply(204, "");
    const plan = await dns.applyZone({
      name: "example.com",
      records: [
        { name: "www", type: "A", ttl: 300, data: { address: "192.0.2.1" } },
        { name: "@", type: "MX", ttl: 300, data: { preference: 10, exchange: "mail" } },
      ],
    });
    expect(plan.summary).toEqual({ create: 1, update: 0, delete: 1 });
    expect(sent).toEqual({
      rrsets: [
        { name: "txt.example.com.", type: "TXT", changetype: "DELETE" },
        {
          name: "example.com.",
          type: "MX",
          ttl: 300,
          changetype: "REPLACE",
          records: [{ content: "10 mail.example.com.", disabled: false }],
        },
      ],
    });
  });
});

describe("powerdns errors", () => {
  const cases: [string, number, string, string | undefined, unknown][] = [
    [
      "a JSON 422 is InvalidInputError with the server's words",
      422,
      JSON.stringify({ error: "RRset www.example.com. IN CNAME: Conflicts with pre-existing RRset" }),
      "application/json",
      InvalidInputError,
    ],
    ["a text 409 is AlreadyExistsError", 409, "Conflict", "text/plain", AlreadyExistsError],
    ["a text 404 is NotFoundError", 404, "Not Found", "text/plain", NotFoundError],
    ["a 401 is AuthError", 401, "Unauthorized", "text/plain", AuthError],
    [
      "a 500 is ProviderError",
      500,
      JSON.stringify({ error: "Backend error" }),
      "application/json",
      ProviderError,
    ],
  ];
  it.each(cases)("%s", async (_label, status, body, type, errorClass) => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${BASE}/zones`, method: "POST" })
      .reply(status, body, type ? { headers: { "content-type": type } } : {});
    const err = await dns.createZone("example.com").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(errorClass as typeof Error);
    expect((err as ProviderError).status).toBe(status);
    expect((err as Error).message).toContain(status === 422 ? "Conflicts with pre-existing RRset" : "");
    expect((err as Error).message).not.toContain("secret-key");
  });

  it("needs an API key", () => {
    const saved = process.env.PDNS_API_KEY;
    delete process.env.PDNS_API_KEY;
    try {
      expect(() => new PowerDnsDriver({ url: ORIGIN })).toThrow(AuthError);
    } finally {
      if (saved !== undefined) process.env.PDNS_API_KEY = saved;
    }
  });

  it("reports content it cannot read as a ProviderError naming the record", async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `${BASE}/zones/example.com.`, method: "GET" })
      .reply(
        200,
        {
          ...zoneBody,
          rrsets: [
            {
              name: "bad.example.com.",
              type: "MX",
              ttl: 1,
              records: [{ content: "ten mail.", disabled: false }],
            },
          ],
        },
        { headers: { "content-type": "application/json" } },
      );
    await expect(async () => {
      for await (const _ of dns.listRecords("example.com")) {
        // drain
      }
    }).rejects.toThrow(/PowerDNS MX record "bad.example.com." cannot be read/);
  });
});
