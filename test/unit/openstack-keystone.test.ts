/**
 * Keystone pieces without Keystone: the auth request bodies, reading a token answer, Keystone's error
 * document, the auth URL rules, the 401 layer, and the provider's refresh timing and 401 bookkeeping against
 * a scripted server on 127.0.0.1. The real-server proof is test/conformance/openstack-keystone.test.ts.
 */
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, ProviderError } from "../../src/core/errors.js";
import { REDACTED, redactText } from "../../src/core/redact.js";
import { prepareBody } from "../../src/core/transport/body.js";
import { Transport } from "../../src/core/transport/transport.js";
import type { Attempt, RawResponse } from "../../src/core/transport/types.js";
import {
  authRequestBody,
  describeIdentity,
  describeScope,
  type KeystoneAuth,
} from "../../src/providers/openstack/auth-request.js";
import { keystoneErrorParser } from "../../src/providers/openstack/errors.js";
import { identityV3Url, KeystoneTokenProvider } from "../../src/providers/openstack/keystone.js";
import { reauthenticateOn401 } from "../../src/providers/openstack/reauth.js";
import { parseTokenResponse } from "../../src/providers/openstack/token-response.js";
import { startServer, type TestServer } from "../support/http-server.js";

const byName: KeystoneAuth = {
  method: "password",
  user: { name: "ann", domain: { name: "Default" } },
  password: "pw-ann-123456",
};

describe("authRequestBody", () => {
  it("builds password auth by user name and domain, scoped to a project by name", () => {
    expect(authRequestBody(byName, { project: { name: "web", domain: { id: "default" } } })).toEqual({
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "ann", domain: { name: "Default" }, password: "pw-ann-123456" } },
        },
        scope: { project: { name: "web", domain: { id: "default" } } },
      },
    });
  });

  it("builds user-id auth, domain, system and no scope", () => {
    const byId: KeystoneAuth = { method: "password", user: { id: "u1" }, password: "pw-123456" };
    const identity = {
      methods: ["password"],
      password: { user: { id: "u1", password: "pw-123456" } },
    };
    expect(authRequestBody(byId)).toEqual({ auth: { identity } });
    expect(authRequestBody(byId, { domain: { name: "Default" } })).toEqual({
      auth: { identity, scope: { domain: { name: "Default" } } },
    });
    expect(authRequestBody(byId, { system: "all" })).toEqual({
      auth: { identity, scope: { system: { all: true } } },
    });
    expect(authRequestBody(byId, { project: { id: "p1" } })).toEqual({
      auth: { identity, scope: { project: { id: "p1" } } },
    });
  });

  it("builds application-credential auth by id and by name with its user", () => {
    expect(authRequestBody({ method: "application_credential", id: "ac1", secret: "sec-123456" })).toEqual({
      auth: {
        identity: {
          methods: ["application_credential"],
          application_credential: { id: "ac1", secret: "sec-123456" },
        },
      },
    });
    expect(
      authRequestBody({
        method: "application_credential",
        name: "ci",
        user: { name: "ann", domain: { id: "default" } },
        secret: "sec-123456",
      }),
    ).toEqual({
      auth: {
        identity: {
          methods: ["application_credential"],
          application_credential: {
            name: "ci",
            user: { name: "ann", domain: { id: "default" } },
            secret: "sec-123456",
          },
        },
      },
    });
  });

  it("refuses what Keystone would refuse with a vague 401", () => {
    const bad: Array<() => unknown> = [
      () => authRequestBody({ ...byName, password: "" }),
      () => authRequestBody({ method: "password", user: { name: "ann" }, password: "x" } as never),
      () => authRequestBody(byName, { project: { name: "web" } } as never),
      () => authRequestBody({ method: "application_credential", id: "a", secret: "" }),
      () => authRequestBody({ method: "application_credential", secret: "s" } as never),
      () => authRequestBody({ method: "application_credential", id: "a", secret: "s" }, { system: "all" }),
      () => authRequestBody({ method: "token" } as never),
    ];
    for (const call of bad) expect(call).toThrow(InvalidInputError);
  });

  it("describes identities and scopes without secrets", () => {
    expect(describeIdentity(byName)).toBe('user "ann" (domain "Default")');
    expect(describeIdentity({ method: "application_credential", id: "ac1", secret: "s" })).toBe(
      "application credential ac1",
    );
    expect(describeScope({ project: { name: "web", domain: { id: "default" } } })).toBe(
      'project "web" (domain id default)',
    );
    expect(describeScope(undefined)).toBe("unscoped");
  });
});

