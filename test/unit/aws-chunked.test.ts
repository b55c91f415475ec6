import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { IntegrityError, InvalidInputError } from "../../src/core/errors.js";
import { AwsChunkedEncoder, encodedContentLength } from "../../src/providers/aws/chunked.js";
import { SigV4Signer } from "../../src/providers/aws/signer.js";

// S3 API reference, "Signature Calculations for the Authorization Header: Transferring Payload in Multiple
// Chunks", Example: PUT Object — 65 KiB of "a" in 64 KiB chunks. The signatures below are published there.
const DOC = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  time: Date.parse("2013-05-24T00:00:00Z"),
  seed: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
  chunks: [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
  ],
  decodedLength: 66_560,
  contentLength: 66_824,
};

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

function docSigner(): SigV4Signer {
  return new SigV4Signer({
    service: "s3",
    region: "us-east-1",
    credentials: {
      get: async () => ({ accessKeyId: DOC.accessKeyId, secretAccessKey: DOC.secretAccessKey }),
    },
    now: () => DOC.time,
  });
}

/** Yield `total` bytes of "a" in pieces of irregular sizes, to prove the encoder re-cuts them. */
async function* ragged(total: number): AsyncGenerator<Uint8Array> {
  const sizes = [1, 7000, 30_000, 3, 40_000];
  let sent = 0;
  for (let i = 0; sent < total; i++) {
    const n = Math.min(sizes[i % sizes.length] ?? 1, total - sent);
    sent += n;
    yield Buffer.alloc(n, "a");
  }
}

describe("aws-chunked upload (S3 streaming SigV4)", () => {
  it("computes the encoded length of the documented example", () => {
    expect(encodedContentLength(DOC.decodedLength, 65_536)).toBe(DOC.contentLength);
    expect(encodedContentLength(0, 65_536)).toBe(86);
    expect(() => encodedContentLength(-1)).toThrow(InvalidInputError);
  });

  it("reproduces the documented seed signature, chunk signatures and body byte for byte", async () => {
    const upload = await docSigner().signChunkedUpload({
      method: "PUT",
      url: "https://s3.amazonaws.com/examplebucket/chunkObject.txt",
      headers: { "x-amz-storage-class": "REDUCED_REDUNDANCY" },
      body: ragged(DOC.decodedLength),
      decodedLength: DOC.decodedLength,
      chunkSize: 65_536,
    });
    expect(upload.contentLength).toBe(DOC.contentLength);
    expect(upload.headers).toMatchObject({
      "content-encoding": "aws-chunked",
      "content-length": String(DOC.contentLength),
      "x-amz-decoded-content-length": String(DOC.decodedLength),
      "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      "x-amz-date": "20130524T000000Z",
      "x-amz-storage-class": "REDUCED_REDUNDANCY",
    });
    expect(upload.headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;" +
        `x-amz-decoded-content-length;x-amz-storage-class, Signature=${DOC.seed}`,
    );

    const body = await collect(upload.body);
    const expected = Buffer.concat([
      Buffer.from(`10000;chunk-signature=${DOC.chunks[0]}\r\n`),
      Buffer.alloc(65_536, "a"),
      Buffer.from(`\r\n400;chunk-signature=${DOC.chunks[1]}\r\n`),
      Buffer.alloc(1024, "a"),
      Buffer.from(`\r\n0;chunk-signature=${DOC.chunks[2]}\r\n\r\n`),
    ]);
    expect(body.length).toBe(DOC.contentLength);
    expect(body.equals(expected)).toBe(true);
  });

  it("matches the computed length for sizes around chunk boundaries", async () => {
    const chunkSize = 8192;
    for (const size of [0, 1, 8191, 8192, 8193, 3 * 8192]) {
      const encoder = new AwsChunkedEncoder(
        {
          signingKey: Buffer.alloc(32, 1),
          amzDate: "20240101T000000Z",
          credentialScope: "s",
          seedSignature: "0".repeat(64),
        },
        { chunkSize, decodedLength: size },
      );
      const out = await collect(Readable.from(ragged(size)).pipe(encoder));
      expect(out.length).toBe(encodedContentLength(size, chunkSize));
      // Every chunk header but the last announces a full chunk.
      const sizes = [...out.toString("latin1").matchAll(/(?:^|\r\n)([0-9a-f]+);chunk-signature=/g)].map((m) =>
        Number.parseInt(m[1] ?? "", 16),
      );
      expect(sizes.at(-1)).toBe(0);
      expect(sizes.slice(0, -2).every((s) => s === chunkSize)).toBe(true);
    }
  });

  it("fails the stream when the source yields more or fewer bytes than declared", async () => {
    const ctx = {
      signingKey: Buffer.alloc(32),
      amzDate: "20240101T000000Z",
      credentialScope: "s",
      seedSignature: "0".repeat(64),
    };
    await expect(
      collect(Readable.from(ragged(100)).pipe(new AwsChunkedEncoder(ctx, { decodedLength: 99 }))),
    ).rejects.toThrow(IntegrityError);
    await expect(
      collect(Readable.from(ragged(100)).pipe(new AwsChunkedEncoder(ctx, { decodedLength: 101 }))),
    ).rejects.toThrow(IntegrityError);
  });

  it("refuses chunks smaller than S3's 8 KiB minimum", () => {
    const ctx = { signingKey: Buffer.alloc(32), amzDate: "x", credentialScope: "s", seedSignature: "0" };
    expect(() => new AwsChunkedEncoder(ctx, { chunkSize: 4096 })).toThrow(InvalidInputError);
  });
});
