import { generateKeyPairSync, type KeyObject, verify } from "node:crypto";
import { inspect } from "node:util";
import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { AuthError, InvalidInputError } from "../../src/core/errors.js";
import { redactText } from "../../src/core/redact.js";
import { parsePrivateKey } from "../../src/deploy/keys.js";
import { readString } from "../../src/deploy/ssh-wire.js";

const PASS = "unit-test-passphrase";

function pair(kind: "rsa" | "ec" | "ed25519"): { privateKey: KeyObject; publicKey: KeyObject } {
  if (kind === "rsa") return generateKeyPairSync("rsa", { modulusLength: 2048 });
  if (kind === "ec") return generateKeyPairSync("ec", { namedCurve: "P-384" });
  return generateKeyPairSync("ed25519");
}

describe("PEM keys converted for ssh2", () => {
  const cases = [
    { kind: "rsa", type: "ssh-rsa", exportAs: "pkcs1" },
    { kind: "rsa", type: "ssh-rsa", exportAs: "pkcs8" },
    { kind: "ec", type: "ecdsa-sha2-nistp384", exportAs: "sec1" },
    { kind: "ec", type: "ecdsa-sha2-nistp384", exportAs: "pkcs8" },
    { kind: "ed25519", type: "ssh-ed25519", exportAs: "pkcs8" },
  ] as const;

  for (const c of cases) {
    for (const encrypted of [false, true]) {
      it(`${c.kind} ${c.exportAs}${encrypted ? " encrypted" : ""}: same public key, and signatures verify`, () => {
        const { privateKey, publicKey } = pair(c.kind);
        const pem = privateKey.export({
          type: c.exportAs,
          format: "pem",
          ...(encrypted ? { cipher: "aes-256-cbc", passphrase: PASS } : {}),
        } as never) as string;
        const key = parsePrivateKey(pem, encrypted ? PASS : undefined);
        expect(key.type).toBe(c.type);
        expect(key.format).toBe("pem");

        // ssh2 reads the converted key back and derives the same public key from it.
        const material = key.forSsh2().privateKey;
        const parsed = ssh2.utils.parseKey(material) as ssh2.ParsedKey;
        expect(parsed).not.toBeInstanceOf(Error);
        expect(`${parsed.type} ${parsed.getPublicSSH().toString("base64")}`).toBe(key.publicKey);

        // A signature made by ssh2 with the converted key verifies with the original public key
        // (ssh2's sign() returns what Node's crypto produced: DER for ECDSA, raw for RSA and Ed25519).
        const data = Buffer.from("omnicloud");
        const sig = parsed.sign(data);
        const blob = Buffer.from(key.publicKey.split(" ")[1]!, "base64");
        expect(readString(blob, 0)!.value.toString()).toBe(c.type);
        const algorithm = c.kind === "ed25519" ? null : c.kind === "ec" ? "sha384" : "sha1";
        expect(verify(algorithm, data, publicKey, sig)).toBe(true);
      });
    }
  }

  it("refuses a wrong passphrase as AuthError and a missing one as InvalidInputError", () => {
    const pem = pair("ec").privateKey.export({
      type: "pkcs8",
      format: "pem",
      cipher: "aes-256-cbc",
      passphrase: PASS,
    });
    expect(() => parsePrivateKey(pem, "not-the-passphrase")).toThrow(AuthError);
    expect(() => parsePrivateKey(pem)).toThrow(InvalidInputError);
  });

  it("names unsupported inputs without quoting them", () => {
    expect(() =>
      parsePrivateKey("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----"),
    ).toThrow(/DSA/);
    expect(() => parsePrivateKey("PuTTY-User-Key-File-3: ssh-ed25519\n")).toThrow(/PuTTY/);
    expect(() => parsePrivateKey("secret-looking garbage")).toThrow(/Not a private key/);
    try {
      parsePrivateKey("secret-looking garbage");
    } catch (err) {
      expect((err as Error).message).not.toContain("garbage");
    }
  });
});

describe("a loaded key never shows its private half", () => {
  it("in JSON, inspection or string form, and its text is registered for redaction", () => {
    const pem = pair("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const key = parsePrivateKey(pem);
    const material = key.forSsh2().privateKey;
    const shown = [JSON.stringify(key), inspect(key), String(key), `${key}`].join("\n");
    expect(shown).toContain(key.fingerprint);
    expect(shown).not.toContain("PRIVATE KEY");
    const body = pem.split("\n")[1]!;
    expect(redactText(`oops ${body}`)).not.toContain(body);
    const converted = material.split("\n")[2]!;
    expect(redactText(`oops ${converted}`)).not.toContain(converted);
  });
});