describe("parseTokenResponse", () => {
  const body = {
    token: {
      methods: ["password"],
      user: { id: "u1", name: "ann", domain: { id: "default", name: "Default" } },
      project: { id: "p1", name: "web", domain: { id: "default", name: "Default" } },
      roles: [{ id: "r1", name: "member" }, { junk: true }],
      issued_at: "2030-01-01T10:00:00.000000Z",
      expires_at: "2030-01-01T11:00:00.000000Z",
      catalog: [{ type: "identity", endpoints: [{ interface: "public", url: "https://id/v3" }] }],
    },
  };

  it("reads the token from the header and the rest from the body", () => {
    const got = parseTokenResponse({ "x-subject-token": "gAAAA-token-one" }, body, 0, "https://id/v3");
    expect(got.value.token).toBe("gAAAA-token-one");
    expect(got.value.user).toEqual({ id: "u1", name: "ann", domain: { id: "default", name: "Default" } });
    expect(got.value.project?.name).toBe("web");
    expect(got.value.roles).toEqual([{ id: "r1", name: "member" }]);
    expect(got.value.system).toBe(false);
    expect(got.value.catalog[0]!.type).toBe("identity");
    expect(got.value.expiresAt.toISOString()).toBe("2030-01-01T11:00:00.000Z");
    // The token is registered: scrubbed wherever it shows up.
    expect(redactText("echo gAAAA-token-one")).toBe(`echo ${REDACTED}`);
  });

  it("counts the lifetime from when we asked, immune to the server's clock", () => {
    // Our clock says 1970; the server says 2030. The token still lives one hour from our request.
    const got = parseTokenResponse({ "x-subject-token": "gAAAA-token-two" }, body, 5_000, "https://id/v3");
    expect(got.expiresAt?.getTime()).toBe(5_000 + 3_600_000);
  });

  it("refuses an answer without the header, the token object or a valid expiry", () => {
    expect(() => parseTokenResponse({}, body, 0, "u")).toThrow(ProviderError);
    expect(() => parseTokenResponse({ "x-subject-token": "t-123456" }, {}, 0, "u")).toThrow(/token/);
    const noExpiry = { token: { ...body.token, expires_at: "soon" } };
    expect(() => parseTokenResponse({ "x-subject-token": "t-123456" }, noExpiry, 0, "u")).toThrow(
      /expires_at/,
    );
  });
});

describe("keystoneErrorParser", () => {
  const parse = (status: number, doc: unknown) =>
    keystoneErrorParser({ status, headers: {}, body: Buffer.from(JSON.stringify(doc)) });

  it("takes the title as code and the first line of the message", () => {
    expect(
      parse(400, { error: { code: 400, title: "Bad Request", message: "'name' is required\n\nschema…" } }),
    ).toEqual({ code: "Bad Request", message: "'name' is required", kind: undefined });
  });

  it("maps 409 Conflict to AlreadyExists", () => {
    expect(parse(409, { error: { code: 409, title: "Conflict", message: "Duplicate entry" } })?.kind).toBe(
      "AlreadyExists",
    );
  });

  it("leaves other documents to the default parser", () => {
    expect(parse(500, { message: "x" })).toBeUndefined();
    expect(keystoneErrorParser({ status: 502, headers: {}, body: Buffer.from("<html>") })).toBeUndefined();
  });
});

describe("identityV3Url", () => {
  it("appends /v3 unless present and drops query and trailing slashes", () => {
    expect(identityV3Url("https://k.example:5000")).toBe("https://k.example:5000/v3");
    expect(identityV3Url("https://k.example:5000/identity/")).toBe("https://k.example:5000/identity/v3");
    expect(identityV3Url("https://k.example/v3/?x=1")).toBe("https://k.example/v3");
  });

  it("refuses v2.0, other schemes and non-URLs", () => {
    expect(() => identityV3Url("https://k.example:5000/v2.0")).toThrow(/v2/);
    expect(() => identityV3Url("ftp://k.example")).toThrow(InvalidInputError);
    expect(() => identityV3Url("k.example:5000")).toThrow(InvalidInputError);
  });
});

