/**
 * The azure-blob driver's pure parts: metadata encoding, block ids, container names, option resolution,
 * error classification, listing pages, and the Blob Batch body and answer.
 */
import { afterEach, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { DEV_STORE_ACCOUNT } from "../../src/providers/azure/account-key.js";
import { batchBody, parseBatchResponse } from "../../src/providers/azure/blob-batch.js";
import { AZURE_BLOCK_LIMITS, blockId, newPrefix } from "../../src/providers/azure/blob-blocks.js";
import { blobErrorParser } from "../../src/providers/azure/blob-errors.js";
import { blobPage } from "../../src/providers/azure/blob-list.js";
import {
  decodeMetaName,
  decodeMetaValue,
  encodeMetaName,
  encodeMetaValue,
  metadataFromHeaders,
  metadataHeaders,
} from "../../src/providers/azure/blob-metadata.js";
import { checkContainerName, containerNameProblem } from "../../src/providers/azure/blob-names.js";
import { accountFromEndpoint, resolveBlobOptions } from "../../src/providers/azure/blob-options.js";
import { BlobHttp, encodeBlobPath, objectInfoFrom } from "../../src/providers/azure/blob-requests.js";
import { sharedKeyStringToSign, signWithAccountKey } from "../../src/providers/azure/shared-key.js";

describe("metadata encoding", () => {
  it("sends identifier keys as they are and any other key as hex, and reads both back", () => {
    expect(encodeMetaName("owner")).toBe("owner");
    expect(encodeMetaName("a_b1")).toBe("a_b1");
    expect(encodeMetaName("x-note")).toBe("_782d6e6f7465");
    for (const key of ["x-note", "a.b", "1st", "_under", "~!#$%&'*+^`|", "owner", "a_b1"]) {
      const name = encodeMetaName(key);
      expect(name, key).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(decodeMetaName(name), key).toBe(key);
    }
  });

  it("leaves names written by other tools alone", () => {
    // Underscore names that are not our hex, or whose hex decodes to something we would have sent plainly.
    expect(decodeMetaName("_private")).toBe("_private");
    expect(decodeMetaName("_6162")).toBe("_6162");
    expect(decodeMetaName("Owner")).toBe("Owner");
  });

  it("carries non-ASCII, padded and empty values as encoded words", () => {
    for (const value of [
      "plain",
      "Grüße aus Köln",
      " padded ",
      "",
      "=?looks encoded?=",
      "tab\there",
      "日本",
    ]) {
      const sent = encodeMetaValue(value);
      expect(sent, value).toMatch(/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/);
      expect(decodeMetaValue(sent), value).toBe(value);
    }
    expect(encodeMetaValue("plain")).toBe("plain");
  });

  it("maps whole metadata to headers and back", () => {
    const metadata = { owner: "ann", "x-note": "Grüße" };
    const headers = metadataHeaders(metadata);
    expect(Object.keys(headers)).toEqual(["x-ms-meta-owner", "x-ms-meta-_782d6e6f7465"]);
    expect(metadataFromHeaders({ ...headers, "content-type": "x" })).toEqual(metadata);
  });
});

describe("block ids", () => {
  it("are base64 of equal length for every part of an upload, and differ between uploads", () => {
    const a = newPrefix();
    const b = newPrefix();
    expect(a).not.toBe(b);
    const ids = [1, 2, 10, 999, 50_000].map((n) => blockId(a, n));
    expect(new Set(ids.map((id) => id.length))).toEqual(new Set([32]));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(Buffer.from(id, "base64").toString("base64")).toBe(id);
    expect(blockId(a, 1)).not.toBe(blockId(b, 1));
    expect(() => blockId(a, 0)).toThrow(InvalidInputError);
  });

  it("follow Azure's documented limits", () => {
    expect(AZURE_BLOCK_LIMITS.maxParts).toBe(50_000);
    expect(AZURE_BLOCK_LIMITS.maxPartSize).toBe(4000 * 1024 * 1024);
  });
});

describe("container names", () => {
  it("accepts DNS-style names and the service's own", () => {
    for (const name of ["abc", "my-photos-2026", "a".repeat(63), "$root", "$logs", "$web"]) {
      expect(containerNameProblem(name), name).toBeUndefined();
    }
  });
  it("says which rule a bad name breaks", () => {
    expect(containerNameProblem("ab")).toMatch(/3 to 63/);
    expect(containerNameProblem("Photos")).toMatch(/lower-case/);
    expect(containerNameProblem("-abc")).toMatch(/start and end/);
    expect(containerNameProblem("a--b")).toMatch(/two dashes/);
    expect(() => checkContainerName("a_b")).toThrow(InvalidInputError);
  });
});

describe("option resolution", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("reads the account from an emulator endpoint and uses the emulator's published key", () => {
    const r = resolveBlobOptions({ endpoint: "http://127.0.0.1:10000/devstoreaccount1/" });
    expect(r.account).toBe("devstoreaccount1");
    expect(r.endpoint).toBe("http://127.0.0.1:10000/devstoreaccount1");
    expect(r.auth).toEqual({ kind: "shared-key", credentials: DEV_STORE_ACCOUNT });
    expect(accountFromEndpoint("https://acct1.blob.core.windows.net")).toBe("acct1");
  });

  it("builds the endpoint from the account, or from a connection string", () => {
    const key = Buffer.alloc(64, 2).toString("base64");
    expect(resolveBlobOptions({ account: "acct1", accountKey: key }).endpoint).toBe(
      "https://acct1.blob.core.windows.net",
    );
    const cs = resolveBlobOptions({
      connectionString: `DefaultEndpointsProtocol=http;AccountName=acct2;AccountKey=${key};EndpointSuffix=core.chinacloudapi.cn`,
    });
    expect(cs).toEqual({
      account: "acct2",
      endpoint: "http://acct2.blob.core.chinacloudapi.cn",
      auth: { kind: "shared-key", credentials: { accountName: "acct2", accountKey: key } },
    });
    const dev = resolveBlobOptions({ connectionString: "UseDevelopmentStorage=true" });
    expect(dev.endpoint).toBe("http://127.0.0.1:10000/devstoreaccount1");
    const sas = resolveBlobOptions({
      connectionString:
        "BlobEndpoint=https://acct3.blob.core.windows.net/;SharedAccessSignature=sv=2021-10-04&sig=abc%3D",
    });
    expect(sas.auth).toEqual({ kind: "sas", token: "sv=2021-10-04&sig=abc%3D" });
    expect(sas.account).toBe("acct3");
  });

  it("reads the environment only when nothing is given", () => {
    const key = Buffer.alloc(64, 3).toString("base64");
    process.env.AZURE_STORAGE_ACCOUNT = "envacct";
    process.env.AZURE_STORAGE_KEY = key;
    expect(resolveBlobOptions({}).account).toBe("envacct");
    // An explicit account does not pick up another account's key from the environment.
    expect(() => resolveBlobOptions({ account: "other" })).toThrow(/needs credentials/);
  });

  it("refuses what cannot work, before any request", () => {
    delete process.env.AZURE_STORAGE_ACCOUNT;
    delete process.env.AZURE_STORAGE_CONNECTION_STRING;
    expect(() => resolveBlobOptions({})).toThrow(/needs a storage account/);
    expect(() => resolveBlobOptions({ account: "acct1", sasToken: "sv=1" })).toThrow(/no sig/);
    expect(() => resolveBlobOptions({ endpoint: "ftp://x/acct" })).toThrow(/http or https/);
    expect(() => resolveBlobOptions({ endpoint: "https://a.blob.core.windows.net?sv=1" })).toThrow(/query/);
    expect(() => resolveBlobOptions({ connectionString: "novalue" })).toThrow(InvalidInputError);
  });
});

