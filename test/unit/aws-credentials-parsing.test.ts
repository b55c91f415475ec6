import { describe, expect, it } from "vitest";
import { AuthError, InvalidInputError } from "../../src/core/errors.js";
import { environmentCredentials } from "../../src/providers/aws/credentials/env.js";
import { parseIni } from "../../src/providers/aws/credentials/ini.js";
import { credentialsFromJson } from "../../src/providers/aws/credentials/json-credentials.js";
import { splitCommandLine } from "../../src/providers/aws/credentials/process.js";

const NOW = Date.parse("2024-06-01T12:00:00Z");

describe("shared-file INI parsing", () => {
  it("reads sections, keys (case-insensitive), comments and sub-properties", () => {
    const text = [
      "# comment",
      "; another",
      "[default]",
      "AWS_Access_Key_Id = AKIDDEFAULT",
      "region=eu-west-1 # Ireland",
      "",
      "[profile dev]",
      "s3 =",
      "  max_concurrent_requests = 20",
      "  addressing_style=path",
      "output = json",
      "[default]",
      "extra = yes",
    ].join("\r\n");
    const ini = parseIni(text, "/tmp/config");
    expect(Object.fromEntries(ini.get("default") ?? [])).toEqual({
      aws_access_key_id: "AKIDDEFAULT",
      region: "eu-west-1",
      extra: "yes",
    });
    expect(Object.fromEntries(ini.get("profile dev") ?? [])).toEqual({
      s3: "",
      "s3.max_concurrent_requests": "20",
      "s3.addressing_style": "path",
      output: "json",
    });
  });

  it("keeps '#' inside a value that has no whitespace before it", () => {
    const ini = parseIni("[a]\nk = x#y ; z", "f");
    expect(ini.get("a")?.get("k")).toBe("x#y");
  });

  it("names the file and line of a malformed line, never its content", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETLINE";
    for (const [text, line] of [
      [`[default]\naws_access_key_id = A\n${secret}\n`, 3],
      [`aws_secret_access_key = ${secret}\n`, 1],
      [`[default\naws_secret_access_key = ${secret}`, 1],
      ["[ ]", 1],
    ] as const) {
      let error: unknown;
      try {
        parseIni(text, "/home/ann/.aws/credentials");
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InvalidInputError);
      const message = (error as Error).message;
      expect(message).toContain(`/home/ann/.aws/credentials line ${line}`);
      expect(message).not.toContain(secret);
    }
  });
});

describe("credential_process command lines", () => {
  it("splits words like a POSIX shell, without expanding anything", () => {
    expect(splitCommandLine("tool --profile dev")).toEqual(["tool", "--profile", "dev"]);
    expect(splitCommandLine(`"/opt/my tools/get creds" 'a b' c\\ d "x\\"y" '$HOME' $(rm)`)).toEqual([
      "/opt/my tools/get creds",
      "a b",
      "c d",
      'x"y',
      "$HOME",
      "$(rm)",
    ]);
    expect(splitCommandLine(`a "" ''`)).toEqual(["a", "", ""]);
    expect(splitCommandLine("  ")).toEqual([]);
  });

  it("refuses unterminated quotes and a trailing backslash", () => {
    expect(splitCommandLine(`tool "open`)).toBeUndefined();
    expect(splitCommandLine("tool 'open")).toBeUndefined();
    expect(splitCommandLine("tool \\")).toBeUndefined();
  });
});

describe("environment credentials", () => {
  it("reads the key pair and session token", () => {
    const c = environmentCredentials(
      {
        AWS_ACCESS_KEY_ID: "AKIDENV",
        AWS_SECRET_ACCESS_KEY: "env-secret-key",
        AWS_SESSION_TOKEN: "env-session",
      },
      NOW,
    );
    expect(c).toMatchObject({
      accessKeyId: "AKIDENV",
      secretAccessKey: "env-secret-key",
      sessionToken: "env-session",
    });
    expect(environmentCredentials({}, NOW)).toBeUndefined();
  });

  it("names the missing variable when only one half is set", () => {
    expect(() => environmentCredentials({ AWS_ACCESS_KEY_ID: "AKID" }, NOW)).toThrow(
      /sets AWS_ACCESS_KEY_ID but not AWS_SECRET_ACCESS_KEY/,
    );
    expect(() => environmentCredentials({ AWS_SECRET_ACCESS_KEY: "only-the-secret" }, NOW)).toThrow(
      /sets AWS_SECRET_ACCESS_KEY but not AWS_ACCESS_KEY_ID/,
    );
  });

  it("refuses credentials past AWS_CREDENTIAL_EXPIRATION", () => {
    const env = {
      AWS_ACCESS_KEY_ID: "AKID",
      AWS_SECRET_ACCESS_KEY: "expired-secret",
      AWS_CREDENTIAL_EXPIRATION: "2024-06-01T11:00:00Z",
    };
    expect(() => environmentCredentials(env, NOW)).toThrow(AuthError);
  });
});

describe("JSON credential documents", () => {
  const where = "the test source";
  it("reads the fields and the expiry", () => {
    const c = credentialsFromJson(
      {
        AccessKeyId: "ASIA1",
        SecretAccessKey: "s3cr3t-value",
        Token: "tok-value",
        Expiration: "2024-06-01T13:00:00Z",
      },
      { tokenField: "Token", where, now: NOW },
    );
    expect(c.sessionToken).toBe("tok-value");
    expect(c.expiration?.toISOString()).toBe("2024-06-01T13:00:00.000Z");
    expect(c.source).toBe(where);
  });

  it("raises AuthError for missing fields, a bad date and expired credentials, naming the source", () => {
    const bad: unknown[] = [
      null,
      [1],
      { SecretAccessKey: "s3cr3t-value" },
      { AccessKeyId: "A", SecretAccessKey: "s3cr3t-value", Expiration: "soon" },
      { AccessKeyId: "A", SecretAccessKey: "s3cr3t-value", Expiration: 5 },
      { AccessKeyId: "A", SecretAccessKey: "s3cr3t-value", Expiration: "2024-06-01T11:59:59Z" },
    ];
    for (const doc of bad) {
      let error: unknown;
      try {
        credentialsFromJson(doc, { tokenField: "Token", where, now: NOW });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toContain(where);
      expect((error as Error).message).not.toContain("s3cr3t-value");
    }
  });
});
