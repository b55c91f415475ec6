/**
 * Every request the s3 driver builds, checked against S3's official API model
 * ($OMNICLOUD_SHARED/specs/aws-models/s3/2006-03-01/service-2.json): the operation's HTTP method, its URI
 * template (bucket and key in the path, literal query such as "?uploads"), every query parameter and
 * header being a member the model places there, and every required member present.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { S3Driver } from "../../src/providers/aws/s3.js";
import { openStorage, type Storage } from "../../src/storage/index.js";
import { describeShared, readShared } from "../support/shared.js";
import { type MockS3, mockS3, type Recorded } from "./s3-mock.js";

interface Member {
  location?: string;
  locationName?: string;
}
interface Model {
  operations: Record<
    string,
    {
      http: { method: string; requestUri: string };
      input?: { shape: string };
      httpChecksum?: { requestChecksumRequired?: boolean };
    }
  >;
  shapes: Record<string, { members?: Record<string, Member>; required?: string[] }>;
}

const ORIGIN = "https://s3.model-check.test";
/** Headers the transport and signer own, not part of any operation's input. */
const TRANSPORT_HEADERS = new Set(["user-agent", "host", "content-length", "x-amz-content-sha256"]);

/** Problems with one recorded request against the model; empty when it conforms. */
function check(model: Model, req: Recorded): string[] {
  const problems: string[] = [];
  const name = req.operation.replace(/^s3:/, "");
  const op = model.operations[name];
  if (!op) return [`${req.operation}: no such operation in the model`];
  if (req.method !== op.http.method)
    problems.push(`${name}: method ${req.method}, model says ${op.http.method}`);

  const [uriPath = "", uriQuery] = op.http.requestUri.split("?");
  const shape = op.input ? model.shapes[op.input.shape] : undefined;
  const members = Object.entries(shape?.members ?? {});
  const segments = req.url.pathname.split("/").filter((s) => s !== "");
  if (uriPath === "/" && segments.length !== 0)
    problems.push(`${name}: path ${req.url.pathname} should be /`);
  if (uriPath === "/{Bucket}" && segments.length !== 1)
    problems.push(`${name}: path ${req.url.pathname} should be /{Bucket}`);
  if (uriPath === "/{Bucket}/{Key+}" && segments.length < 2)
    problems.push(`${name}: path ${req.url.pathname} lacks a key`);

  const literal = new Map<string, string>();
  for (const pair of uriQuery ? uriQuery.split("&") : []) {
    const [k = "", v = ""] = pair.split("=");
    literal.set(k, v);
    if (req.url.searchParams.get(k) !== v) problems.push(`${name}: missing literal query "${pair}"`);
  }
  const queryNames = new Set(
    members.filter(([, m]) => m.location === "querystring").map(([, m]) => m.locationName),
  );
  for (const key of new Set(req.url.searchParams.keys())) {
    if (!literal.has(key) && !queryNames.has(key))
      problems.push(`${name}: query "${key}" is not in the model`);
  }

  const headerNames = new Set(
    members.filter(([, m]) => m.location === "header").map(([, m]) => m.locationName?.toLowerCase()),
  );
  const prefixes = members
    .filter(([, m]) => m.location === "headers")
    .map(([, m]) => m.locationName?.toLowerCase() ?? "");
  const checksumRequired = op.httpChecksum?.requestChecksumRequired === true;
  for (const header of Object.keys(req.headers)) {
    const h = header.toLowerCase();
    if (TRANSPORT_HEADERS.has(h) || headerNames.has(h) || prefixes.some((p) => h.startsWith(p))) continue;
    // The model's httpChecksum trait: S3 demands a body checksum, sent as Content-MD5 (checksumFormat md5).
    if (h === "content-md5" && checksumRequired) continue;
    problems.push(`${name}: header "${h}" is not in the model`);
  }

  for (const required of shape?.required ?? []) {
    const m = shape?.members?.[required];
    if (!m?.location || m.location === "uri") continue;
    const present =
      m.location === "querystring"
        ? req.url.searchParams.has(m.locationName ?? "")
        : m.location === "header"
          ? Object.keys(req.headers).some((h) => h.toLowerCase() === m.locationName?.toLowerCase())
          : true;
    if (!present) problems.push(`${name}: required ${required} (${m.location} ${m.locationName}) is missing`);
  }
  return problems;
}