describe("error classes", () => {
  const parse = (status: number, code: string, message = "m") =>
    blobErrorParser({
      status,
      headers: {},
      body: Buffer.from(
        `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}\nRequestId:x</Message></Error>`,
      ),
    });
  it("maps Blob codes to the portable kinds", () => {
    expect(parse(404, "BlobNotFound")?.kind).toBe("NotFound");
    expect(parse(404, "ContainerNotFound")?.kind).toBe("NotFound");
    expect(parse(409, "ContainerAlreadyExists")?.kind).toBe("AlreadyExists");
    expect(parse(409, "BlobAlreadyExists")?.kind).toBe("AlreadyExists");
    expect(parse(403, "AuthenticationFailed")?.kind).toBe("Auth");
    expect(parse(403, "AuthorizationFailure", "This request is not authorized")?.kind).toBe("Permission");
    expect(parse(503, "ServerBusy")?.kind).toBe("RateLimit");
    expect(parse(400, "Md5Mismatch")?.kind).toBe("Integrity");
    expect(parse(416, "InvalidRange")?.kind).toBe("InvalidInput");
    expect(parse(500, "InternalError")?.kind).toBeUndefined();
    expect(parse(404, "BlobNotFound")?.message).toBe("m");
  });
  it("reads the code from x-ms-error-code when a HEAD answer has no body", () => {
    expect(
      blobErrorParser({ status: 404, headers: { "x-ms-error-code": "BlobNotFound" }, body: Buffer.alloc(0) }),
    ).toEqual({
      code: "BlobNotFound",
      message: "BlobNotFound",
      kind: "NotFound",
    });
  });
});

