import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { redactText } from "../../src/core/redact.js";
import {
  GOOGLE_TOKEN_URI,
  loadServiceAccountKey,
  parseServiceAccountKey,
} from "../../src/providers/google/service-account.js";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const KEY_LINES = PEM.split("\n").filter((l) => l && !l.startsWith("-----"));

const VALID = {
  type: "service_account",
  project_id: "omni-test",
  private_key_id: "abc123",
  private_key: PEM,
  client_email: "robot@omni-test.iam.gserviceaccount.com",
  token_uri: "https://oauth2.googleapis.com/token",
};

/** The error `parse` throws, after checking it never carries key material. */
function parseError(text: string, source = "/keys/robot.json"): InvalidInputError {
  try {
    parseServiceAccountKey(text, source);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    const e = err as InvalidInputError;
    const printed = [e.message, JSON.stringify(e.toJSON()), e.stack ?? "", String(e.cause ?? "")].join("\n");
    for (const line of KEY_LINES) expect(printed).not.toContain(line);
    expect(e.message).toContain(source);
    return e;
  }
  throw new Error("expected parseServiceAccountKey to throw");
}

describe("service-account key files", () => {
  it("reads every field, the key as a KeyObject", () => {
    const key = parseServiceAccountKey(JSON.stringify(VALID), "/keys/robot.json");
    expect(key).toMatchObject({
      type: "service_account",
      clientEmail: VALID.client_email,
      privateKeyId: "abc123",
      tokenUri: VALID.token_uri,
      projectId: "omni-test",
      source: "/keys/robot.json",
    });
    expect(key.privateKey.asymmetricKeyType).toBe("rsa");
    // Printing the parsed key never shows the PEM.
    expect(JSON.stringify(key)).not.toContain(KEY_LINES[1]!);
  });

  it("defaults token_uri and leaves optional fields undefined", () => {
    const { token_uri: _t, private_key_id: _k, project_id: _p, ...rest } = VALID;
    const key = parseServiceAccountKey(JSON.stringify(rest), "k.json");
    expect(key.tokenUri).toBe(GOOGLE_TOKEN_URI);
    expect(key.privateKeyId).toBeUndefined();
    expect(key.projectId).toBeUndefined();
  });

  it("registers the private key as a secret", () => {
    parseServiceAccountKey(JSON.stringify(VALID), "k.json");
    expect(redactText(`oops ${PEM} oops`)).not.toContain(KEY_LINES[2]!);
  });

  it.each([
    ["type", "type"],
    ["client_email", "client_email"],
    ["private_key", "private_key"],
  ])("names a missing %s", (field) => {
    const doc: Record<string, unknown> = { ...VALID };
    delete doc[field];
    expect(parseError(JSON.stringify(doc)).message).toContain(`missing field "${field}"`);
  });

  it("names fields of the wrong type or shape", () => {
    expect(parseError(JSON.stringify({ ...VALID, type: "authorized_user" })).message).toContain('"type"');
    expect(parseError(JSON.stringify({ ...VALID, client_email: 42 })).message).toContain('"client_email"');
    expect(parseError(JSON.stringify({ ...VALID, client_email: "robot" })).message).toContain("e-mail");
    expect(parseError(JSON.stringify({ ...VALID, token_uri: "ftp://x" })).message).toContain('"token_uri"');
  });

  it("refuses a private_key that is not a PEM RSA key, without printing it", () => {
    const mangled = PEM.replace(KEY_LINES[3]!, "!!!!");
    expect(parseError(JSON.stringify({ ...VALID, private_key: mangled })).message).toContain('"private_key"');
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    expect(parseError(JSON.stringify({ ...VALID, private_key: ec })).message).toContain("RSA");
  });

  it("refuses broken JSON without quoting it (the quote could be key material)", () => {
    const broken = JSON.stringify(VALID).replace(`"client_email"`, `client_email`);
    const e = parseError(broken);
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.cause).toBeUndefined();
    expect(parseError("[1,2]").message).toContain("JSON object");
  });

  describe("from disk", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "omnicloud-sa-"));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("loads a file and names it in errors", async () => {
      const good = join(dir, "good.json");
      await writeFile(good, JSON.stringify(VALID));
      expect((await loadServiceAccountKey(good)).source).toBe(good);

      const bad = join(dir, "bad.json");
      await writeFile(bad, JSON.stringify({ ...VALID, client_email: undefined }));
      await expect(loadServiceAccountKey(bad)).rejects.toThrow(`${bad}: missing field "client_email"`);

      const missing = join(dir, "absent.json");
      const err = await loadServiceAccountKey(missing).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).message).toContain(missing);
      expect((err as InvalidInputError).code).toBe("ENOENT");
    });
  });
});