describeShared("s3 requests against S3's API model", () => {
  let model: Model;
  let mock: MockS3;
  let store: Storage<S3Driver>;

  beforeAll(async () => {
    model = JSON.parse(readShared("specs/aws-models/s3/2006-03-01/service-2.json")) as Model;
    mock = mockS3(ORIGIN, (f) => readShared("fixtures/libcloud/storage/s3", f));
    store = await openStorage<S3Driver>("s3", {
      endpoint: ORIGIN,
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      multipart: { minPartSize: 1 },
      multipartCopyThreshold: 4,
      transport: { dispatcher: mock.agent, layers: [mock.recorder], retry: false },
    });
  });
  afterAll(async () => {
    await store?.close();
    await mock?.close();
  });

  it("sends only what the model defines, for every operation the driver uses", async () => {
    const b = "model-bucket";
    for await (const _ of store.listContainers()) void _;
    await store.createContainer(b, { region: "eu-west-1", acl: "private" });
    // A public container is a bucket policy granting s3:GetObject (PutBucketPolicy) after CreateBucket.
    await store.createContainer("new-bucket", { acl: "public-read" });
    await store.getContainer(b);
    for await (const _ of store.list(b, { prefix: "a/", delimiter: "/", pageSize: 50 })) void _;
    await store.upload(b, "dir/small.txt", "hello", {
      contentType: "text/plain",
      cacheControl: "no-cache",
      contentDisposition: "inline",
      metadata: { owner: "ann", note: "größe" },
      extras: {
        encryption: { type: "aws:kms", keyId: "alias/k", context: { a: "b" }, bucketKey: true },
        storageClass: "STANDARD_IA",
        acl: "private",
        tags: { t: "1" },
      },
    });
    await store.upload(b, "dir/big.bin", Buffer.alloc(3000, 1), {
      multipart: { partSize: 1024, threshold: 1024 },
      extras: { encryption: { type: "AES256" } },
    });
    await store.getBytes(b, "dir/small.txt", { range: { start: 1, end: 3 } });
    await store.stat(b, "dir/small.txt");
    await store.as<S3Driver>("s3").objectDetails(b, "dir/small.txt");
    // Above multipartCopyThreshold (4 bytes here): UploadPartCopy; below it: CopyObject.
    await store.copy(b, "dir/small.txt", b, "dir/copy.txt");
    await store.upload(b, "dir/tiny.txt", "hi");
    await store.copy(b, "dir/tiny.txt", b, "dir/copy2.txt", { metadata: { x: "y" }, contentType: "text/x" });
    await store.copy(b, "dir/tiny.txt", b, "dir/copy3.txt");
    await store.delete(b, "dir/small.txt");
    await store.deleteMany(b, ["a", "b", "c"]);
    for await (const u of store.listMultipartUploads(b)) await store.abortMultipartUpload(u);
    await store.deleteContainer(b);

    const operations = new Set(mock.requests.map((r) => r.operation));
    expect([...operations].sort()).toEqual(
      [
        "ListBuckets",
        "CreateBucket",
        "HeadBucket",
        "PutBucketPolicy",
        "ListObjectsV2",
        "PutObject",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "HeadObject",
        "GetObject",
        "CopyObject",
        "UploadPartCopy",
        "DeleteObject",
        "DeleteObjects",
        "ListMultipartUploads",
        "AbortMultipartUpload",
        "DeleteBucket",
      ]
        .map((o) => `s3:${o}`)
        .sort(),
    );
    const problems = mock.requests.flatMap((r) => check(model, r));
    expect(problems).toEqual([]);
  });

  it("catches a request that strays from the model (the checker itself works)", () => {
    const bad: Recorded = {
      operation: "s3:UploadPart",
      method: "POST",
      url: new URL(`${ORIGIN}/bucket?partNumber=1&bogus=1`),
      headers: { "x-amz-made-up": "1" },
    };
    expect(check(model, bad)).toEqual([
      "UploadPart: method POST, model says PUT",
      "UploadPart: path /bucket lacks a key",
      'UploadPart: query "bogus" is not in the model',
      'UploadPart: header "x-amz-made-up" is not in the model',
      "UploadPart: required UploadId (querystring uploadId) is missing",
    ]);
  });
});
