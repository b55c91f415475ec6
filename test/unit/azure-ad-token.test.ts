/**
 * Entra ID client credentials against a token server on 127.0.0.1: the form it receives, caching, refresh
 * before expiry, one call for a burst, refusals as AuthError, and no secret in logs or errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError, OmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { AzureClientCredentials, azureAdErrorParser } from "../../src/providers/azure/ad-token.js";
import { startServer, type TestServer } from "../support/http-server.js";

const TENANT = "contoso.onmicrosoft.com";
const CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const SECRET = "s3cr~et.Value_With+Form&Chars=Q9z";
const SCOPE = "https://management.azure.com/.default";

describe("Azure AD client credentials", () => {
  let server: TestServer;
  let issued = 0;
  let clockMs = Date.UTC(2024, 4, 1, 12, 0, 0);
  const tokens: string[] = [];
  const logLines: string[] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    server = await startServer(({ req, res, body }) => {
      res.setHeader("content-type", "application/json; charset=utf-8");
      const form = new URLSearchParams(body.toString("utf8"));
      if (req.method !== "POST" || req.url !== `/${TENANT}/oauth2/v2.0/token`) {
        res.statusCode = 404;
        res.end(
          JSON.stringify({ error: "invalid_request", error_description: "AADSTS90002: Tenant not found." }),
        );
        return;
      }
      if (
        form.get("grant_type") !== "client_credentials" ||
        form.get("client_id") !== CLIENT_ID ||
        form.get("scope") !== SCOPE
      ) {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: "invalid_request", error_description: "AADSTS900144: bad form" }));
        return;
      }
      if (form.get("client_secret") !== SECRET) {
        res.statusCode = 401;
        // A careless server quoting the secret it got: the error must still not show it.
        res.end(
          JSON.stringify({
            error: "invalid_client",
            error_description: `AADSTS7000215: Invalid client secret provided: ${form.get("client_secret")}\r\nTrace ID: t\r\nTimestamp: now`,
            error_codes: [7000215],
            trace_id: "trace-1",
            correlation_id: "corr-0001",
          }),
        );
        return;
      }
      issued++;
      const token = `eyJ0eXAi.azure-token-${issued}.${"z".repeat(20)}`;
      tokens.push(token);
      res.end(
        JSON.stringify({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token }),
      );
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  const credentials = (clientSecret = SECRET, tenantId = TENANT) =>
    new AzureClientCredentials({
      tenantId,
      clientId: CLIENT_ID,
      clientSecret,
      authority: server.url,
      now: () => clockMs,
      transport: new Transport({
        provider: "azure",
        parseError: azureAdErrorParser,
        logger: (line) => logLines.push(line),
      }),
    });

  it("posts the client-credentials form and caches the token until 5 minutes before expiry", async () => {
    const c = credentials();
    expect(c.tokenUrl).toBe(`${server.url}/${TENANT}/oauth2/v2.0/token`);
    const before = issued;
    const first = await c.token();
    expect(first.accessToken).toBe(tokens.at(-1));
    expect(first.expiresAt.getTime()).toBe(clockMs + 3_599_000);

    clockMs += 54 * 60_000; // 5:59 left
    expect((await c.token()).accessToken).toBe(first.accessToken);
    expect(issued).toBe(before + 1);

    clockMs += 60_000; // 4:59 left: refreshed before it lapses
    const second = await c.token();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(issued).toBe(before + 2);
  });

  it("makes one call for concurrent callers and authorizes requests", async () => {
    const c = credentials();
    const before = issued;
    const all = await Promise.all(Array.from({ length: 6 }, () => c.token()));
    expect(issued).toBe(before + 1);
    expect(new Set(all.map((t) => t.accessToken)).size).toBe(1);

    const api = await startServer(({ req, res }) => {
      res.end(req.headers.authorization ?? "");
    });
    const t = new Transport({ provider: "azure", authorize: c.authorize });
    try {
      const res = await t.send({ method: "GET", url: `${api.url}/subscriptions` });
      expect(res.body.toString("utf8")).toBe(`Bearer ${all[0]!.accessToken}`);
    } finally {
      await t.close();
      await api.close();
    }
  });

  it("a wrong secret is an AuthError naming the app and tenant, with Entra's correlation id", async () => {
    const err = await credentials("wrong-secret-value-123")
      .token()
      .catch((e: unknown) => e);
    errors.push(err);
    expect(err).toBeInstanceOf(AuthError);
    const e = err as AuthError;
    expect(e.status).toBe(401);
    expect(e.code).toBe("invalid_client");
    expect(e.requestId).toBe("corr-0001");
    expect(e.message).toContain(CLIENT_ID);
    expect(e.message).toContain(TENANT);
  });

  it("an unknown tenant is an AuthError too; bad options are refused before any call", async () => {
    const err = await credentials(SECRET, "other-tenant")
      .token()
      .catch((e: unknown) => e);
    errors.push(err);
    expect(err).toBeInstanceOf(AuthError);
    expect(() => credentials(SECRET, "bad/tenant")).toThrow(OmnicloudError);
    expect(() => credentials("")).toThrow(/clientSecret/);
  });

  it("no client secret or token appears in log lines or errors", () => {
    expect(logLines.length).toBeGreaterThanOrEqual(4);
    const texts = [
      ...logLines,
      ...errors.flatMap((e) => {
        const o = e as OmnicloudError;
        const cause = o.cause as OmnicloudError | undefined;
        return [
          o.message,
          JSON.stringify(o.toJSON()),
          o.stack ?? "",
          cause?.message ?? "",
          cause?.bodyExcerpt ?? "",
          JSON.stringify(cause?.toJSON() ?? {}),
        ];
      }),
    ].join("\n");
    for (const secret of [SECRET, encodeURIComponent(SECRET), "wrong-secret-value-123", ...tokens]) {
      expect(texts).not.toContain(secret);
    }
  });
});
