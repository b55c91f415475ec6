import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import type { Attempt } from "../../src/core/transport/types.js";
import { DEV_STORE_ACCOUNT } from "../../src/providers/azure/account-key.js";
import { azureStorageErrorParser } from "../../src/providers/azure/errors.js";
import {
  AZURE_STORAGE_VERSION,
  canonicalizedHeaders,
  canonicalizedResource,
  sharedKeyAuthorizer,
  sharedKeyStringToSign,
} from "../../src/providers/azure/shared-key.js";

const DATE = "Fri, 26 Jun 2015 23:39:12 GMT";

describe("Shared Key string to sign", () => {
  it("lists the verb, eleven standard headers, x-ms-* headers and the resource", () => {
    const text = sharedKeyStringToSign("myaccount", {
      method: "put",
      url: new URL("https://myaccount.blob.core.windows.net/mycontainer/my%20blob.txt?comp=metadata"),
      headers: {
        "Content-Type": "text/plain",
        "Content-MD5": "Q2hlY2sgSW50ZWdyaXR5IQ==",
        "If-Match": '"0x8D2"',
        Range: "bytes=0-9",
        "x-ms-date": DATE,
        "x-ms-version": "2015-02-21",
        "X-MS-Meta-B": "v2",
        "x-ms-meta-a": "  v1  ",
        Date: "ignored when x-ms-date is set",
        "User-Agent": "not signed",
      },
      contentLength: 12,
    });
    expect(text).toBe(
      [
        "PUT",
        "", // Content-Encoding
        "", // Content-Language
        "12", // Content-Length
        "Q2hlY2sgSW50ZWdyaXR5IQ==",
        "text/plain",
        "", // Date: x-ms-date wins
        "", // If-Modified-Since
        '"0x8D2"',
        "", // If-None-Match
        "", // If-Unmodified-Since
        "bytes=0-9",
        `x-ms-date:${DATE}\nx-ms-meta-a:v1\nx-ms-meta-b:v2\nx-ms-version:2015-02-21\n/myaccount/mycontainer/my%20blob.txt\ncomp:metadata`,
      ].join("\n"),
    );
  });

  it('signs a zero Content-Length as "" (2015-02-21 and later), from the header or the body', () => {
    const url = new URL("https://a.blob.core.windows.net/c");
    const line = (headers: Record<string, string>, contentLength?: number) =>
      sharedKeyStringToSign("a", { method: "PUT", url, headers, contentLength }).split("\n")[3];
    expect(line({ "content-length": "0" })).toBe("");
    expect(line({}, 0)).toBe("");
    expect(line({})).toBe("");
    expect(line({}, 5)).toBe("5");
    expect(line({ "Content-Length": "7" }, 5)).toBe("7");
  });

  it("canonicalizes query parameters: lower-case names, sorted, decoded, multiple values joined sorted", () => {
    const url = new URL(
      "http://127.0.0.1:10000/devstoreaccount1/c?restype=container&comp=list&Include=snapshots&include=metadata&prefix=a%2Fb%20c&marker=",
    );
    expect(canonicalizedResource("devstoreaccount1", url)).toBe(
      "/devstoreaccount1/devstoreaccount1/c\ncomp:list\ninclude:metadata,snapshots\nmarker:\nprefix:a/b c\nrestype:container",
    );
    expect(canonicalizedResource("acct", new URL("https://acct.blob.core.windows.net"))).toBe("/acct/");
  });

  it("canonicalizes only x-ms-* headers, sorted by lower-case name", () => {
    expect(canonicalizedHeaders({ "X-Ms-Z": "1", "x-ms-a": " 2 ", "x-msx": "no", accept: "no" })).toBe(
      "x-ms-a:2\nx-ms-z:1\n",
    );
  });
});

describe("sharedKeyAuthorizer", () => {
  const attempt = (headers: Record<string, string>, length?: number): Attempt => ({
    method: "PUT",
    url: new URL("http://127.0.0.1:10000/devstoreaccount1/c/b"),
    headers,
    body: length === undefined ? undefined : { length, replayable: true, open: () => "x".repeat(length) },
    signal: new AbortController().signal,
    attempt: 1,
    idempotent: true,
    mode: "buffer",
    operation: undefined,
  });

  it("sets x-ms-date, x-ms-version and a SharedKey HMAC over the string to sign", () => {
    const when = new Date("2024-05-01T12:00:00Z");
    const a = attempt({ "x-ms-blob-type": "BlockBlob" }, 3);
    sharedKeyAuthorizer(DEV_STORE_ACCOUNT, { now: () => when })(a);
    expect(a.headers["x-ms-date"]).toBe("Wed, 01 May 2024 12:00:00 GMT");
    expect(a.headers["x-ms-version"]).toBe(AZURE_STORAGE_VERSION);
    const expected = createHmac("sha256", Buffer.from(DEV_STORE_ACCOUNT.accountKey, "base64"))
      .update(
        sharedKeyStringToSign("devstoreaccount1", {
          method: "PUT",
          url: a.url,
          headers: a.headers,
          contentLength: 3,
        }),
      )
      .digest("base64");
    expect(a.headers.authorization).toBe(`SharedKey devstoreaccount1:${expected}`);
  });

  it("keeps a caller's x-ms-version and signs each attempt with a fresh date", () => {
    let t = Date.UTC(2024, 0, 1);
    const tick = (): Date => {
      t += 60_000;
      return new Date(t);
    };
    const sign = sharedKeyAuthorizer(DEV_STORE_ACCOUNT, { now: tick });
    const a = attempt({ "x-ms-version": "2019-12-12" });
    sign(a);
    const first = a.headers.authorization;
    sign(a);
    expect(a.headers["x-ms-version"]).toBe("2019-12-12");
    expect(a.headers.authorization).not.toBe(first);
  });

  it("refuses a key that is not base64 without printing it", () => {
    const key = "not base64 at all! secret-ish";
    let err: unknown;
    try {
      sharedKeyAuthorizer({ accountName: "acct", accountKey: key });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain("acct");
    expect((err as Error).message).not.toContain(key);
  });
});

describe("azureStorageErrorParser", () => {
  const parse = (status: number, body: string, headers: Record<string, string> = {}) =>
    azureStorageErrorParser({ status, headers, body: Buffer.from(body) });

  it("reads Code and the first line of Message, and classes refused signatures as Auth", () => {
    const xml = (code: string, message: string) =>
      `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:1\nTime:x</Message><AuthenticationErrorDetail>The MAC signature found in the HTTP request 'c2lnbmF0dXJl' is not the same</AuthenticationErrorDetail></Error>`;
    const failed = parse(
      403,
      xml("AuthenticationFailed", "Server failed to authenticate the request. Make sure the value…"),
    );
    expect(failed).toEqual({
      code: "AuthenticationFailed",
      message: "Server failed to authenticate the request. Make sure the value…",
      kind: "Auth",
    });
    expect(
      parse(403, xml("AuthorizationPermissionMismatch", "This request is not authorized"))?.kind,
    ).toBeUndefined();
    expect(parse(409, xml("ContainerAlreadyExists", "The specified container already exists."))?.kind).toBe(
      "AlreadyExists",
    );
  });

  it("falls back to x-ms-error-code for bodiless answers", () => {
    expect(parse(404, "", { "x-ms-error-code": "BlobNotFound" })).toEqual({
      code: "BlobNotFound",
      message: "BlobNotFound",
    });
    expect(parse(500, "")).toBeUndefined();
  });
});
