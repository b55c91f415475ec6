/**
 * Container credentials (ECS / EKS Pod Identity protocol) against a local server: RELATIVE_URI against an
 * overridden host, FULL_URI, the authorization token from the environment or a file (re-read on each
 * load), refresh before expiry, and the errors for a rejected token and a disallowed address.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError, InvalidInputError } from "../../src/core/errors.js";
import { awsCredentialChain } from "../../src/providers/aws/credentials/chain.js";
import { startServer, type TestServer } from "../support/http-server.js";

const BASE_TIME = Date.parse("2024-06-01T12:00:00Z");
const RELATIVE = "/v2/credentials/2b1c6a3e-example";
const GOOD_TOKENS = new Set(["container-auth-token-ONE-abcdef", "container-auth-token-TWO-abcdef"]);

describe("AWS credentials from the container endpoint", () => {
  const clock = { now: BASE_TIME };
  let server: TestServer;
  let dir: string;
  let served = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "omnicloud-aws-ecs-"));
    server = await startServer(({ req, res }) => {
      const auth = req.headers.authorization;
      if (req.url !== RELATIVE && req.url !== "/full/creds") {
        res.statusCode = 404;
        res.end();
        return;
      }
      if (req.url === "/full/creds" && (auth === undefined || !GOOD_TOKENS.has(auth))) {
        res.statusCode = 401;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ code: "AccessDenied", message: "bad token" }));
        return;
      }
      served++;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          AccessKeyId: `ASIACONTAINER${served}`,
          SecretAccessKey: `container-secret-key-${served}-K7MDENG`,
          Token: `container-session-token-${served}-FwoGZXIv`,
          Expiration: new Date(clock.now + 15 * 60_000).toISOString(),
          RoleArn: "arn:aws:iam::123456789012:role/task",
        }),
      );
    });
  });
  afterAll(async () => {
    await server.close();
  });

  function env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
      AWS_CONFIG_FILE: join(dir, "config"),
      AWS_EC2_METADATA_DISABLED: "true",
      ...extra,
    };
  }

  it("reads RELATIVE_URI against the container host and refreshes before expiry", async () => {
    server.requests.length = 0;
    clock.now = BASE_TIME;
    const chain = awsCredentialChain({
      env: env({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: RELATIVE }),
      containerHost: server.url,
      homeDir: dir,
      now: () => clock.now,
    });
    const first = await chain.get();
    expect(first.accessKeyId).toMatch(/^ASIACONTAINER\d+$/);
    expect(first.sessionToken).toMatch(/^container-session-token-/);
    expect(first.source).toContain("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    expect(server.requests.map((r) => r.url)).toEqual([RELATIVE]);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();

    clock.now += 5 * 60_000;
    expect((await chain.get()).accessKeyId).toBe(first.accessKeyId);
    expect(server.requests).toHaveLength(1);

    clock.now = BASE_TIME + 11 * 60_000; // within 5 minutes of the 15-minute expiry
    const second = await chain.get();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(server.requests).toHaveLength(2);
  });

  it("reads FULL_URI with the token from AWS_CONTAINER_AUTHORIZATION_TOKEN", async () => {
    server.requests.length = 0;
    const chain = awsCredentialChain({
      env: env({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/full/creds`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "container-auth-token-ONE-abcdef",
      }),
      homeDir: dir,
      now: () => clock.now,
    });
    await chain.get();
    expect(server.requests[0]?.headers.authorization).toBe("container-auth-token-ONE-abcdef");
  });

  it("re-reads AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE on every load (EKS rotates it)", async () => {
    server.requests.length = 0;
    const tokenFile = join(dir, "eks-token");
    writeFileSync(tokenFile, "container-auth-token-ONE-abcdef\n");
    const chain = awsCredentialChain({
      env: env({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/full/creds`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "ignored-when-a-file-is-set",
      }),
      homeDir: dir,
      now: () => clock.now,
    });
    await chain.get();
    writeFileSync(tokenFile, "container-auth-token-TWO-abcdef");
    chain.invalidate?.();
    await chain.get();
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      "container-auth-token-ONE-abcdef",
      "container-auth-token-TWO-abcdef",
    ]);
  });

  it("raises AuthError naming the endpoint and the token's variable, not the token", async () => {
    const chain = awsCredentialChain({
      env: env({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/full/creds`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "wrong-container-token-zzz",
      }),
      homeDir: dir,
      now: () => clock.now,
    });
    const error = (await chain.get().catch((e: unknown) => e)) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain(`${server.url}/full/creds`);
    expect(error.message).toContain("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    expect(error.message).toContain("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    expect(error.message).not.toContain("wrong-container-token-zzz");
    expect(error.status).toBe(401);
  });

  it("refuses FULL_URI over plain http to anything but loopback or the agents, before any request", async () => {
    for (const full of ["http://metadata.example.com/creds", "http://10.0.0.5/creds", "ftp://127.0.0.1/x"]) {
      const chain = awsCredentialChain({
        env: env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: full }),
        homeDir: dir,
        now: () => clock.now,
      });
      await expect(chain.get()).rejects.toThrow(InvalidInputError);
    }
  });
});