describe("listing pages", () => {
  it("merges blobs and prefixes in name order and decodes encoded names", () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="c"><Blobs>
      <BlobPrefix><Name>a/</Name></BlobPrefix><BlobPrefix><Name>c/</Name></BlobPrefix>
      <Blob><Name> b with spaces </Name><Properties><Content-Length>5</Content-Length><Etag>"0x1"</Etag>
        <Content-MD5>1B2M2Y8AsgTpgAmY7PhCfg==</Content-MD5><Last-Modified>Thu, 01 Jan 2026 00:00:00 GMT</Last-Modified></Properties></Blob>
      <Blob><Name Encoded="true">d%01e</Name><Properties><Content-Length>0</Content-Length></Properties></Blob>
    </Blobs><NextMarker>m2</NextMarker></EnumerationResults>`;
    const page = blobPage(Buffer.from(xml), "c", "azure-blob");
    expect(page.items.map((e) => `${e.kind}:${e.name}`)).toEqual([
      "object: b with spaces ",
      "prefix:a/",
      "prefix:c/",
      "object:d\u0001e",
    ]);
    expect(page.next).toBe("m2");
    const first = page.items[0]!;
    expect(first.kind === "object" && first).toMatchObject({
      size: 5,
      etag: "0x1",
      checksums: { md5: "d41d8cd98f00b204e9800998ecf8427e" },
    });
  });
});

describe("object properties", () => {
  it("reads a ranged answer's total size and the whole blob's MD5", () => {
    const info = objectInfoFrom("c", "b", {
      "content-length": "3",
      "content-range": "bytes 1-3/10",
      "content-md5": "AAAAAAAAAAAAAAAAAAAAAA==",
      "x-ms-blob-content-md5": "eB5eJF1ptWaXm4bijSPyxw==",
      etag: '"0x8D1"',
      "x-ms-meta-owner": "ann",
    });
    expect(info).toMatchObject({ size: 10, etag: "0x8D1", metadata: { owner: "ann" } });
    expect(info.checksums.md5).toBe("781e5e245d69b566979b86e28d23f2c7");
  });
  it("encodes blob names per path segment", () => {
    expect(encodeBlobPath("a b/c?d#e/%")).toBe("a%20b/c%3Fd%23e/%25");
  });
});

describe("Blob Batch", () => {
  const http = new BlobHttp(
    "azure-blob",
    "http://127.0.0.1:10000/devstoreaccount1",
    { kind: "shared-key", credentials: DEV_STORE_ACCOUNT },
    "2021-10-04",
    undefined,
  );
  const DATE = "Thu, 01 Jan 2026 00:00:00 GMT";

  it("writes one signed Delete Blob sub-request per name", () => {
    const body = batchBody(http, "cont", ["a b.txt", "dir/x"], "batch_1", DATE);
    const parts = body.split("--batch_1");
    expect(parts[0]).toBe("");
    expect(parts.at(-1)).toBe("--\r\n");
    expect(parts).toHaveLength(4);
    const first = parts[1]!;
    expect(first).toContain(
      "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 0\r\n\r\n",
    );
    expect(first).toContain("DELETE /devstoreaccount1/cont/a%20b.txt HTTP/1.1\r\n");
    const toSign = sharedKeyStringToSign("devstoreaccount1", {
      method: "DELETE",
      url: new URL("http://127.0.0.1:10000/devstoreaccount1/cont/a%20b.txt"),
      headers: { "x-ms-date": DATE, "x-ms-delete-snapshots": "include", "content-length": "0" },
    });
    const sig = signWithAccountKey(Buffer.from(DEV_STORE_ACCOUNT.accountKey, "base64"), toSign);
    expect(first).toContain(`authorization: SharedKey devstoreaccount1:${sig}\r\n`);
    expect(parts[2]).toContain("Content-ID: 1\r\n");
  });

  it("reads each sub-response with its Content-ID, status and error code", () => {
    const answer = [
      "--batchresponse_9",
      "Content-Type: application/http",
      "Content-ID: 1",
      "",
      "HTTP/1.1 404 The specified blob does not exist.",
      "x-ms-error-code: BlobNotFound",
      "x-ms-request-id: r1",
      "Content-Length: 216",
      "Content-Type: application/xml",
      "",
      '<?xml version="1.0" encoding="utf-8"?>',
      "<Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>",
      "--batchresponse_9",
      "Content-Type: application/http",
      "Content-ID: 0",
      "",
      "HTTP/1.1 202 Accepted",
      "x-ms-delete-type-permanent: true",
      "",
      "--batchresponse_9--",
      "",
    ].join("\r\n");
    const subs = parseBatchResponse(answer, "batchresponse_9");
    expect(subs.map((s) => [s.id, s.status, s.headers["x-ms-error-code"]])).toEqual([
      [1, 404, "BlobNotFound"],
      [0, 202, undefined],
    ]);
    expect(subs[0]!.body).toContain("<Code>BlobNotFound</Code>");
  });
});
