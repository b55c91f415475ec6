/**
 * The s3 driver against recorded S3 answers ($OMNICLOUD_SHARED/fixtures/libcloud/storage/s3) and scripted
 * odd and error answers, through undici's MockAgent: parsing, pagination that never truncates, and S3's
 * error codes becoming typed errors with the request id.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  AlreadyExistsError,
  AuthError,
  IntegrityError,
  NotFoundError,
  PermissionError,
  ProviderError,
  RateLimitError,
} from "../../src/core/errors.js";
import type { S3Driver } from "../../src/providers/aws/s3.js";
import { openStorage, type Storage } from "../../src/storage/index.js";
import { describeShared, readShared } from "../support/shared.js";
import { type MockS3, mockS3 } from "./s3-mock.js";

const ORIGIN = "https://s3.fixtures.test";
const fixture = (name: string): string => readShared("fixtures/libcloud/storage/s3", name);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const errorXml = (code: string, message: string, requestId = "BODYREQID"): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`;

describeShared("s3 driver on recorded and scripted answers", () => {
  let mock: MockS3;
  let store: Storage<S3Driver>;

  beforeEach(async () => {
    mock = mockS3(ORIGIN, fixture);
    store = await openStorage<S3Driver>("s3", {
      endpoint: ORIGIN,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      multipart: { minPartSize: 1 },
      transport: { dispatcher: mock.agent, layers: [mock.recorder], retry: false },
    });
  });
  afterEach(async () => {
    await store.close();
    await mock.close();
  });

  const isList = (r: { method: string; url: URL }): boolean =>
    r.method === "GET" && r.url.searchParams.get("list-type") === "2";

  it("parses ListBuckets, full and empty", async () => {
    const buckets = await collect(store.listContainers());
    expect(buckets.map((b) => b.name)).toEqual(["test1", "test2"]);
    expect(buckets[0]?.createdAt?.toISOString()).toBe("2011-04-09T12:34:49.000Z");
    mock.override((r) => r.url.pathname === "/", { status: 200, body: fixture("list_containers_empty.xml") });
    expect(await collect(store.listContainers())).toEqual([]);
  });

  it("parses a ListObjectsV2 page and an empty one", async () => {
    const [entry] = await collect(store.list("test-container"));
    expect(entry).toMatchObject({
      kind: "object",
      name: "1.zip",
      size: 1234567,
      etag: "4397da7a7649e8085de9916c240e8166",
    });
    mock.override(isList, { status: 200, body: fixture("list_container_objects_empty.xml") });
    expect(await collect(store.list("test-container"))).toEqual([]);
  });

  it("follows a truncated page without a continuation token by start-after, never stopping early", async () => {
    mock.override(isList, { status: 200, body: fixture("list_container_objects_not_exhausted1.xml") });
    mock.override(isList, { status: 200, body: fixture("list_container_objects_not_exhausted2.xml") });
    const names = (await collect(store.list("test-container"))).map((e) => e.name);
    expect(names).toEqual(["1.zip", "2.zip", "3.zip", "4.zip", "5.zip"]);
    const lists = mock.requests.filter((r) => r.operation === "s3:ListObjectsV2");
    expect(lists[1]?.url.searchParams.get("start-after")).toBe("3.zip");
  });

  it("follows continuation tokens, passes the page size, and decodes url-encoded keys", async () => {
    const page = (keys: string[], next?: string): string =>
      `<ListBucketResult><Name>b</Name><EncodingType>url</EncodingType><IsTruncated>${next ? "true" : "false"}</IsTruncated>` +
      (next ? `<NextContinuationToken>${next}</NextContinuationToken>` : "") +
      keys.map((k) => `<Contents><Key>${k}</Key><Size>1</Size><ETag>"x"</ETag></Contents>`).join("") +
      "</ListBucketResult>";
    mock.override(isList, { status: 200, body: page(["a%20b+c", "d%2Fe"], "tok/1=") });
    mock.override(isList, { status: 200, body: page(["%E2%9C%93"]) });
    const names = (await collect(store.list("bkt", { pageSize: 2 }))).map((e) => e.name);
    expect(names).toEqual(["a b c", "d/e", "✓"]);
    const lists = mock.requests.filter((r) => r.operation === "s3:ListObjectsV2");
    expect(lists.map((r) => r.url.searchParams.get("max-keys"))).toEqual(["2", "2"]);
    expect(lists[1]?.url.searchParams.get("continuation-token")).toBe("tok/1=");
  });

  it("merges common prefixes into key order", async () => {
    mock.override(isList, {
      status: 200,
      body:
        "<ListBucketResult><IsTruncated>false</IsTruncated>" +
        "<Contents><Key>a.txt</Key><Size>1</Size></Contents><Contents><Key>c.txt</Key><Size>1</Size></Contents>" +
        "<CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></ListBucketResult>",
    });
    const entries = await collect(store.list("bkt", { delimiter: "/" }));
    expect(entries.map((e) => `${e.kind}:${e.name}`)).toEqual([
      "object:a.txt",
      "prefix:b/",
      "object:c.txt",
      "prefix:d/",
    ]);
  });

  it("refuses to end a listing the server says is truncated but gives no way on", async () => {
    mock.override(isList, {
      status: 200,
      body: "<ListBucketResult><IsTruncated>true</IsTruncated><CommonPrefixes><Prefix>x/</Prefix></CommonPrefixes></ListBucketResult>",
    });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of store.list("bkt", { delimiter: "/" })) seen.push(e.name);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["x/"]);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/truncated/);
  });

  it("refuses a continuation token that repeats (a looping server)", async () => {
    const looping =
      "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken><Contents><Key>k</Key><Size>1</Size></Contents></ListBucketResult>";
    mock.override(isList, { status: 200, body: looping }, 3);
    await expect(collect(store.list("bkt"))).rejects.toThrow(/second time/);
  });

  it("pages through ListMultipartUploads with key and upload-id markers", async () => {
    const uploads = await collect(store.listMultipartUploads("foo-bar-container"));
    expect(uploads).toHaveLength(6);
    expect(uploads[0]).toMatchObject({
      name: "my-divisor",
      uploadId: "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw",
    });
    expect(uploads[0]?.initiated?.toISOString()).toBe("2010-11-10T20:48:33.000Z");
    const second = mock.requests.filter((r) => r.operation === "s3:ListMultipartUploads")[1];
    expect(second?.url.searchParams.get("key-marker")).toBe("my-movie.m2ts");
    expect(second?.url.searchParams.get("upload-id-marker")).toBe(
      "YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ",
    );
  });

  it("turns S3 error codes into typed errors with the request id", async () => {
    const cases: Array<[number, string, new (...a: never[]) => Error]> = [
      [404, "NoSuchKey", NotFoundError],
      [404, "NoSuchBucket", NotFoundError],
      [409, "BucketAlreadyOwnedByYou", AlreadyExistsError],
      [409, "BucketAlreadyExists", AlreadyExistsError],
      [503, "SlowDown", RateLimitError],
      [403, "AccessDenied", PermissionError],
      [403, "SignatureDoesNotMatch", AuthError],
      [403, "InvalidAccessKeyId", AuthError],
      [400, "BadDigest", IntegrityError],
    ];
    for (const [status, code, type] of cases) {
      mock.override(() => true, {
        status,
        body: errorXml(code, `${code} happened`),
        headers: { "content-type": "application/xml" },
      });
      const err = await store.getBytes("bkt", "k").catch((e: unknown) => e);
      expect(err, code).toBeInstanceOf(type);
      expect((err as ProviderError).code, code).toBe(code);
      expect((err as ProviderError).status, code).toBe(status);
      expect((err as ProviderError).requestId, code).toBe("BODYREQID");
      expect((err as Error).message, code).toContain(`${code} happened`);
    }
  });

  it("takes the request id from x-amz-request-id when the body has none (HEAD)", async () => {
    mock.override((r) => r.method === "HEAD", { status: 404, headers: { "x-amz-request-id": "HDRREQID" } });
    const err = await store.stat("bkt", "missing").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).requestId).toBe("HDRREQID");
  });

  it("says which region a bucket is in when the request went to the wrong one", async () => {
    mock.override((r) => r.method === "HEAD", {
      status: 301,
      headers: { "x-amz-bucket-region": "eu-central-1" },
    });
    await expect(store.getContainer("elsewhere")).rejects.toThrow(/region eu-central-1/);
  });

  it("words BucketNotEmpty with what to do", async () => {
    mock.override((r) => r.method === "DELETE", {
      status: 409,
      body: errorXml("BucketNotEmpty", "The bucket you tried to delete is not empty"),
    });
    const err = await store.deleteContainer("full").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("BucketNotEmpty");
    expect((err as ProviderError).hint).toMatch(/force/);
  });

  it("refuses a completed multipart object whose ETag is not its parts' (recorded answer) and deletes it", async () => {
    // The recorded CompleteMultipartUpload answer's ETag belongs to another object's 9 parts.
    mock.override((r) => r.method === "POST" && r.url.searchParams.has("uploadId"), {
      status: 200,
      body: fixture("complete_multipart.xml"),
    });
    const err = await store
      .upload("bkt", "big.bin", Buffer.alloc(3000, 2), { multipart: { partSize: 1024, threshold: 1024 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toContain("3858f62230ac3c915f300c664312c11f-9");
    expect(
      mock.requests.some((r) => r.operation === "s3:DeleteObject" && r.url.pathname === "/bkt/big.bin"),
    ).toBe(true);
    expect(mock.requests.some((r) => r.operation === "s3:AbortMultipartUpload")).toBe(true);
  });

  it("treats an <Error> sent with 200 on completion as a failure and aborts the upload", async () => {
    mock.override((r) => r.method === "POST" && r.url.searchParams.has("uploadId"), {
      status: 200,
      body: errorXml("InternalError", "We encountered an internal error. Please try again."),
    });
    const err = await store
      .upload("bkt", "big.bin", Buffer.alloc(3000, 2), { multipart: { partSize: 1024, threshold: 1024 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("InternalError");
    const abort = mock.requests.find((r) => r.operation === "s3:AbortMultipartUpload");
    expect(abort?.url.searchParams.get("uploadId")).toBe(
      "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA",
    );
  });

  it("treats an <Error> sent with 200 on CopyObject as a failure", async () => {
    mock.override((r) => r.method === "PUT" && "x-amz-copy-source" in r.headers, {
      status: 200,
      body: errorXml("SlowDown", "Reduce your request rate."),
    });
    await expect(store.copy("bkt", "src", "bkt", "dst")).rejects.toBeInstanceOf(RateLimitError);
  });

  it("reports per-key failures of a batch delete", async () => {
    mock.override((r) => r.method === "POST" && r.url.searchParams.has("delete"), {
      status: 200,
      body: '<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Error><Key>b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>',
    });
    const result = await store.deleteMany("bucket", ["a", "b", "c"]);
    expect(result.deleted).toEqual(["a", "c"]);
    expect(result.failed.map((f) => f.name)).toEqual(["b"]);
    expect(result.failed[0]?.error).toBeInstanceOf(PermissionError);
  });

  it("cuts the range out itself when a server ignores Range and sends the whole object", async () => {
    mock.override((r) => r.method === "GET" && r.headers.range !== undefined, {
      status: 200,
      body: "0123456789",
      headers: { "content-length": "10" },
    });
    expect((await store.getBytes("bkt", "k", { range: { start: 2, end: 4 } })).toString()).toBe("234");
  });

  it("sends Content-MD5 of small bodies and refuses a stored MD5 that differs", async () => {
    mock.override((r) => r.method === "PUT", {
      status: 200,
      headers: { etag: '"00000000000000000000000000000000"' },
    });
    await expect(store.upload("bkt", "k", "hello")).rejects.toBeInstanceOf(IntegrityError);
    const put = mock.requests.find((r) => r.operation === "s3:PutObject");
    expect(put?.headers["content-md5"]).toBe(
      Buffer.from("5d41402abc4b2a76b9719d911017c592", "hex").toString("base64"),
    );
    expect(mock.requests.some((r) => r.operation === "s3:DeleteObject")).toBe(true);
  });
});
