/**
 * No secret read by the AWS credential chain may appear in a log line (the Transport's `logger`) or in an
 * error (message, stack, JSON, cause chain), whatever goes wrong: malformed files, half key pairs, unknown
 * profiles, failing credential_process programs, rejected tokens, expired credentials, and AWS errors that
 * echo the request back.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OmnicloudError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { awsCredentialChain } from "../../src/providers/aws/credentials/chain.js";
import { SigV4Signer } from "../../src/providers/aws/signer.js";
import { startServer, type TestServer } from "../support/http-server.js";

const S = {
  fileSecret: "redact-file-secret-wJalrXUtnFEMIK7MDENG01",
  fileToken: "redact-file-session-token-IQoJb3JpZ2luX2VjE02",
  looseLine: "redact-loose-line-secret-bPxRfiCYEXAMPLE03",
  envSecret: "redact-env-secret-key-bPxRfiCYEXAMPLEKEY04",
  processSecret: "redact-process-secret-key-K7MDENGbPxRfi05",
  processToken: "redact-process-token-FwoGZXIvYXdzEJr06",
  containerToken: "redact-container-auth-token-abcdef07",
  containerSecret: "redact-container-secret-key-K7MDENG08",
  containerSession: "redact-container-session-token-Fwo09",
  imdsToken: "redact-imds-session-token-AQAEAExample10",
  imdsSecret: "redact-imds-secret-access-key-wJalr11",
  imdsSession: "redact-imds-role-session-token-IQoJ12",
};
const SECRETS = Object.values(S);

const texts: string[] = [];
const logger = (line: string): void => {
  texts.push(line);
};

/** Everything an error shows: message, stack, JSON, provider fields, the whole cause chain. */
function record(err: unknown): void {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (current instanceof Error) {
      texts.push(current.message, current.stack ?? "", String(current));
      if (current instanceof OmnicloudError) {
        texts.push(
          JSON.stringify(current.toJSON()),
          current.bodyExcerpt ?? "",
          current.request ?? "",
          current.hint ?? "",
        );
      }
    } else texts.push(String(current));
    current = (current as { cause?: unknown }).cause;
  }
}

async function expectFailure(promise: Promise<unknown>): Promise<void> {
  const outcome = await promise.then(
    () => "resolved",
    (e: unknown) => e,
  );
  expect(outcome).not.toBe("resolved");
  record(outcome);
}