describe("reauthenticateOn401", () => {
  const attemptWith = async (body?: string | Readable): Promise<Attempt> => ({
    method: "POST",
    url: new URL("https://svc.example/v1/things"),
    headers: {},
    body: await prepareBody(body, undefined),
    signal: new AbortController().signal,
    attempt: 1,
    idempotent: false,
    mode: "buffer",
    operation: undefined,
  });
  const answer = (status: number): RawResponse => ({ status, headers: {}, body: Buffer.from("{}") });

  it("invalidates and repeats once on a 401, even a POST", async () => {
    const statuses = [401, 201];
    let invalidated = 0;
    const handler = reauthenticateOn401({ invalidate: () => invalidated++ })(async () =>
      answer(statuses.shift()!),
    );
    expect((await handler(await attemptWith('{"a":1}'))).status).toBe(201);
    expect(invalidated).toBe(1);
  });

  it("repeats only once when the new token is refused too", async () => {
    let sent = 0;
    const handler = reauthenticateOn401({ invalidate: () => {} })(async () => {
      sent++;
      return answer(401);
    });
    expect((await handler(await attemptWith())).status).toBe(401);
    expect(sent).toBe(2);
  });

  it("does not repeat a one-shot body, but still drops the token and says why", async () => {
    let sent = 0;
    let invalidated = 0;
    const handler = reauthenticateOn401({ invalidate: () => invalidated++ })(async () => {
      sent++;
      return answer(401);
    });
    const res = await handler(await attemptWith(Readable.from([Buffer.from("x")])));
    expect(res.status).toBe(401);
    expect(res.notRetried).toMatch(/one-shot/);
    expect(sent).toBe(1);
    expect(invalidated).toBe(1);
  });

  it("passes other statuses through untouched", async () => {
    let invalidated = 0;
    const handler = reauthenticateOn401({ invalidate: () => invalidated++ })(async () => answer(403));
    expect((await handler(await attemptWith())).status).toBe(403);
    expect(invalidated).toBe(0);
  });
});

describe("KeystoneTokenProvider against a scripted server", () => {
  let server: TestServer;
  let issued = 0;
  let lifetimeSeconds = 3600;
  let serviceRejects = new Set<string>();

  beforeAll(async () => {
    server = await startServer(({ req, res }) => {
      res.setHeader("content-type", "application/json");
      if (req.method === "POST" && req.url === "/v3/auth/tokens") {
        issued++;
        const now = Date.now();
        res.statusCode = 201;
        res.setHeader("x-subject-token", `gAAAA-scripted-${issued}-${"q".repeat(12)}`);
        res.end(
          JSON.stringify({
            token: {
              methods: ["password"],
              user: { id: "u1", name: "ann", domain: { id: "default", name: "Default" } },
              issued_at: new Date(now).toISOString(),
              expires_at: new Date(now + lifetimeSeconds * 1000).toISOString(),
              catalog: [],
            },
          }),
        );
        return;
      }
      const token = String(req.headers["x-auth-token"]);
      if (serviceRejects.has(token)) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: { code: 401, title: "Unauthorized", message: "no" } }));
        return;
      }
      res.end(JSON.stringify({ ok: token }));
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("refreshes at half the lifetime when tokens live shorter than twice the lead", async () => {
    lifetimeSeconds = 120; // shorter than 2 × the default 5-minute lead
    let clock = Date.now();
    const p = new KeystoneTokenProvider({ authUrl: server.url, auth: byName, now: () => clock });
    const before = issued;
    await p.token();
    clock += 50_000; // 50 s into a 120 s token: still good
    await p.token();
    expect(issued).toBe(before + 1);
    clock += 20_000; // 70 s: past half-life, refresh
    await p.token();
    expect(issued).toBe(before + 2);
    await p.close();
    lifetimeSeconds = 3600;
  });

  it("fetches one new token for a burst of 401s on the same revoked token", async () => {
    const p = new KeystoneTokenProvider({ authUrl: `${server.url}/v3/`, auth: byName });
    const api = new Transport({ provider: "openstack", ...p.transportOptions() });
    const first = (await p.token()).token;
    serviceRejects = new Set([first]);
    const before = issued;
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => api.sendJson({ method: "GET", url: `${server.url}/svc` })),
    );
    expect(issued).toBe(before + 1);
    const renewed = (await p.token()).token;
    for (const a of answers) expect(a.body).toEqual({ ok: renewed });
    serviceRejects = new Set();
    await api.close();
    await p.close();
  });
});
