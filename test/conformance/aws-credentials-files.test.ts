/**
 * The credential chain's local sources on a real filesystem and real subprocesses: explicit options, the
 * environment, the shared files (located through AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE in temp
 * dirs), credential_process, and the region lookup, with the errors for each kind of bad input.
 * Instance metadata is disabled in every environment here, so nothing leaves the machine.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuthError, InvalidInputError, TimeoutError } from "../../src/core/errors.js";
import { awsCredentialChain } from "../../src/providers/aws/credentials/chain.js";
import { resolveAwsRegion } from "../../src/providers/aws/credentials/region.js";

const NOW = Date.parse("2024-06-01T12:00:00Z");
const root = mkdtempSync(join(tmpdir(), "omnicloud-aws-files-"));

// A credential_process program; its first argument picks a behaviour, and each run is counted in a file.
const toolDir = join(root, "my tools");
mkdirSync(toolDir);
const tool = join(toolDir, "print creds.mjs");
writeFileSync(
  tool,
  `import { appendFileSync } from "node:fs";
const [mode, expiration, counter] = process.argv.slice(2);
if (counter) appendFileSync(counter, "x");
const doc = { Version: 1, AccessKeyId: "ASIAPROCESSEXAMPLE", SecretAccessKey: "process-secret-key-K7MDENGbPxRfi", SessionToken: "process-session-token-IQoJb3JpZ2luX2Vj" };
if (expiration && expiration !== "-") doc.Expiration = expiration;
if (mode === "ok") process.stdout.write(JSON.stringify(doc));
else if (mode === "v2") process.stdout.write(JSON.stringify({ ...doc, Version: 2 }));
else if (mode === "garbage") process.stdout.write("AccessKeyId=ASIA SecretAccessKey=process-secret-key-K7MDENGbPxRfi");
else if (mode === "fail") { process.stderr.write("Error: the SSO session has expired\\nrun 'login' again\\n"); process.exit(3); }
else if (mode === "slow") setTimeout(() => {}, 60000);
`,
);
const node = `"${process.execPath}"`;
const toolCommand = (mode: string, expiration = "-", counter = "") =>
  `${node} "${tool}" ${mode} ${expiration}${counter ? ` '${counter}'` : ""}`;

let caseNo = 0;
/** A fresh temp dir with the given shared files, and an environment pointing at them. */
function files(opts: { credentials?: string; config?: string; env?: Record<string, string> } = {}) {
  const dir = join(root, `case-${++caseNo}`);
  mkdirSync(dir);
  const credentialsPath = join(dir, "credentials");
  const configPath = join(dir, "config");
  if (opts.credentials !== undefined) writeFileSync(credentialsPath, opts.credentials);
  if (opts.config !== undefined) writeFileSync(configPath, opts.config);
  const env: NodeJS.ProcessEnv = {
    AWS_SHARED_CREDENTIALS_FILE: credentialsPath,
    AWS_CONFIG_FILE: configPath,
    AWS_EC2_METADATA_DISABLED: "true",
    ...opts.env,
  };
  return { dir, env, credentialsPath, configPath };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const result = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(result instanceof Error)) throw new Error("expected a rejection");
  return result;
}

