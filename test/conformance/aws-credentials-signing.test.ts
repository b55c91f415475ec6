/**
 * Credentials from the chain (a local container endpoint) signing real requests through the Transport,
 * checked by a local server that rebuilds each signature from what arrived on the wire: the raw path and
 * query, the headers named in SignedHeaders, the body. It proves that what is sent is what was signed —
 * including retries, query encoding, presigned URLs and aws-chunked uploads.
 */

import { mkdtempSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PermissionError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import { chunkSignature } from "../../src/providers/aws/chunked.js";
import { awsCredentialChain } from "../../src/providers/aws/credentials/chain.js";
import { SigV4Signer } from "../../src/providers/aws/signer.js";
import {
  canonicalHeaders,
  canonicalPath,
  canonicalQuery,
  type Pair,
  parseQuery,
} from "../../src/providers/aws/sigv4-canonical.js";
import { hmac, sha256Hex, signingKey } from "../../src/providers/aws/sigv4-key.js";
import { bytes, startServer, type TestServer } from "../support/http-server.js";

const CREDS = {
  accessKeyId: "ASIASIGNINGEXAMPLE",
  secretAccessKey: "signing-secret-key-wJalrXUtnFEMIK7MDENG",
  sessionToken: "signing-session-token-FwoGZXIvYXdzEJr",
};

/** The raw headers named in `names`, in arrival order, duplicates kept. */
function wireHeaders(req: IncomingMessage, names: Set<string>): Pair[] {
  const out: Pair[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? "").toLowerCase();
    if (names.has(name)) out.push([name, req.rawHeaders[i + 1] ?? ""]);
  }
  return out;
}

function signature(service: string, region: string, amzDate: string, canonicalRequest: string): string {
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
  const sts = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  return hmac(signingKey(CREDS, amzDate.slice(0, 8), region, service), sts).toString("hex");
}

/** Verify a header-signed request as AWS would; returns why it fails, or undefined. */
function verifyHeaderSigned(req: IncomingMessage, body: Buffer, s3: boolean): string | undefined {
  const auth = req.headers.authorization ?? "";
  const m = auth.match(
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/,
  );
  if (!m) return "malformed Authorization";
  const [, akid, , region = "", service = "", signedList = "", sig] = m;
  if (akid !== CREDS.accessKeyId) return "wrong access key";
  const signedNames = new Set(signedList.split(";"));
  if (!signedNames.has("host") || !signedNames.has("x-amz-date")) return "host or x-amz-date unsigned";
  if (
    req.headers["x-amz-security-token"] !== CREDS.sessionToken ||
    !signedNames.has("x-amz-security-token")
  ) {
    return "session token missing or unsigned";
  }
  const declared = req.headers["x-amz-content-sha256"];
  let payloadHash = sha256Hex(body);
  if (s3) {
    if (typeof declared !== "string") return "x-amz-content-sha256 missing";
    if (/^[0-9a-f]{64}$/.test(declared) && declared !== payloadHash)
      return "body does not match x-amz-content-sha256";
    payloadHash = declared;
  }
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const rawPath = q < 0 ? url : url.slice(0, q);
  const ch = canonicalHeaders(wireHeaders(req, signedNames));
  if (ch.signedHeaders !== signedList)
    return `signed headers missing on the wire: ${signedList} vs ${ch.signedHeaders}`;
  const canonical = [
    req.method,
    canonicalPath(rawPath, { normalize: !s3, doubleEncode: !s3 }),
    canonicalQuery(parseQuery(q < 0 ? "" : url.slice(q + 1))),
    ch.block,
    signedList,
    payloadHash,
  ].join("\n");
  const expected = signature(service, region, String(req.headers["x-amz-date"]), canonical);
  return expected === sig ? undefined : "signature mismatch";
}

