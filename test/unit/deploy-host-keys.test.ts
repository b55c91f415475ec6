import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError, InvalidInputError } from "../../src/core/errors.js";
import { HostKeyError } from "../../src/deploy/errors.js";
import { orderHostKeyAlgorithms, prepareHostKeyCheck } from "../../src/deploy/host-keys.js";
import { type DeployLogEntry, makeLogger } from "../../src/deploy/log.js";
import {
  md5Fingerprint,
  parseFingerprint,
  parsePublicKey,
  sha256Fingerprint,
} from "../../src/deploy/ssh-wire.js";

// A real ed25519 public key and the fingerprints `ssh-keygen -l -E sha256|md5 -f` printed for it.
const ED = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMQm1cfq1eKKTu/e7dl2HRwXgFEMveFP5vIf7gjxKg8k";
const OTHER = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEplsDYqVHbSZAotlObscdMXPi91shi8FYPwapXjt6Hx";
const SHA256_ED = "SHA256:LLzKCgNXglCg7UU32rqmNLsA8kvJGqRscmk3e1hm/Yo";
const MD5_ED = "MD5:cd:7f:cf:c1:90:98:3b:d7:ff:29:7d:99:e0:aa:9b:16";
const RSA_BLOB =
  "AAAAB3NzaC1yc2EAAAADAQABAAABgQCtSvFIJfYW5JUzew+EJBCPYh3+cickn8TCIbrxkwSuEke3EuC9JEGJKVju1nUMB+r3jfMzrSB1y619xiDp67y9YiUJAM0zP69I8hjwpW09zuBefiu99MNGt4KnWbG5Y8KbZp61b7o3RcCK6vbhA6p+2a9w1uBeQgYC/lt6D7j689hxhzHYKD+CP5eqoZKn5eRu4IzwRcwRQYwXKC7vEXkXGmqm9yNiGQ+sWe4gKbazpdgLMOhRmzeOalr2746DAemwFeX9LHOz/+HbI5aupt7sZpxrJtwyhFp0KlQzPyc6ga3w7b8QQaEjQJwVU7LXGGHFTuAeosJHNHFiygzOdMff4ge+mrTBJs1iMo3YQ4lKFvO6JlcK6q8mj39I7ADl+xToM6I/3dP7yG55Hz5lNRKLYmb3DVjUAjiSYyMqD8SQQjt6GnHmFfR5VcjchJgw5szgKJrVg4qk78/FWWpT7w6ZGfr7997gMoXxRCu93+njvJxwq1X7r35HTUHRRsR59zM=";
const blob = (line: string): Buffer => Buffer.from(line.split(" ")[1]!, "base64");

describe("fingerprints", () => {
  it("match ssh-keygen's SHA256 and MD5 forms", () => {
    expect(sha256Fingerprint(blob(ED))).toBe(SHA256_ED);
    expect(md5Fingerprint(blob(ED))).toBe(MD5_ED);
  });

  it("parse with or without padding and prefix case, and old bare MD5", () => {
    const body = SHA256_ED.slice("SHA256:".length);
    expect(parseFingerprint(`sha256:${body}=`).text).toBe(SHA256_ED);
    expect(parseFingerprint(` ${SHA256_ED} `).text).toBe(SHA256_ED);
    expect(parseFingerprint(MD5_ED.slice(4).toUpperCase())).toEqual({ algorithm: "md5", text: MD5_ED });
  });

  it("refuse anything else as invalid input rather than a silent mismatch", () => {
    for (const bad of ["SHA256:tooshort", "aa:bb", "", "SHA1:abc"]) {
      expect(() => parseFingerprint(bad)).toThrow(InvalidInputError);
    }
  });
});

describe("public key lines", () => {
  it("parse with comment and with authorized_keys options in front", () => {
    expect(parsePublicKey(`${ED} me@laptop`)).toMatchObject({
      type: "ssh-ed25519",
      comment: "me@laptop",
      line: ED,
    });
    expect(parsePublicKey(`from="10.0.0.1",no-pty ${ED}`).line).toBe(ED);
  });

  it("refuse a private key without quoting it, and a type that disagrees with the blob", () => {
    const privateText =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
    expect(() => parsePublicKey(privateText)).toThrow(/got a private key/);
    try {
      parsePublicKey(privateText);
    } catch (err) {
      expect((err as Error).message).not.toContain("b3BlbnNz");
    }
    expect(() => parsePublicKey(`ssh-rsa ${ED.split(" ")[1]}`)).toThrow(InvalidInputError);
  });
});

