/**
 * The EC2 instance-metadata flow (IMDSv2) against a local server that speaks the documented protocol:
 * PUT /latest/api/token needs the TTL header; every GET needs a live token (401 otherwise); the role's
 * credentials expire soon, so a later load must fetch the role again. The test's clock drives expiry; the
 * server quotes expiry times on that clock.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError } from "../../src/core/errors.js";
import { awsCredentialChain } from "../../src/providers/aws/credentials/chain.js";
import { startServer, type TestServer } from "../support/http-server.js";

const ROLE = "omnicloud-test-role";
const BASE_TIME = Date.parse("2024-06-01T12:00:00Z");

interface ImdsFake {
  server: TestServer;
  /** Tokens the server issued and still honours. */
  live: Set<string>;
  /** The fake's behaviour, switchable per test. */
  mode: { rejectAll: boolean; noRole: boolean; expired: boolean; lifetimeMs: number };
  credentialFetches: number;
  tokenFetches: number;
  clock: { now: number };
}

async function startImds(clock: { now: number }): Promise<ImdsFake> {
  const fake: Omit<ImdsFake, "server"> = {
    live: new Set(),
    mode: { rejectAll: false, noRole: false, expired: false, lifetimeMs: 10 * 60_000 },
    credentialFetches: 0,
    tokenFetches: 0,
    clock,
  };
  const server = await startServer(({ req, res }) => {
    const url = req.url ?? "";
    if (url === "/latest/api/token") {
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (req.method !== "PUT") {
        res.statusCode = 405;
        res.end();
        return;
      }
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) {
        res.statusCode = 400;
        res.end("missing or invalid x-aws-ec2-metadata-token-ttl-seconds");
        return;
      }
      fake.tokenFetches++;
      const token = `imds-session-token-${fake.tokenFetches}-AQAEAExampleSecret`;
      fake.live.add(token);
      res.setHeader("x-aws-ec2-metadata-token-ttl-seconds", String(ttl));
      res.end(token);
      return;
    }
    const token = String(req.headers["x-aws-ec2-metadata-token"] ?? "");
    if (fake.mode.rejectAll || !fake.live.has(token)) {
      res.statusCode = 401;
      res.end();
      return;
    }
    if (url === "/latest/meta-data/iam/security-credentials/") {
      if (fake.mode.noRole) {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.end(ROLE);
      return;
    }
    if (url === `/latest/meta-data/iam/security-credentials/${ROLE}`) {
      fake.credentialFetches++;
      const n = fake.credentialFetches;
      const expiresAt = fake.mode.expired ? clock.now - 1000 : clock.now + fake.mode.lifetimeMs;
      res.setHeader("content-type", "text/plain");
      res.end(
        JSON.stringify({
          Code: "Success",
          LastUpdated: new Date(clock.now).toISOString(),
          Type: "AWS-HMAC",
          AccessKeyId: `ASIAIMDSEXAMPLE${n}`,
          SecretAccessKey: `imds-secret-access-key-${n}-wJalrXUtnFEMI`,
          Token: `imds-role-session-token-${n}-IQoJb3JpZ2lu`,
          Expiration: new Date(expiresAt).toISOString(),
        }),
      );
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  return Object.assign(fake, { server });
}

describe("AWS credentials from EC2 instance metadata (IMDSv2)", () => {
  const clock = { now: BASE_TIME };
  let imds: ImdsFake;
  let emptyDir: string;

  beforeAll(async () => {
    imds = await startImds(clock);
    emptyDir = mkdtempSync(join(tmpdir(), "omnicloud-aws-imds-"));
  });
  afterAll(async () => {
    await imds.server.close();
  });

  /** An environment with nothing but the local metadata endpoint: no keys, no shared files. */
  function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.server.url,
      AWS_SHARED_CREDENTIALS_FILE: join(emptyDir, "credentials"),
      AWS_CONFIG_FILE: join(emptyDir, "config"),
      ...extra,
    };
  }

  function reset(): void {
    imds.live.clear();
    imds.mode = { rejectAll: false, noRole: false, expired: false, lifetimeMs: 10 * 60_000 };
    imds.server.requests.length = 0;
    clock.now = BASE_TIME;
  }

  it("gets a token, the role and its credentials, then refreshes them before expiry", async () => {
    reset();
    const chain = awsCredentialChain({ env: env(), homeDir: emptyDir, now: () => clock.now });
    const first = await chain.get();
    expect(first.accessKeyId).toBe("ASIAIMDSEXAMPLE1");
    expect(first.sessionToken).toBe("imds-role-session-token-1-IQoJb3JpZ2lu");
    expect(first.expiration?.getTime()).toBe(BASE_TIME + 10 * 60_000);
    expect(imds.server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "PUT /latest/api/token",
      "GET /latest/meta-data/iam/security-credentials/",
      `GET /latest/meta-data/iam/security-credentials/${ROLE}`,
    ]);
    expect(imds.server.requests[0]?.headers["x-aws-ec2-metadata-token-ttl-seconds"]).toBe("21600");
    for (const r of imds.server.requests.slice(1)) {
      expect(r.headers["x-aws-ec2-metadata-token"]).toBe("imds-session-token-1-AQAEAExampleSecret");
    }

    // Well before expiry: served from the cache, no request.
    clock.now += 60_000;
    expect((await chain.get()).accessKeyId).toBe("ASIAIMDSEXAMPLE1");
    expect(imds.server.requests).toHaveLength(3);

    // Inside the 5-minute refresh window: the role is fetched again, with the same session token.
    clock.now = BASE_TIME + 6 * 60_000;
    const second = await chain.get();
    expect(second.accessKeyId).toBe("ASIAIMDSEXAMPLE2");
    expect(imds.server.requests.slice(3).map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /latest/meta-data/iam/security-credentials/",
      `GET /latest/meta-data/iam/security-credentials/${ROLE}`,
    ]);
    expect(imds.tokenFetches).toBe(1);
  });

  it("fetches a new session token when the server stops honouring the old one", async () => {
    reset();
    const chain = awsCredentialChain({ env: env(), homeDir: emptyDir, now: () => clock.now });
    await chain.get();
    imds.live.clear(); // the server forgets (expires) the token
    chain.invalidate?.();
    const again = await chain.get();
    expect(again.accessKeyId).toMatch(/^ASIAIMDSEXAMPLE/);
    const calls = imds.server.requests.slice(3).map((r) => `${r.method} ${r.url}`);
    expect(calls).toEqual([
      "GET /latest/meta-data/iam/security-credentials/",
      "PUT /latest/api/token",
      "GET /latest/meta-data/iam/security-credentials/",
      `GET /latest/meta-data/iam/security-credentials/${ROLE}`,
    ]);
  });

  it("raises AuthError naming the endpoint when every token is rejected", async () => {
    reset();
    imds.mode.rejectAll = true;
    const chain = awsCredentialChain({ env: env(), homeDir: emptyDir, now: () => clock.now });
    const error = await chain.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain(imds.server.url);
    expect((error as Error).message).toContain("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    expect((error as Error).message).toContain("401");
    // Two rounds of token + GET, then it gives up: bounded.
    expect(imds.tokenFetches).toBeGreaterThanOrEqual(2);
    expect(imds.server.requests.length).toBeLessThanOrEqual(8);
  });

  it("raises AuthError for credentials that are already expired", async () => {
    reset();
    imds.mode.expired = true;
    const chain = awsCredentialChain({ env: env(), homeDir: emptyDir, now: () => clock.now });
    await expect(chain.get()).rejects.toThrow(/expired at/);
  });

  it("reports no role as a place looked at, at the end of the chain", async () => {
    reset();
    imds.mode.noRole = true;
    const chain = awsCredentialChain({ env: env(), homeDir: emptyDir, now: () => clock.now });
    const error = await chain.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toMatch(/No AWS credentials found: .*has no instance role attached/);
    expect((error as Error).message).toContain("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are unset");
    expect((error as Error).message).toContain(join(emptyDir, "credentials"));
  });

  it("never contacts instance metadata when AWS_EC2_METADATA_DISABLED is true", async () => {
    reset();
    const chain = awsCredentialChain({
      env: env({ AWS_EC2_METADATA_DISABLED: "TRUE" }),
      homeDir: emptyDir,
      now: () => clock.now,
    });
    await expect(chain.get()).rejects.toThrow(/disabled \(AWS_EC2_METADATA_DISABLED\)/);
    expect(imds.server.requests).toHaveLength(0);
  });

  it("passes over an endpoint where nothing listens", async () => {
    reset();
    const gone = await startServer(() => {});
    const url = gone.url;
    await gone.close();
    const chain = awsCredentialChain({
      env: env({ AWS_EC2_METADATA_SERVICE_ENDPOINT: url }),
      homeDir: emptyDir,
      now: () => clock.now,
    });
    await expect(chain.get()).rejects.toThrow(/No AWS credentials found: .*did not answer/);
  });
});
