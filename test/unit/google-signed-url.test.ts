/**
 * GCS V4 signing rules that do not need the shared vectors (those run in test/replay): limits, encoding,
 * and that the signature verifies with the public key.
 */
import { createHash, createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { redactText } from "../../src/core/redact.js";
import { generateGcsPostPolicyV4 } from "../../src/providers/google/post-policy.js";
import { signGcsUrlV4 } from "../../src/providers/google/signed-url.js";
import { encodePath, encodeRfc3986, goog4DateTime } from "../../src/providers/google/v4-encoding.js";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicKey = createPublicKey(privateKey);
const credentials = { clientEmail: "signer@p.iam.gserviceaccount.com", privateKey };
const NOW = new Date("2024-05-01T12:34:56.789Z");

describe("GCS V4 signed URLs", () => {
  it("signs a string that verifies with the public key, over the canonical request's hash", () => {
    const s = signGcsUrlV4({
      credentials,
      bucket: "b",
      object: "a b/c+d.txt",
      method: "GET",
      expiresInSeconds: 900,
      now: NOW,
    });
    const lines = s.stringToSign.split("\n");
    expect(lines).toEqual([
      "GOOG4-RSA-SHA256",
      "20240501T123456Z",
      "20240501/auto/storage/goog4_request",
      createHash("sha256").update(s.canonicalRequest).digest("hex"),
    ]);
    expect(
      verify("RSA-SHA256", Buffer.from(s.stringToSign), publicKey, Buffer.from(s.signature, "hex")),
    ).toBe(true);
    const url = new URL(s.url);
    expect(url.pathname).toBe("/b/a%20b/c%2Bd.txt");
    expect(url.searchParams.get("X-Goog-Expires")).toBe("900");
    expect(url.searchParams.get("X-Goog-Signature")).toBe(s.signature);
    expect(s.expiresAt.getTime()).toBe(NOW.getTime() + 900_000);
  });

  it("registers the signature, so a printed URL is scrubbed", () => {
    const s = signGcsUrlV4({ credentials, bucket: "b", object: "o", method: "PUT", expiresInSeconds: 60 });
    expect(redactText(`see ${s.signature}`)).not.toContain(s.signature);
  });

  it("refuses lifetimes outside 1 s to 7 days", () => {
    const base = { credentials, bucket: "b", object: "o", method: "GET" as const };
    expect(() => signGcsUrlV4({ ...base, expiresInSeconds: 604_801 })).toThrow(InvalidInputError);
    expect(() => signGcsUrlV4({ ...base, expiresInSeconds: 0 })).toThrow(InvalidInputError);
    expect(() => signGcsUrlV4({ ...base, expiresInSeconds: 1.5 })).toThrow(InvalidInputError);
    expect(() => signGcsUrlV4({ ...base, expiresInSeconds: 604_800 })).not.toThrow();
  });

  it("signs a bucket-bound hostname only when one is given", () => {
    const base = { credentials, bucket: "b", object: "o", method: "GET" as const, expiresInSeconds: 60 };
    expect(() => signGcsUrlV4({ ...base, urlStyle: "bucket-bound" })).toThrow(/bucketBoundHostname/);
    const s = signGcsUrlV4({ ...base, urlStyle: "bucket-bound", bucketBoundHostname: "cdn.example.com" });
    expect(s.url.startsWith("https://cdn.example.com/o?")).toBe(true);
  });

  it("encodes per RFC 3986 with upper-case hex, slashes kept in paths", () => {
    expect(encodeRfc3986("a!'()*~ é/")).toBe("a%21%27%28%29%2A~%20%C3%A9%2F");
    expect(encodePath("x/y z/")).toBe("x/y%20z/");
    expect(goog4DateTime(NOW)).toBe("20240501T123456Z");
  });
});

describe("GCS V4 POST policies", () => {
  it("signs the base64 policy, with fields sorted before the fixed conditions", () => {
    const p = generateGcsPostPolicyV4({
      credentials,
      bucket: "uploads",
      object: "in/é.txt",
      expiresInSeconds: 600,
      now: NOW,
      fields: { "x-goog-meta-b": "2", acl: "private" },
      conditions: [["content-length-range", 0, 1024]],
    });
    expect(p.url).toBe("https://storage.googleapis.com/uploads/");
    const json = Buffer.from(p.fields.policy!, "base64").toString("utf8");
    // Non-ASCII is escaped, so the bytes do not depend on the runtime's JSON writer.
    expect(json).toContain("in/\\u00e9.txt");
    const doc = JSON.parse(json) as { conditions: unknown[]; expiration: string };
    expect(doc.expiration).toBe("2024-05-01T12:44:56Z");
    expect(doc.conditions.slice(0, 4)).toEqual([
      { acl: "private" },
      { "x-goog-meta-b": "2" },
      ["content-length-range", 0, 1024],
      { bucket: "uploads" },
    ]);
    expect(
      verify(
        "RSA-SHA256",
        Buffer.from(p.fields.policy!),
        publicKey,
        Buffer.from(p.fields["x-goog-signature"]!, "hex"),
      ),
    ).toBe(true);
    expect(p.fields.key).toBe("in/é.txt");
  });
});
