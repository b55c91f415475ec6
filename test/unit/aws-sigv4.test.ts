import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import type { Attempt, PreparedBody } from "../../src/core/transport/types.js";
import { SigV4Signer } from "../../src/providers/aws/signer.js";
import { signHeaders, signQuery, UNSIGNED_PAYLOAD } from "../../src/providers/aws/sigv4.js";
import {
  canonicalHeaders,
  canonicalPath,
  canonicalQuery,
  encodeWirePath,
  normalizePath,
  parseQuery,
  uriEncode,
} from "../../src/providers/aws/sigv4-canonical.js";
import { EMPTY_SHA256, sha256Hex, signingKey } from "../../src/providers/aws/sigv4-key.js";

// AWS's documented example credentials (S3 API reference, "Signature Calculations" examples).
const S3_DOC_CREDS = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};
const S3_DOC_TIME = Date.parse("2013-05-24T00:00:00Z");

function fakeAttempt(
  method: Attempt["method"],
  url: string,
  headers: Record<string, string> = {},
  body?: PreparedBody,
): Attempt {
  return {
    method,
    url: new URL(url),
    headers: { "user-agent": "omnicloud/test", ...headers },
    body,
    signal: new AbortController().signal,
    attempt: 1,
    idempotent: true,
    mode: "buffer",
    operation: undefined,
  };
}

function bufferBody(data: string): PreparedBody {
  return { length: Buffer.byteLength(data), replayable: true, open: () => data };
}

function s3Signer(now = S3_DOC_TIME): SigV4Signer {
  return new SigV4Signer({
    service: "s3",
    region: "us-east-1",
    credentials: { get: async () => S3_DOC_CREDS },
    now: () => now,
  });
}

function signatureOf(authorization: string | undefined): string | undefined {
  return authorization?.match(/Signature=([0-9a-f]{64})$/)?.[1];
}

describe("SigV4 canonical forms", () => {
  it("URI-encodes per RFC 3986, including the characters encodeURIComponent leaves", () => {
    expect(uriEncode("a b!'()*~._-")).toBe("a%20b%21%27%28%29%2A~._-");
    expect(uriEncode("ሴ")).toBe("%E1%88%B4");
    expect(uriEncode("a/b")).toBe("a%2Fb");
    expect(uriEncode("a/b", true)).toBe("a/b");
    expect(uriEncode("%2F", true)).toBe("%252F");
  });

  it("rejects a lone surrogate with a typed error", () => {
    expect(() => uriEncode("\uD800")).toThrow(InvalidInputError);
  });

  it("encodes a wire path once, keeping valid escapes (upper-cased) and encoding stray percent signs", () => {
    expect(encodeWirePath("/a%2fb c/$x")).toBe("/a%2Fb%20c/%24x");
    expect(encodeWirePath("/100%zz")).toBe("/100%25zz");
    expect(encodeWirePath("/😀")).toBe("/%F0%9F%98%80");
  });

  it("normalises dot segments and empty segments", () => {
    expect(normalizePath("/a/./b/../c//")).toBe("/a/c/");
    expect(normalizePath("/a/b/..")).toBe("/a/");
    expect(normalizePath("/../..")).toBe("/");
    expect(normalizePath("//")).toBe("/");
  });

  it("double-encodes and normalises for most services, leaves the path alone for S3", () => {
    expect(canonicalPath("/a%20b/../c")).toBe("/c");
    expect(canonicalPath("/a%20b")).toBe("/a%2520b");
    expect(canonicalPath("/a%20b/../c", { normalize: false, doubleEncode: false })).toBe("/a%20b/../c");
    expect(canonicalPath("")).toBe("/");
  });

  it("parses a query: '+' is a space, a bare key has the empty value, a bad escape is kept", () => {
    expect(parseQuery("?a=1&b&c=x+y&d=%zz&&e=%2B")).toEqual([
      ["a", "1"],
      ["b", ""],
      ["c", "x y"],
      ["d", "%zz"],
      ["e", "+"],
    ]);
  });

  it("sorts the canonical query by name then value, after encoding", () => {
    expect(
      canonicalQuery([
        ["b", "2"],
        ["a", "z"],
        ["a", "y"],
        ["Param-3", ""],
        ["Param", "v"],
        ["sp ace", "x y"],
      ]),
    ).toBe("Param=v&Param-3=&a=y&a=z&b=2&sp%20ace=x%20y");
  });

  it("canonicalises headers: lower-case, trimmed, whitespace runs collapsed, repeats joined, some unsigned", () => {
    const ch = canonicalHeaders([
      ["Host", "example.com"],
      ["X-Multi", " a "],
      ["x-multi", "b\t\t c"],
      ["User-Agent", "curl"],
      ["Authorization", "old"],
      ["Content-Type", "text/plain;\r\n  charset=utf-8"],
    ]);
    expect(ch.block).toBe("content-type:text/plain; charset=utf-8\nhost:example.com\nx-multi:a,b c\n");
    expect(ch.signedHeaders).toBe("content-type;host;x-multi");
  });
});

