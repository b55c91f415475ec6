/**
 * The JWT-bearer exchange against a token server on 127.0.0.1 that really verifies the RS256 signature
 * with the public key derived from the test key, checks the claims, and issues short-lived tokens.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject, verify } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AuthError, OmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { oauthErrorParser } from "../../src/providers/google/oauth-error.js";
import { loadServiceAccountKey } from "../../src/providers/google/service-account.js";
import { JWT_BEARER_GRANT, ServiceAccountTokenProvider } from "../../src/providers/google/token.js";
import { startServer, type TestServer } from "../support/http-server.js";

const EMAIL = "robot@omni-test.iam.gserviceaccount.com";
const KEY_ID = "0123456789abcdef0123456789abcdef01234567";
const SCOPE = "https://www.googleapis.com/auth/devstorage.read_write";
/** Tokens live 10 minutes; with the default 5-minute margin they are refreshed after 5. */
const TOKEN_SECONDS = 600;

function keyPair(): { pem: string; publicKey: KeyObject } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { pem, publicKey: createPublicKey(pem) };
}

interface Verified {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

describe("Google service-account tokens", () => {
  const good = keyPair();
  const rogue = keyPair();
  let server: TestServer;
  let dir: string;
  let keyFile: string;
  let rogueFile: string;
  let clockMs = Date.UTC(2024, 4, 1, 12, 0, 0);
  let issued = 0;
  let rejectAll = false;
  const verified: Verified[] = [];
  const issuedTokens: string[] = [];
  const logLines: string[] = [];
  const errors: unknown[] = [];

  const reject = (res: import("node:http").ServerResponse, description: string): void => {
    res.statusCode = 400;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ error: "invalid_grant", error_description: description }));
  };

  beforeAll(async () => {
    server = await startServer(({ req, res, body }) => {
      if (req.method !== "POST" || req.url !== "/token") {
        res.statusCode = 404;
        res.end();
        return;
      }
      expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      const form = new URLSearchParams(body.toString("utf8"));
      if (form.get("grant_type") !== JWT_BEARER_GRANT) return reject(res, "bad grant_type");
      const parts = (form.get("assertion") ?? "").split(".");
      if (parts.length !== 3) return reject(res, "not a JWT");
      const [h, c, s] = parts as [string, string, string];
      // The real check: RS256 over "header.claims" with the public half of the registered key.
      const ok = verify("RSA-SHA256", Buffer.from(`${h}.${c}`), good.publicKey, Buffer.from(s, "base64url"));
      if (!ok || rejectAll) return reject(res, "Invalid JWT Signature.");
      const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>;
      const claims = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as Record<string, unknown>;
      const nowS = Math.floor(clockMs / 1000);
      if (
        header.alg !== "RS256" ||
        header.kid !== KEY_ID ||
        claims.iss !== EMAIL ||
        claims.scope !== SCOPE ||
        claims.aud !== `${server.url}/token` ||
        claims.iat !== nowS ||
        claims.exp !== nowS + 3600
      ) {
        return reject(res, `claims refused: ${JSON.stringify({ header, claims })}`);
      }
      verified.push({ header, claims });
      issued++;
      const token = `ya29.test-token-${issued}-${"x".repeat(24)}`;
      issuedTokens.push(token);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ access_token: token, expires_in: TOKEN_SECONDS, token_type: "Bearer" }));
    });
    dir = await mkdtemp(join(tmpdir(), "omnicloud-google-"));
    const file = (pem: string) =>
      JSON.stringify({
        type: "service_account",
        project_id: "omni-test",
        private_key_id: KEY_ID,
        private_key: pem,
        client_email: EMAIL,
        token_uri: `${server.url}/token`,
      });
    keyFile = join(dir, "good-key.json");
    rogueFile = join(dir, "rogue-key.json");
    await writeFile(keyFile, file(good.pem));
    await writeFile(rogueFile, file(rogue.pem));
  });

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    rejectAll = false;
  });

  const provider = async (file: string) =>
    new ServiceAccountTokenProvider(await loadServiceAccountKey(file), {
      scopes: [SCOPE],
      now: () => clockMs,
      transport: new Transport({
        provider: "google",
        parseError: oauthErrorParser,
        logger: (line) => logLines.push(line),
      }),
    });

  it("exchanges a verified JWT for a token, caches it, and refreshes it before expiry", async () => {
    const p = await provider(keyFile);
    const before = issued;
    const first = await p.token();
    expect(issued).toBe(before + 1);
    expect(first.accessToken).toBe(issuedTokens.at(-1));
    expect(first.expiresAt.getTime()).toBe(clockMs + TOKEN_SECONDS * 1000);
    expect(verified.at(-1)?.header).toEqual({ alg: "RS256", typ: "JWT", kid: KEY_ID });

    clockMs += 4 * 60_000; // 6 minutes left: still outside the 5-minute margin
    expect((await p.token()).accessToken).toBe(first.accessToken);
    expect(issued).toBe(before + 1);

    clockMs += 60_000 + 1_000; // 4:59 left: refreshed although not yet expired
    const second = await p.token();
    expect(issued).toBe(before + 2);
    expect(second.accessToken).not.toBe(first.accessToken);
    // The new assertion carried the new time (the server checked iat against the clock).
    expect(verified.at(-1)?.claims.iat).toBe(Math.floor(clockMs / 1000));
  });

  it("makes one token call for a burst of concurrent callers", async () => {
    const p = await provider(keyFile);
    const before = issued;
    const tokens = await Promise.all(Array.from({ length: 8 }, () => p.token()));
    expect(issued).toBe(before + 1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
  });

  it("authorizes a Transport's requests with the bearer token", async () => {
    const p = await provider(keyFile);
    const api = await startServer(({ req, res }) => {
      res.end(req.headers.authorization ?? "none");
    });
    const t = new Transport({ provider: "google", authorize: p.authorize });
    try {
      const res = await t.send({ method: "GET", url: `${api.url}/storage/v1/b` });
      expect(res.body.toString("utf8")).toBe(`Bearer ${(await p.token()).accessToken}`);
    } finally {
      await t.close();
      await api.close();
    }
  });

  it("a key the server does not know is refused: AuthError naming the key file", async () => {
    const p = await provider(rogueFile);
    const err = await p.token().then(
      () => undefined,
      (e: unknown) => e,
    );
    errors.push(err);
    expect(err).toBeInstanceOf(AuthError);
    const e = err as AuthError;
    expect(e.status).toBe(400);
    expect(e.code).toBe("invalid_grant");
    expect(e.message).toContain(rogueFile);
    expect(e.message).toContain(EMAIL);
  });

  it("a rejected grant (400 invalid_grant) is an AuthError, and the next call tries again", async () => {
    const p = await provider(keyFile);
    rejectAll = true;
    const err = await p.token().catch((e: unknown) => e);
    errors.push(err);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).message).toContain(keyFile);
    rejectAll = false;
    expect((await p.token()).accessToken).toMatch(/^ya29\.test-token-/);
  });

  it("an unreachable token endpoint is a typed error, not a hang", async () => {
    const key = await loadServiceAccountKey(keyFile);
    const closed = await startServer(() => {});
    const url = `${closed.url}/token`;
    await closed.close();
    const p = new ServiceAccountTokenProvider(
      { ...key, tokenUri: url },
      {
        scopes: [SCOPE],
        transport: new Transport({
          provider: "google",
          retry: false,
          parseError: oauthErrorParser,
          logger: (line) => logLines.push(line),
        }),
      },
    );
    const err = await p.token().catch((e: unknown) => e);
    errors.push(err);
    expect(err).toBeInstanceOf(OmnicloudError);
    expect((err as OmnicloudError).kind).toBe("Network");
  });

  it("no private key, assertion or token appears in log lines or errors", () => {
    expect(logLines.length).toBeGreaterThan(3);
    expect(errors.length).toBeGreaterThanOrEqual(3);
    const body = (pem: string) => pem.split("\n").filter((l) => l && !l.startsWith("-----"));
    const secrets = [
      good.pem,
      rogue.pem,
      // Any one line of the keys' base64 is enough to count as a leak.
      ...body(good.pem),
      ...body(rogue.pem),
      ...issuedTokens,
    ];
    const texts = [
      ...logLines,
      ...errors.flatMap((e) => {
        const o = e as OmnicloudError;
        return [
          o.message,
          JSON.stringify(o.toJSON()),
          o.bodyExcerpt ?? "",
          o.stack ?? "",
          String((o.cause as Error | undefined)?.message ?? ""),
        ];
      }),
    ].join("\n");
    expect(secrets.filter((s) => texts.includes(s))).toEqual([]);
    // And the assertions: a JWT is three base64url parts; none may be printed.
    expect(texts).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
