import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { redactText, redactUrl } from "../../src/core/redact.js";
import { DEV_STORE_ACCOUNT } from "../../src/providers/azure/account-key.js";
import { accountSas, blobServiceSas, blobServiceSasUrl, withSas } from "../../src/providers/azure/sas.js";

const creds = DEV_STORE_ACCOUNT;
const START = new Date("2024-01-01T00:00:00.000Z");
const EXPIRY = new Date("2024-01-02T00:00:00.000Z");
const hmac = (text: string) =>
  createHmac("sha256", Buffer.from(creds.accountKey, "base64")).update(text, "utf8").digest("base64");

describe("service SAS", () => {
  it("signs the 2021-10-04 fields in their documented order", () => {
    const sas = blobServiceSas({
      credentials: creds,
      containerName: "cont",
      blobName: "dir/b.txt",
      permissions: "wr",
      startsOn: START,
      expiresOn: EXPIRY,
      protocol: "https",
      version: "2021-10-04",
      contentType: "text/plain",
    });
    expect(sas.stringToSign).toBe(
      [
        "rw", // sp, put in documented order
        "2024-01-01T00:00:00Z", // st
        "2024-01-02T00:00:00Z", // se
        "/blob/devstoreaccount1/cont/dir/b.txt", // canonicalized resource
        "", // si
        "", // sip
        "https", // spr
        "2021-10-04", // sv
        "b", // sr
        "", // snapshot time
        "", // ses (2020-12-06 and later)
        "", // rscc
        "", // rscd
        "", // rsce
        "", // rscl
        "text/plain", // rsct
      ].join("\n"),
    );
    const q = new URLSearchParams(sas.query);
    expect([...q.keys()]).toEqual(["sv", "st", "se", "sr", "sp", "spr", "rsct", "sig"]);
    expect(q.get("sig")).toBe(hmac(sas.stringToSign));
  });

  it("builds a container SAS (sr=c) and drops fields older versions do not sign", () => {
    const container = blobServiceSas({
      credentials: creds,
      containerName: "cont",
      permissions: "lr",
      expiresOn: EXPIRY,
      version: "2019-12-12",
    });
    expect(container.stringToSign).toBe(
      [
        "rl",
        "",
        "2024-01-02T00:00:00Z",
        "/blob/devstoreaccount1/cont",
        "",
        "",
        "",
        "2019-12-12",
        "c",
        "",
        "",
        "",
        "",
        "",
        "",
      ].join("\n"),
    );
    const old = blobServiceSas({
      credentials: creds,
      containerName: "cont",
      identifier: "policy-1",
      expiresOn: EXPIRY,
      version: "2015-04-05",
    });
    expect(old.stringToSign).toBe(
      [
        "",
        "",
        "2024-01-02T00:00:00Z",
        "/blob/devstoreaccount1/cont",
        "policy-1",
        "",
        "",
        "2015-04-05",
        "",
        "",
        "",
        "",
        "",
      ].join("\n"),
    );
    expect(new URLSearchParams(old.query).get("si")).toBe("policy-1");
  });

  it("refuses bad permissions, versions and times", () => {
    const base = { credentials: creds, containerName: "c", blobName: "b", expiresOn: EXPIRY };
    expect(() => blobServiceSas({ ...base, permissions: "rz" })).toThrow(InvalidInputError);
    expect(() => blobServiceSas({ ...base })).toThrow(/permissions or a stored access policy/);
    expect(() => blobServiceSas({ ...base, permissions: "r", version: "2014-02-14" })).toThrow(
      InvalidInputError,
    );
    expect(() => blobServiceSas({ ...base, permissions: "r", startsOn: EXPIRY })).toThrow(
      /before its expiry/,
    );
  });

  it("builds URLs, and registers the signature so it is scrubbed everywhere", () => {
    const url = blobServiceSasUrl("http://127.0.0.1:10000/devstoreaccount1/", {
      credentials: creds,
      containerName: "cont",
      blobName: "a b/é.txt",
      permissions: "r",
      expiresOn: EXPIRY,
    });
    expect(url.startsWith("http://127.0.0.1:10000/devstoreaccount1/cont/a%20b/%C3%A9.txt?sv=")).toBe(true);
    const sig = new URL(url).searchParams.get("sig")!;
    expect(redactUrl(url)).not.toContain(encodeURIComponent(sig));
    expect(redactText(`echo ${sig}`)).not.toContain(sig);
    expect(withSas("http://h/c?comp=list", "sv=1")).toBe("http://h/c?comp=list&sv=1");
  });
});

describe("account SAS", () => {
  it("signs the 2021-10-04 fields in order, ending with a newline", () => {
    const sas = accountSas({
      credentials: creds,
      permissions: "lr",
      resourceTypes: "osc",
      services: "b",
      expiresOn: EXPIRY,
      ipRange: "127.0.0.1",
      version: "2021-10-04",
    });
    expect(sas.stringToSign).toBe(
      [
        "devstoreaccount1",
        "rl",
        "b",
        "sco",
        "",
        "2024-01-02T00:00:00Z",
        "127.0.0.1",
        "",
        "2021-10-04",
        "",
        "",
      ].join("\n"),
    );
    const q = new URLSearchParams(sas.query);
    expect([...q.keys()]).toEqual(["sv", "ss", "srt", "sp", "se", "sip", "sig"]);
    expect(q.get("sig")).toBe(hmac(sas.stringToSign));
  });

  it("omits the encryption-scope line before 2020-12-06 and checks letters", () => {
    const sas = accountSas({
      credentials: creds,
      permissions: "r",
      resourceTypes: "o",
      services: "tb",
      expiresOn: EXPIRY,
      version: "2019-12-12",
    });
    expect(sas.stringToSign).toBe(
      ["devstoreaccount1", "r", "bt", "o", "", "2024-01-02T00:00:00Z", "", "", "2019-12-12", ""].join("\n"),
    );
    expect(() =>
      accountSas({ credentials: creds, permissions: "r", resourceTypes: "x", expiresOn: EXPIRY }),
    ).toThrow(InvalidInputError);
  });
});