describe("SigV4 signing key", () => {
  it("derives AWS's documented key (secret wJalr..., 20120215, us-east-1, iam)", () => {
    const creds = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
    expect(signingKey(creds, "20120215", "us-east-1", "iam").toString("hex")).toBe(
      "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
    );
  });

  it("caches the key per credentials object and scope", () => {
    const creds = { accessKeyId: "AKID", secretAccessKey: "secret-one" };
    const a = signingKey(creds, "20240101", "eu-west-1", "s3");
    expect(signingKey(creds, "20240101", "eu-west-1", "s3")).toBe(a);
    expect(signingKey(creds, "20240102", "eu-west-1", "s3")).not.toBe(a);
    // Same access key, new secret (rotated): a new object, never the stale key.
    const rotated = { accessKeyId: "AKID", secretAccessKey: "secret-two" };
    expect(signingKey(rotated, "20240101", "eu-west-1", "s3").equals(a)).toBe(false);
  });
});

describe("SigV4 against AWS's documented S3 examples", () => {
  it("GET Object with a Range header", async () => {
    const attempt = fakeAttempt("GET", "https://examplebucket.s3.amazonaws.com/test.txt", {
      range: "bytes=0-9",
    });
    await s3Signer().authorize(attempt);
    expect(attempt.headers["x-amz-content-sha256"]).toBe(EMPTY_SHA256);
    expect(attempt.headers["x-amz-date"]).toBe("20130524T000000Z");
    expect(attempt.headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
    // The user agent went along unsigned.
    expect(attempt.headers["user-agent"]).toBe("omnicloud/test");
  });

  it("PUT Object with a body and a '$' in the key", async () => {
    const attempt = fakeAttempt(
      "PUT",
      "https://examplebucket.s3.amazonaws.com/test$file.text",
      { date: "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY" },
      bufferBody("Welcome to Amazon S3."),
    );
    await s3Signer().authorize(attempt);
    expect(attempt.url.pathname).toBe("/test%24file.text");
    expect(signatureOf(attempt.headers.authorization)).toBe(
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    );
  });

  it("GET Bucket lifecycle (a bare query key) and list objects (sorted query)", async () => {
    const lifecycle = fakeAttempt("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle");
    await s3Signer().authorize(lifecycle);
    expect(signatureOf(lifecycle.headers.authorization)).toBe(
      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    );
    expect(lifecycle.url.search).toBe("?lifecycle=");

    const list = fakeAttempt("GET", "https://examplebucket.s3.amazonaws.com/?prefix=J&max-keys=2");
    await s3Signer().authorize(list);
    expect(signatureOf(list.headers.authorization)).toBe(
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    );
    // What goes on the wire is the canonical query, so the server rebuilds the same string.
    expect(list.url.search).toBe("?max-keys=2&prefix=J");
  });

  it("a presigned GET valid for a day", async () => {
    const url = await s3Signer().presign({
      url: "https://examplebucket.s3.amazonaws.com/test.txt",
      expiresIn: 86400,
    });
    expect(url.href).toBe(
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
        "&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=86400" +
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    );
  });
});

describe("SigV4Signer on transport attempts", () => {
  it("re-signs a retry with a fresh date and no stale headers", async () => {
    let now = S3_DOC_TIME;
    let creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = {
      ...S3_DOC_CREDS,
      sessionToken: "first-session-token",
    };
    const signer = new SigV4Signer({
      service: "s3",
      region: "us-east-1",
      credentials: { get: async () => creds },
      now: () => now,
    });
    const attempt = fakeAttempt("GET", "https://b.s3.amazonaws.com/k");
    await signer.authorize(attempt);
    const first = attempt.headers.authorization;
    expect(attempt.headers["x-amz-security-token"]).toBe("first-session-token");

    now += 61_000;
    creds = { ...S3_DOC_CREDS };
    attempt.headers["content-length"] = "0"; // what the dispatcher adds after the first attempt
    attempt.attempt = 2;
    await signer.authorize(attempt);
    expect(attempt.headers.authorization).not.toBe(first);
    expect(attempt.headers["x-amz-date"]).toBe("20130524T000101Z");
    expect(attempt.headers["x-amz-security-token"]).toBeUndefined();
    expect(attempt.headers.authorization).toContain("SignedHeaders=host;x-amz-content-sha256;x-amz-date,");
  });

  it("leaves a request the caller signed itself alone", async () => {
    const attempt = fakeAttempt("PUT", "https://b.s3.amazonaws.com/k", {
      authorization: "AWS4-HMAC-SHA256 mine",
    });
    await s3Signer().authorize(attempt);
    expect(attempt.headers.authorization).toBe("AWS4-HMAC-SHA256 mine");
    expect(attempt.headers["x-amz-date"]).toBeUndefined();
  });

  it("S3 takes stream bodies unsigned; other services refuse a body they cannot hash", async () => {
    const stream: PreparedBody = {
      length: undefined,
      replayable: false,
      open: () => {
        throw new Error("must not be opened by the signer");
      },
    };
    const s3 = fakeAttempt("PUT", "https://b.s3.amazonaws.com/k", {}, stream);
    await s3Signer().authorize(s3);
    expect(s3.headers["x-amz-content-sha256"]).toBe(UNSIGNED_PAYLOAD);

    const ec2 = new SigV4Signer({
      service: "ec2",
      region: "eu-west-1",
      credentials: { get: async () => S3_DOC_CREDS },
    });
    await expect(
      ec2.authorize(fakeAttempt("POST", "https://ec2.eu-west-1.amazonaws.com/", {}, stream)),
    ).rejects.toThrow(InvalidInputError);
  });

  it("hashes the body for non-S3 services and does not send x-amz-content-sha256", async () => {
    const signer = new SigV4Signer({
      service: "ec2",
      region: "eu-west-1",
      credentials: { get: async () => S3_DOC_CREDS },
      now: () => S3_DOC_TIME,
    });
    const body = "Action=DescribeRegions&Version=2016-11-15";
    const attempt = fakeAttempt(
      "POST",
      "https://ec2.eu-west-1.amazonaws.com/",
      { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      bufferBody(body),
    );
    await signer.authorize(attempt);
    expect(attempt.headers["x-amz-content-sha256"]).toBeUndefined();
    // Recompute from the pure function with the same inputs: the attempt carries exactly that signature.
    const expected = signHeaders(
      {
        method: "POST",
        path: "/",
        headers: [
          ["host", "ec2.eu-west-1.amazonaws.com"],
          ["content-type", "application/x-www-form-urlencoded; charset=utf-8"],
        ],
        payloadHash: sha256Hex(body),
      },
      {
        credentials: S3_DOC_CREDS,
        region: "eu-west-1",
        service: "ec2",
        date: new Date(S3_DOC_TIME),
      },
    );
    expect(attempt.headers.authorization).toBe(expected.authorization);
  });
});

describe("SigV4 presigning rules", () => {
  const base = {
    method: "GET",
    path: "/",
    headers: [["host", "example.com"]] as const,
    payloadHash: UNSIGNED_PAYLOAD,
  };
  const ctx = {
    credentials: { ...S3_DOC_CREDS, sessionToken: "tok-123456" },
    region: "us-east-1",
    service: "s3",
    date: new Date(S3_DOC_TIME),
  };

  it("refuses lifetimes outside 1 s to 7 days", () => {
    for (const expiresIn of [0, -1, 1.5, 604_801]) {
      expect(() => signQuery(base, { ...ctx, expiresIn })).toThrow(InvalidInputError);
    }
    expect(() => signQuery(base, { ...ctx, expiresIn: 604_800 })).not.toThrow();
  });

  it("signs the session token into the URL, or adds it unsigned when asked", () => {
    const signed = signQuery(base, { ...ctx, expiresIn: 60 });
    expect(signed.canonicalRequest).toContain("X-Amz-Security-Token=tok-123456");
    const omitted = signQuery(base, { ...ctx, expiresIn: 60, omitSessionToken: true });
    expect(omitted.canonicalRequest).not.toContain("X-Amz-Security-Token");
    expect(omitted.query.map(([k]) => k)).toContain("X-Amz-Security-Token");
  });

  it("re-presigning drops the old signature parameters", async () => {
    const signer = s3Signer();
    const once = await signer.presign({ url: "https://b.s3.amazonaws.com/k?versionId=3", expiresIn: 60 });
    const twice = await signer.presign({ url: once, expiresIn: 60 });
    expect(twice.href).toBe(once.href);
    expect(twice.searchParams.getAll("X-Amz-Signature")).toHaveLength(1);
    expect(twice.search.startsWith("?versionId=3&X-Amz-Algorithm=")).toBe(true);
  });

  it("refuses to sign without a region, service or key", () => {
    expect(() => signHeaders(base, { ...ctx, region: "" })).toThrow(InvalidInputError);
    expect(() => signHeaders(base, { ...ctx, service: "" })).toThrow(InvalidInputError);
    expect(() =>
      signHeaders(base, { ...ctx, credentials: { accessKeyId: "A", secretAccessKey: "" } }),
    ).toThrow(InvalidInputError);
  });
});