/** Verify a presigned GET (S3): the signature covers the query without X-Amz-Signature. */
function verifyPresigned(req: IncomingMessage): string | undefined {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const pairs = parseQuery(url.slice(q + 1));
  const get = (k: string) => pairs.find(([n]) => n === k)?.[1] ?? "";
  const [akid, day, region = "", service = ""] = get("X-Amz-Credential").split("/");
  if (akid !== CREDS.accessKeyId || get("X-Amz-Security-Token") !== CREDS.sessionToken)
    return "bad credential";
  const signedList = get("X-Amz-SignedHeaders");
  const ch = canonicalHeaders(wireHeaders(req, new Set(signedList.split(";"))));
  const canonical = [
    req.method,
    canonicalPath(url.slice(0, q), { normalize: false, doubleEncode: false }),
    canonicalQuery(pairs.filter(([n]) => n !== "X-Amz-Signature")),
    ch.block,
    signedList,
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  if (!get("X-Amz-Date").startsWith(day ?? "-")) return "date and scope disagree";
  return signature(service, region, get("X-Amz-Date"), canonical) === get("X-Amz-Signature")
    ? undefined
    : "signature mismatch";
}

/** Decode an aws-chunked body, checking each chunk's chained signature. Returns the data or why it fails. */
function decodeChunked(req: IncomingMessage, body: Buffer): Buffer | string {
  const auth = req.headers.authorization ?? "";
  const seed = auth.match(/Signature=([0-9a-f]{64})$/)?.[1] ?? "";
  const amzDate = String(req.headers["x-amz-date"]);
  const scope = auth.match(/Credential=[^/]+\/([^,]+),/)?.[1] ?? "";
  const [, region = "", service = ""] = scope.split("/");
  const ctx = {
    signingKey: signingKey(CREDS, amzDate.slice(0, 8), region, service),
    amzDate,
    credentialScope: scope,
  };
  const parts: Buffer[] = [];
  let previous = seed;
  let at = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) return "chunk header without CRLF";
    const m = body.toString("latin1", at, lineEnd).match(/^([0-9a-f]+);chunk-signature=([0-9a-f]{64})$/);
    if (!m) return "malformed chunk header";
    const size = Number.parseInt(m[1] ?? "", 16);
    const data = body.subarray(lineEnd + 2, lineEnd + 2 + size);
    if (data.length !== size || body.toString("latin1", lineEnd + 2 + size, lineEnd + 4 + size) !== "\r\n") {
      return "chunk data truncated";
    }
    const expected = chunkSignature(ctx, previous, data);
    if (expected !== m[2]) return `chunk ${guard} signature mismatch`;
    previous = expected;
    at = lineEnd + 4 + size;
    if (size === 0) return at === body.length ? Buffer.concat(parts) : "bytes after the final chunk";
    parts.push(data);
  }
  return "too many chunks";
}