describe("host key policies", () => {
  let dir: string;
  const entries: DeployLogEntry[] = [];
  const log = makeLogger((e) => entries.push(e));
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "omnicloud-hostkeys-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a pinned fingerprint accepts its key and refuses another, naming both", async () => {
    const check = await prepareHostKeyCheck({ fingerprint: SHA256_ED }, "10.0.0.5", 2222, log);
    expect(await check.verify(blob(ED))).toEqual({
      type: "ssh-ed25519",
      fingerprint: SHA256_ED,
      verifiedBy: "fingerprint",
    });
    const err = await check.verify(blob(OTHER)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({
      host: "10.0.0.5",
      port: 2222,
      problem: "mismatch",
      expected: expect.stringContaining(SHA256_ED),
    });
    expect((err as Error).message).toContain(sha256Fingerprint(blob(OTHER)));
    expect((err as HostKeyError).toJSON()).toMatchObject({
      problem: "mismatch",
      offeredFingerprint: sha256Fingerprint(blob(OTHER)),
    });
  });

  it("an MD5 fingerprint works too", async () => {
    const check = await prepareHostKeyCheck({ fingerprint: MD5_ED }, "h", 22, log);
    expect((await check.verify(blob(ED))).verifiedBy).toBe("fingerprint");
  });

  it("provider-published public keys vouch, and are preferred in negotiation", async () => {
    const check = await prepareHostKeyCheck({ publicKey: [`${OTHER} x`, ED] }, "h", 22, log);
    expect((await check.verify(blob(ED))).verifiedBy).toBe("publicKey");
    expect(check.preferredTypes).toEqual(["ssh-ed25519"]);
  });

  it("a missing known_hosts file means unknown, with a hint on what to do", async () => {
    const check = await prepareHostKeyCheck({ knownHostsFile: join(dir, "none") }, "h", 2200, log);
    const err = (await check.verify(blob(ED)).catch((e: unknown) => e)) as HostKeyError;
    expect(err.problem).toBe("unknown");
    expect(err.message).toContain("[h]:2200");
    expect(err.message).toContain("acceptNew");
  });

  it("acceptNew records an unknown host but never a changed one", async () => {
    const file = join(dir, "sub", "known_hosts");
    const first = await prepareHostKeyCheck({ knownHostsFile: file, acceptNew: true }, "h", 2200, log);
    expect((await first.verify(blob(ED))).verifiedBy).toBe("acceptNew");
    expect(await readFile(file, "utf8")).toMatch(/^\|1\|/);
    const second = await prepareHostKeyCheck({ knownHostsFile: file, acceptNew: true }, "h", 2200, log);
    expect((await second.verify(blob(ED))).verifiedBy).toMatch(/^known_hosts /);
    const changed = await second.verify(blob(OTHER)).catch((e: unknown) => e);
    expect(changed).toMatchObject({ problem: "mismatch" });
    expect((await readFile(file, "utf8")).trim().split("\n")).toHaveLength(1);
  });

  it("known_hosts text and files combine; the known types lead negotiation", async () => {
    const file = join(dir, "kh");
    await writeFile(file, `[h]:2200 ${OTHER}\n`);
    const check = await prepareHostKeyCheck(
      { knownHostsFile: file, knownHosts: `[h]:2200 ssh-rsa ${RSA_BLOB}` },
      "h",
      2200,
      log,
    );
    expect(check.preferredTypes).toEqual(["ssh-ed25519", "ssh-rsa"]);
    expect(
      orderHostKeyAlgorithms(check.preferredTypes, [
        "ecdsa-sha2-nistp256",
        "ssh-ed25519",
        "rsa-sha2-512",
        "rsa-sha2-256",
        "ssh-rsa",
      ]),
    ).toEqual(["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ecdsa-sha2-nistp256"]);
  });

  it("insecureAcceptAny accepts anything and warns every time; mixing it with checks is refused", async () => {
    entries.length = 0;
    const check = await prepareHostKeyCheck({ insecureAcceptAny: true }, "h", 22, log);
    await check.verify(blob(ED));
    await check.verify(blob(OTHER));
    expect(entries.filter((e) => e.level === "warn" && e.message.includes("NOT verified"))).toHaveLength(2);
    await expect(
      prepareHostKeyCheck({ insecureAcceptAny: true, acceptNew: true }, "h", 22, log),
    ).rejects.toThrow(InvalidInputError);
    await expect(prepareHostKeyCheck({ keyType: "ssh-rsa" }, "h", 22, log)).rejects.toThrow(
      InvalidInputError,
    );
  });
});