describe("AWS credential chain: options, environment and shared files", () => {
  it("uses explicit options before anything else, and validates them", async () => {
    const f = files({ env: { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "env-secret-key-1" } });
    const c = await awsCredentialChain({
      env: f.env,
      credentials: { accessKeyId: "AKIDOPT", secretAccessKey: "option-secret-key" },
    }).get();
    expect(c.accessKeyId).toBe("AKIDOPT");
    expect(c.source).toBe("options.credentials");
    const e = await failure(
      awsCredentialChain({ env: f.env, credentials: { accessKeyId: "AKIDOPT", secretAccessKey: "" } }).get(),
    );
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain("options.credentials lacks secretAccessKey");
  });

  it("takes environment keys before the shared files", async () => {
    const f = files({
      credentials: "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret-key\n",
      env: {
        AWS_ACCESS_KEY_ID: "AKIDENV",
        AWS_SECRET_ACCESS_KEY: "env-secret-key-2",
        AWS_SESSION_TOKEN: "env-token-abc",
      },
    });
    const c = await awsCredentialChain({ env: f.env, homeDir: f.dir }).get();
    expect(c).toMatchObject({ accessKeyId: "AKIDENV", sessionToken: "env-token-abc" });
  });

  it("reads the default profile from the credentials file", async () => {
    const f = files({
      credentials:
        "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret-key\naws_session_token = file-token-xyz\n",
    });
    const c = await awsCredentialChain({ env: f.env, homeDir: f.dir }).get();
    expect(c).toMatchObject({
      accessKeyId: "AKIDFILE",
      secretAccessKey: "file-secret-key",
      sessionToken: "file-token-xyz",
    });
    expect(c.source).toBe(`profile "default" in ${f.credentialsPath}`);
  });

  it("selects a profile with AWS_PROFILE, from [profile name] in the config file", async () => {
    const f = files({
      config:
        "[default]\nregion = us-east-1\n[profile dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = dev-secret-key\n",
      env: { AWS_PROFILE: "dev" },
    });
    const c = await awsCredentialChain({ env: f.env, homeDir: f.dir }).get();
    expect(c.accessKeyId).toBe("AKIDDEV");
    expect(c.source).toBe(`profile "dev" in ${f.configPath}`);
  });

  it("lets the credentials file win over the config file for the same profile", async () => {
    const f = files({
      credentials: "[dev]\naws_access_key_id = AKIDCRED\naws_secret_access_key = cred-secret-key\n",
      config: "[profile dev]\naws_access_key_id = AKIDCONF\naws_secret_access_key = conf-secret-key\n",
    });
    const c = await awsCredentialChain({ env: f.env, homeDir: f.dir, profile: "dev" }).get();
    expect(c.accessKeyId).toBe("AKIDCRED");
  });

  it("an explicit profile skips the environment's keys", async () => {
    const f = files({
      credentials: "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = ops-secret-key\n",
      env: { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "env-secret-key-3" },
    });
    expect((await awsCredentialChain({ env: f.env, homeDir: f.dir, profile: "ops" }).get()).accessKeyId).toBe(
      "AKIDOPS",
    );
  });

  it("says every place it looked when nothing is configured", async () => {
    const f = files();
    const e = await failure(awsCredentialChain({ env: f.env, homeDir: f.dir }).get());
    expect(e).toBeInstanceOf(AuthError);
    expect(e.message).toContain("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are unset");
    expect(e.message).toContain(`no profile "default" in ${f.credentialsPath}`);
    expect(e.message).toContain("(absent)");
    expect(e.message).toContain("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are unset");
    expect(e.message).toContain("AWS_EC2_METADATA_DISABLED");
  });
});

describe("AWS credential chain: bad shared files", () => {
  it("a malformed credentials file names the file and line", async () => {
    const f = files({
      credentials: "[default]\naws_access_key_id = AKIDBAD\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYLOOSELINE\n",
    });
    const e = await failure(awsCredentialChain({ env: f.env, homeDir: f.dir }).get());
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain(`${f.credentialsPath} line 3`);
    expect(e.message).not.toContain("LOOSELINE");
  });

  it("a profile with half a key pair names the profile, the file and the missing key", async () => {
    const f = files({ credentials: "[default]\naws_access_key_id = AKIDHALF\n" });
    const e = await failure(awsCredentialChain({ env: f.env, homeDir: f.dir }).get());
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toBe(
      `The AWS profile "default" in ${f.credentialsPath} has aws_access_key_id but no aws_secret_access_key`,
    );
  });

  it("an unknown profile lists the known ones and where it looked", async () => {
    const f = files({
      credentials: "[default]\naws_access_key_id = A\naws_secret_access_key = default-secret-key\n[prod]\n",
      config: "[profile staging]\nregion = eu-west-1\n[sso-session corp]\nsso_region = eu-west-1\n",
      env: { AWS_PROFILE: "dve" },
    });
    const e = await failure(awsCredentialChain({ env: f.env, homeDir: f.dir }).get());
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain('The AWS profile "dve" (from AWS_PROFILE) is not in');
    expect(e.message).toContain(f.credentialsPath);
    expect(e.message).toContain(f.configPath);
    expect(e.message).toContain("Known profiles: default, prod, staging");
  });

  it("an unreadable shared file path is an error naming the variable that set it", async () => {
    const f = files();
    const e = await failure(
      awsCredentialChain({ env: { ...f.env, AWS_CONFIG_FILE: f.dir }, homeDir: f.dir }).get(),
    );
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain(`${f.dir} (set by AWS_CONFIG_FILE)`);
  });

  it("role and SSO profiles are refused rather than skipped", async () => {
    const f = files({
      config: "[profile admin]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n",
    });
    const e = await failure(awsCredentialChain({ env: f.env, homeDir: f.dir, profile: "admin" }).get());
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain("assumes a role (role_arn)");
    expect(e.message).toContain(f.configPath);
  });
});