describe("SigV4 requests signed with chain credentials, verified from the wire", () => {
  let server: TestServer;
  let transport: Transport;
  let signer: SigV4Signer;
  const received: Buffer[] = [];
  let failNext = 0;

  beforeAll(async () => {
    server = await startServer(({ req, res, body }) => {
      const url = req.url ?? "";
      if (url === "/creds") {
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            AccessKeyId: CREDS.accessKeyId,
            SecretAccessKey: CREDS.secretAccessKey,
            Token: CREDS.sessionToken,
            Expiration: new Date(Date.now() + 3_600_000).toISOString(),
          }),
        );
        return;
      }
      if (failNext > 0) {
        failNext--;
        res.statusCode = 503;
        res.end();
        return;
      }
      let problem: string | undefined;
      if (url.includes("X-Amz-Signature=")) problem = verifyPresigned(req);
      else {
        problem = verifyHeaderSigned(req, body, !url.startsWith("/ec2"));
        if (!problem && req.headers["content-encoding"]?.startsWith("aws-chunked")) {
          const decoded = decodeChunked(req, body);
          if (typeof decoded === "string") problem = decoded;
          else if (String(decoded.length) !== req.headers["x-amz-decoded-content-length"])
            problem = "decoded length";
          else received.push(decoded);
        }
      }
      res.statusCode = problem ? 403 : 200;
      res.setHeader("content-type", "application/xml");
      res.end(
        problem ? `<Error><Code>SignatureDoesNotMatch</Code><Message>${problem}</Message></Error>` : "<ok/>",
      );
    });
    const dir = mkdtempSync(join(tmpdir(), "omnicloud-aws-sign-"));
    const credentials = awsCredentialChain({
      env: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/creds`,
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
        AWS_CONFIG_FILE: join(dir, "config"),
        AWS_EC2_METADATA_DISABLED: "true",
      },
      homeDir: dir,
    });
    signer = new SigV4Signer({ service: "s3", region: "eu-west-1", credentials });
    transport = new Transport({
      provider: "s3",
      authorize: signer.authorize,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
  });
  afterAll(async () => {
    await transport.close();
    await server.close();
  });

  it("signs a PUT with a body, an awkward key and a query", async () => {
    const res = await transport.send({
      method: "PUT",
      url: `${server.url}/bucket/photos/a b+c(1)*!.txt`,
      query: { tagging: "", "x-id": "PutObject", note: "two words & more" },
      headers: { "Content-Type": "text/plain", "x-amz-meta-owner": "  ann   b  " },
      body: "hello, signed world",
    });
    expect(res.status).toBe(200);
    const last = server.requests.at(-1);
    expect(last?.url).toContain("/bucket/photos/a%20b%2Bc%281%29%2A%21.txt?");
    expect(last?.url).toContain("note=two%20words%20%26%20more");
  });

  it("the server's check is real: a wrong secret or a header changed after signing is refused", async () => {
    const wrong = new SigV4Signer({
      service: "s3",
      region: "eu-west-1",
      credentials: { get: async () => ({ ...CREDS, secretAccessKey: "not-the-right-secret-key" }) },
    });
    const changed = new SigV4Signer({
      service: "s3",
      region: "eu-west-1",
      credentials: { get: async () => CREDS },
    });
    const t1 = new Transport({ provider: "s3", authorize: wrong.authorize, retry: false });
    const t2 = new Transport({
      provider: "s3",
      retry: false,
      authorize: async (attempt) => {
        await changed.authorize(attempt);
        attempt.headers["x-amz-meta-owner"] = "mallory";
      },
    });
    try {
      await expect(t1.send({ method: "GET", url: `${server.url}/bucket/k` })).rejects.toThrow(
        PermissionError,
      );
      await expect(
        t2.send({ method: "GET", url: `${server.url}/bucket/k`, headers: { "x-amz-meta-owner": "ann" } }),
      ).rejects.toThrow(/signature mismatch/);
    } finally {
      await t1.close();
      await t2.close();
    }
  });

  it("re-signs each retry so every attempt verifies", async () => {
    failNext = 2;
    const before = server.requests.length;
    const res = await transport.send({
      method: "GET",
      url: `${server.url}/bucket/key`,
      query: { "max-keys": 2 },
    });
    expect(res.status).toBe(200);
    expect(server.requests.length - before).toBe(3);
  });

  it("signs for a non-S3 service with the body hashed into the signature", async () => {
    const ec2 = new SigV4Signer({
      service: "ec2",
      region: "eu-west-1",
      credentials: { get: async () => CREDS },
    });
    const t = new Transport({ provider: "ec2", authorize: ec2.authorize, retry: false });
    try {
      const res = await t.send({
        method: "POST",
        url: `${server.url}/ec2/`,
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body: "Action=DescribeRegions&Version=2016-11-15",
      });
      expect(res.status).toBe(200);
      expect(server.requests.at(-1)?.headers["x-amz-content-sha256"]).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it("makes presigned URLs the server accepts", async () => {
    const url = await signer.presign({
      url: `${server.url}/bucket/report 2024.pdf?versionId=7`,
      expiresIn: 300,
    });
    const plain = new Transport({ provider: "s3-presigned", retry: false });
    try {
      expect((await plain.send({ method: "GET", url })).status).toBe(200);
      // A tampered URL is refused, as AWS would.
      const tampered = new URL(url);
      tampered.searchParams.set("versionId", "8");
      await expect(plain.send({ method: "GET", url: tampered })).rejects.toThrow(PermissionError);
    } finally {
      await plain.close();
    }
  });

  it("uploads aws-chunked with chained chunk signatures", async () => {
    const data = bytes(200 * 1024 + 123, 7);
    const upload = await signer.signChunkedUpload({
      method: "PUT",
      url: `${server.url}/bucket/big.bin`,
      headers: { "content-type": "application/octet-stream" },
      body: Readable.from([data.subarray(0, 1000), data.subarray(1000, 150_000), data.subarray(150_000)]),
      decodedLength: data.length,
    });
    received.length = 0;
    const res = await transport.send({
      method: "PUT",
      url: upload.url,
      headers: upload.headers,
      body: upload.body,
      contentLength: upload.contentLength,
    });
    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0]?.equals(data)).toBe(true);
    expect(server.requests.at(-1)?.bodyLength).toBe(upload.contentLength);
  });
});