describe("AWS credential flows never print a secret", () => {
  const root = mkdtempSync(join(tmpdir(), "omnicloud-aws-redact-"));
  let server: TestServer;
  let n = 0;

  beforeAll(async () => {
    server = await startServer(({ req, res }) => {
      // Instance metadata under "/reject" refuses every token, echoing it back.
      const rejecting = (req.url ?? "").startsWith("/reject/");
      const url = rejecting ? (req.url ?? "").slice("/reject".length) : (req.url ?? "");
      if (url === "/latest/api/token") {
        res.end(S.imdsToken);
        return;
      }
      if (url.startsWith("/latest/meta-data/iam/security-credentials/")) {
        if (req.headers["x-aws-ec2-metadata-token"] !== S.imdsToken || rejecting) {
          res.statusCode = 401;
          res.end(`token ${String(req.headers["x-aws-ec2-metadata-token"])} rejected`);
          return;
        }
        if (url.endsWith("/")) {
          res.end("role");
          return;
        }
        res.end(
          JSON.stringify({
            Code: "Success",
            AccessKeyId: "ASIAREDACT",
            SecretAccessKey: S.imdsSecret,
            Token: S.imdsSession,
            Expiration: "2000-01-01T00:00:00Z", // expired: an error that must not quote what it read
          }),
        );
        return;
      }
      if (url === "/container") {
        // Rejects, echoing the token it was given, as a careless endpoint might.
        res.statusCode = 403;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ message: `token ${String(req.headers.authorization)} is not valid` }));
        return;
      }
      if (url === "/container-ok") {
        res.end(
          JSON.stringify({
            AccessKeyId: "ASIACONTAINER",
            SecretAccessKey: S.containerSecret,
            Token: S.containerSession,
            Expiration: new Date(Date.now() + 3_600_000).toISOString(),
          }),
        );
        return;
      }
      // An "S3" that refuses everything and quotes the request's secrets back.
      res.statusCode = 403;
      res.setHeader("content-type", "application/xml");
      res.end(
        `<Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message>` +
          `<Token>${String(req.headers["x-amz-security-token"])}</Token>` +
          `<Echo>token=${String(req.headers["x-amz-security-token"])}</Echo></Error>`,
      );
    });
  });
  afterAll(async () => {
    await server.close();
    const leaked = SECRETS.filter((s) => texts.some((t) => t.includes(s)));
    expect(leaked).toEqual([]);
  });

  function env(extra: Record<string, string> = {}): { env: NodeJS.ProcessEnv; dir: string } {
    const dir = join(root, `c${++n}`);
    mkdirSync(dir);
    return {
      dir,
      env: {
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
        AWS_CONFIG_FILE: join(dir, "config"),
        AWS_EC2_METADATA_DISABLED: "true",
        ...extra,
      },
    };
  }

  it("bad shared files", async () => {
    const malformed = env();
    writeFileSync(
      malformed.env.AWS_SHARED_CREDENTIALS_FILE ?? "",
      `[default]\naws_secret_access_key = ${S.fileSecret}\n${S.looseLine}\n`,
    );
    await expectFailure(awsCredentialChain({ env: malformed.env, homeDir: malformed.dir, logger }).get());

    const half = env();
    writeFileSync(
      half.env.AWS_SHARED_CREDENTIALS_FILE ?? "",
      `[default]\naws_secret_access_key = ${S.fileSecret}\naws_session_token = ${S.fileToken}\n`,
    );
    await expectFailure(awsCredentialChain({ env: half.env, homeDir: half.dir, logger }).get());

    const unknown = env({ AWS_PROFILE: "nope" });
    writeFileSync(
      unknown.env.AWS_SHARED_CREDENTIALS_FILE ?? "",
      `[default]\naws_access_key_id = AKID\naws_secret_access_key = ${S.fileSecret}\n`,
    );
    await expectFailure(awsCredentialChain({ env: unknown.env, homeDir: unknown.dir, logger }).get());
  });

  it("half a key pair in the environment", async () => {
    const e = env({ AWS_SECRET_ACCESS_KEY: S.envSecret, AWS_SESSION_TOKEN: S.fileToken });
    await expectFailure(awsCredentialChain({ env: e.env, homeDir: e.dir, logger }).get());
  });

  it("credential_process programs that print secrets and then fail", async () => {
    const tool = join(root, "tool.mjs");
    writeFileSync(
      tool,
      `const doc = { AccessKeyId: "ASIAPROC", SecretAccessKey: ${JSON.stringify(S.processSecret)}, SessionToken: ${JSON.stringify(S.processToken)} };
const mode = process.argv[2];
if (mode === "v2") process.stdout.write(JSON.stringify({ ...doc, Version: 2 }));
else if (mode === "nojson") process.stdout.write("creds: " + JSON.stringify(doc).slice(0, -3));
else if (mode === "expired") process.stdout.write(JSON.stringify({ ...doc, Version: 1, Expiration: "2001-01-01T00:00:00Z" }));
else { process.stderr.write("SecretAccessKey=" + doc.SecretAccessKey + "\\n"); process.exit(2); }
`,
    );
    for (const mode of ["v2", "nojson", "expired", "stderr"]) {
      const e = env();
      writeFileSync(
        e.env.AWS_CONFIG_FILE ?? "",
        `[default]\ncredential_process = "${process.execPath}" "${tool}" ${mode} --password ${S.looseLine}\n`,
      );
      await expectFailure(awsCredentialChain({ env: e.env, homeDir: e.dir, logger }).get());
    }
  });

  it("a container endpoint that rejects the token and echoes it", async () => {
    const e = env({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/container`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: S.containerToken,
    });
    await expectFailure(awsCredentialChain({ env: e.env, homeDir: e.dir, logger }).get());
  });

  it("instance metadata returning expired credentials, and rejecting the token", async () => {
    const e = env({ AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: server.url });
    await expectFailure(awsCredentialChain({ env: e.env, homeDir: e.dir, logger }).get());
    const r = env({
      AWS_EC2_METADATA_DISABLED: "false",
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `${server.url}/reject`,
    });
    await expectFailure(awsCredentialChain({ env: r.env, homeDir: r.dir, logger }).get());
    expect(texts.some((t) => t.includes("rejected its own fresh session token"))).toBe(true);
  });

  it("signed requests whose error bodies quote the session token", async () => {
    const e = env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/container-ok` });
    const credentials = awsCredentialChain({ env: e.env, homeDir: e.dir, logger });
    const signer = new SigV4Signer({ service: "s3", region: "eu-west-1", credentials });
    const t = new Transport({ provider: "s3", authorize: signer.authorize, logger, retry: false });
    try {
      await expectFailure(t.send({ method: "GET", url: `${server.url}/bucket/key` }));
      const presigned = await signer.presign({ url: `${server.url}/bucket/key`, expiresIn: 60 });
      const plain = new Transport({ provider: "s3", logger, retry: false });
      await expectFailure(plain.send({ method: "GET", url: presigned }));
      await plain.close();
    } finally {
      await t.close();
    }
    // The flows above did produce log lines and errors to look at.
    expect(texts.some((t) => t.includes("omnicloud aws-container-credentials GET"))).toBe(true);
    expect(texts.some((t) => t.includes("omnicloud aws-imds PUT"))).toBe(true);
    expect(texts.some((t) => t.includes("omnicloud s3 GET"))).toBe(true);
  });
});