describe("AWS credential chain: credential_process", () => {
  it("runs the program without a shell and refreshes before the expiry it prints", async () => {
    const counter = join(root, `counter-${++caseNo}`);
    const f = files({
      config: `[profile proc]\ncredential_process = ${toolCommand("ok", "2024-06-01T12:30:00Z", counter)}\n`,
    });
    const clock = { now: NOW };
    const chain = awsCredentialChain({ env: f.env, homeDir: f.dir, profile: "proc", now: () => clock.now });
    const c = await chain.get();
    expect(c).toMatchObject({
      accessKeyId: "ASIAPROCESSEXAMPLE",
      sessionToken: "process-session-token-IQoJb3JpZ2luX2Vj",
    });
    expect(c.expiration?.toISOString()).toBe("2024-06-01T12:30:00.000Z");
    expect(c.source).toContain(`credential_process of profile "proc" in ${f.configPath}`);
    await chain.get();
    expect(readFileSync(counter, "utf8")).toBe("x");
    clock.now = Date.parse("2024-06-01T12:26:00Z");
    await chain.get();
    expect(readFileSync(counter, "utf8")).toBe("xx");
  });

  it("passes shell syntax through as plain arguments", async () => {
    const marker = join(root, "must-not-exist");
    const f = files({
      config: `[default]\ncredential_process = ${node} "${tool}" ok - ; touch ${marker}\n`,
    });
    // ";" "touch" and the path are just extra arguments to the program, which ignores them.
    await awsCredentialChain({ env: f.env, homeDir: f.dir }).get();
    expect(() => readFileSync(marker)).toThrow();
  });

  it("raises typed errors for each way the program can fail", async () => {
    const cases: Array<[string, new (...a: never[]) => Error, RegExp]> = [
      [toolCommand("v2"), AuthError, /printed Version 2; only Version 1/],
      [toolCommand("garbage"), AuthError, /printed something that is not JSON/],
      [toolCommand("fail"), AuthError, /exited with code 3\. It said: run 'login' again/],
      [toolCommand("ok", "2024-06-01T11:00:00Z"), AuthError, /expired at 2024-06-01T11:00:00\.000Z/],
      [
        `"${join(root, "no such program")}" --flag`,
        InvalidInputError,
        /the program ".*no such program" was not found/,
      ],
      [`${node} "unterminated`, InvalidInputError, /not a valid command line/],
    ];
    for (const [command, type, message] of cases) {
      const f = files({ config: `[default]\ncredential_process = ${command}\n` });
      const e = await failure(awsCredentialChain({ env: f.env, homeDir: f.dir, now: () => NOW }).get());
      expect(e, command).toBeInstanceOf(type);
      expect(e.message, command).toMatch(message);
      expect(e.message, command).toContain(`profile "default" in ${f.configPath}`);
    }
  });

  it("stops a program that runs past its time limit", async () => {
    const f = files({ config: `[default]\ncredential_process = ${toolCommand("slow")}\n` });
    const e = await failure(awsCredentialChain({ env: f.env, homeDir: f.dir, processTimeoutMs: 300 }).get());
    expect(e).toBeInstanceOf(TimeoutError);
    expect(e.message).toContain("did not finish within 300 ms");
  });
});

describe("AWS region lookup", () => {
  it("takes options, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile", async () => {
    const f = files({ config: "[default]\nregion = ap-south-1\n[profile dev]\nregion = eu-north-1\n" });
    expect(await resolveAwsRegion({ env: f.env, region: "us-west-2" })).toEqual({
      region: "us-west-2",
      from: "options.region",
    });
    expect(
      (await resolveAwsRegion({ env: { ...f.env, AWS_REGION: "eu-west-3", AWS_DEFAULT_REGION: "x-y-1" } }))
        .from,
    ).toBe("AWS_REGION");
    expect((await resolveAwsRegion({ env: { ...f.env, AWS_DEFAULT_REGION: "eu-west-2" } })).region).toBe(
      "eu-west-2",
    );
    expect(await resolveAwsRegion({ env: f.env, homeDir: f.dir })).toEqual({
      region: "ap-south-1",
      from: `profile "default" in ${f.configPath}`,
    });
    expect((await resolveAwsRegion({ env: { ...f.env, AWS_PROFILE: "dev" }, homeDir: f.dir })).region).toBe(
      "eu-north-1",
    );
  });

  it("says where it looked when no region is set", async () => {
    const f = files({ config: "[default]\noutput = json\n" });
    const e = await failure(resolveAwsRegion({ env: f.env, homeDir: f.dir }));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain(
      `No AWS region given: options.region, AWS_REGION and AWS_DEFAULT_REGION are unset, and profile "default" in ${f.configPath} has no "region" setting. `,
    );
    const none = files();
    const e2 = await failure(resolveAwsRegion({ env: none.env, homeDir: none.dir }));
    expect(e2.message).toContain(`there is no profile "default" in ${none.configPath}`);
  });

  it("refuses a malformed region, naming where it came from", async () => {
    const f = files();
    const e = await failure(resolveAwsRegion({ env: { ...f.env, AWS_REGION: "Europe West" } }));
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.message).toContain('"Europe West" from AWS_REGION');
  });
});
