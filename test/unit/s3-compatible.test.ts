import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { findProvider } from "../../src/core/registry.js";
import "../../src/providers/builtin.js";
import type { S3Driver } from "../../src/providers/aws/s3.js";
import { compatibleOptions, S3_COMPATIBLE } from "../../src/providers/aws/s3-compatible.js";
import { bucketNameProblem } from "../../src/providers/aws/s3-names.js";
import { decodeMetaValue, encodeMetaValue, extrasHeaders } from "../../src/providers/aws/s3-requests.js";
import { openStorage } from "../../src/storage/index.js";
import type { CopyOptions } from "../../src/storage/types.js";

const keys = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

describe("S3-compatible named providers", () => {
  it("fill in each service's endpoint, signing region and addressing", () => {
    const cases: Array<[string, Record<string, string>, string, string, string]> = [
      ["r2", { accountId: "abc123" }, "https://abc123.r2.cloudflarestorage.com", "auto", "path"],
      [
        "r2",
        { accountId: "abc123", jurisdiction: "eu" },
        "https://abc123.eu.r2.cloudflarestorage.com",
        "auto",
        "path",
      ],
      ["digitalocean-spaces", { region: "nyc3" }, "https://nyc3.digitaloceanspaces.com", "nyc3", "path"],
      [
        "backblaze-b2",
        { region: "us-west-004" },
        "https://s3.us-west-004.backblazeb2.com",
        "us-west-004",
        "path",
      ],
      ["wasabi", {}, "https://s3.us-east-1.wasabisys.com", "us-east-1", "path"],
      ["wasabi", { region: "eu-central-2" }, "https://s3.eu-central-2.wasabisys.com", "eu-central-2", "path"],
      ["scaleway", { region: "fr-par" }, "https://s3.fr-par.scw.cloud", "fr-par", "path"],
      ["ovh", { region: "gra" }, "https://s3.gra.io.cloud.ovh.net", "gra", "path"],
      ["linode", { region: "us-east-1" }, "https://us-east-1.linodeobjects.com", "us-east-1", "virtual"],
      [
        "alibaba-oss",
        { region: "cn-hangzhou" },
        "https://s3.oss-cn-hangzhou.aliyuncs.com",
        "cn-hangzhou",
        "virtual",
      ],
      ["minio", { endpoint: "http://127.0.0.1:9000" }, "http://127.0.0.1:9000", "us-east-1", "path"],
      ["ceph", { endpoint: "http://127.0.0.1:21480" }, "http://127.0.0.1:21480", "us-east-1", "path"],
    ];
    for (const [name, options, endpoint, region, addressing] of cases) {
      const o = compatibleOptions(name, options);
      expect(o, name).toMatchObject({ provider: name, endpoint, region, addressing, awsBucketRules: false });
    }
    expect(Object.keys(S3_COMPATIBLE).sort()).toEqual([
      "alibaba-oss",
      "backblaze-b2",
      "ceph",
      "digitalocean-spaces",
      "linode",
      "minio",
      "ovh",
      "r2",
      "scaleway",
      "wasabi",
    ]);
  });

  it("carry each service's own limits and CDN URLs", async () => {
    expect(compatibleOptions("scaleway", { region: "nl-ams" }).multipart).toEqual({ maxParts: 1000 });
    const spaces = await openStorage<S3Driver>("digitalocean-spaces", { region: "ams3", credentials: keys });
    expect(spaces.publicUrl("my-space", "a b/c.png").href).toBe(
      "https://my-space.ams3.cdn.digitaloceanspaces.com/a%20b/c.png",
    );
    const scw = await openStorage<S3Driver>("scaleway", { region: "pl-waw", credentials: keys });
    expect(scw.as<S3Driver>("scaleway").multipart.limits.maxParts).toBe(1000);
    await spaces.close();
    await scw.close();
  });

  it("address buckets as each service serves them", async () => {
    const linode = await openStorage<S3Driver>("linode", { region: "eu-central-1", credentials: keys });
    expect(linode.publicUrl("photos", "x.jpg").href).toBe(
      "https://photos.eu-central-1.linodeobjects.com/x.jpg",
    );
    const oss = await openStorage<S3Driver>("alibaba-oss", { region: "cn-shanghai", credentials: keys });
    expect(oss.publicUrl("photos", "x.jpg").href).toBe(
      "https://photos.s3.oss-cn-shanghai.aliyuncs.com/x.jpg",
    );
    const r2 = await openStorage<S3Driver>("r2", { accountId: "acc1", credentials: keys });
    const signed = await r2.signedUrl("photos", "x.jpg", { expiresIn: 60 });
    expect(signed.origin).toBe("https://acc1.r2.cloudflarestorage.com");
    expect(signed.pathname).toBe("/photos/x.jpg");
    expect(signed.searchParams.get("X-Amz-Credential")).toMatch(/\/auto\/s3\/aws4_request$/);
    expect(r2.provider).toBe("r2");
    // A store of any driver can be the target of a copy between providers (a type-level check).
    const target: CopyOptions<unknown>["to"] = r2;
    expect(target).toBe(r2);
    expect(r2.as<S3Driver>("r2").region).toBe("auto");
    for (const s of [linode, oss, r2]) await s.close();
  });

  it("refuse missing or unsafe settings before any request", () => {
    expect(() => compatibleOptions("r2", {})).toThrow(InvalidInputError);
    expect(() => compatibleOptions("scaleway", {})).toThrow(/needs options.region/);
    expect(() => compatibleOptions("minio", {})).toThrow(/needs options.endpoint/);
    expect(() => compatibleOptions("wasabi", { region: "evil.com/x" })).toThrow(InvalidInputError);
    expect(() => compatibleOptions("r2", { accountId: "a.b" })).toThrow(InvalidInputError);
  });

  it("are registered lazily under their names and aliases", () => {
    for (const name of ["s3", "r2", "cloudflare-r2", "b2", "spaces", "radosgw", "oss"]) {
      expect(findProvider("storage", name).service).toBe("storage");
    }
  });
});

describe("S3 request details", () => {
  it("addresses AWS buckets virtual-hosted when the name allows, path style otherwise", async () => {
    const s3 = await openStorage<S3Driver>("s3", {
      region: "eu-west-1",
      credentials: keys,
      storageClass: "STANDARD_IA",
    });
    expect(s3.publicUrl("my-bucket", "a/b c.txt").href).toBe(
      "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b%20c.txt",
    );
    expect(s3.publicUrl("my.dotted.bucket", "k").href).toBe(
      "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k",
    );
    const driver = s3.as<S3Driver>("s3");
    // Store defaults and per-call extras merge, the call winning.
    expect(driver.writeExtras({ encryption: { type: "AES256" } })).toEqual({
      storageClass: "STANDARD_IA",
      encryption: { type: "AES256" },
    });
    expect(driver.verifiedChecksums).toEqual(["md5", "sha256"]);
    expect(s3.capabilities).toMatchObject({
      multipart: true,
      serverSideCopy: true,
      batchDelete: true,
      signedUrls: true,
    });
    await s3.close();
  });

  it("checks bucket names by S3's rules", () => {
    expect(bucketNameProblem("my-bucket.2026", true)).toBeUndefined();
    expect(bucketNameProblem("ab", true)).toMatch(/3 to 63/);
    expect(bucketNameProblem("Upper", true)).toMatch(/lower-case/);
    expect(bucketNameProblem("-dash", true)).toMatch(/start and end/);
    expect(bucketNameProblem("a..b", true)).toMatch(/two dots/);
    expect(bucketNameProblem("192.168.1.1", true)).toMatch(/IP/);
    expect(bucketNameProblem("xn--abc", true)).toMatch(/reserved/);
    expect(bucketNameProblem("xn--abc", false)).toBeUndefined();
  });

  it("sends non-ASCII metadata as RFC 2047 words and reads them back", () => {
    expect(encodeMetaValue("plain")).toBe("plain");
    const encoded = encodeMetaValue("Grüße");
    expect(encoded).toMatch(/^=\?UTF-8\?B\?.*\?=$/);
    expect(decodeMetaValue(encoded)).toBe("Grüße");
    expect(decodeMetaValue("=?UTF-8?Q?Gr=C3=BC=C3=9Fe_x?=")).toBe("Grüße x");
  });

  it("maps encryption, storage class, ACL and tags to S3's headers", () => {
    expect(
      extrasHeaders({
        encryption: { type: "aws:kms", keyId: "alias/k", context: { a: "b" }, bucketKey: true },
        storageClass: "GLACIER_IR",
        acl: "bucket-owner-full-control",
        tags: { team: "a b", env: "prod" },
      }),
    ).toEqual({
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id": "alias/k",
      "x-amz-server-side-encryption-context": Buffer.from('{"a":"b"}').toString("base64"),
      "x-amz-server-side-encryption-bucket-key-enabled": "true",
      "x-amz-storage-class": "GLACIER_IR",
      "x-amz-acl": "bucket-owner-full-control",
      "x-amz-tagging": "team=a+b&env=prod",
    });
    expect(extrasHeaders({ encryption: { type: "AES256" } })).toEqual({
      "x-amz-server-side-encryption": "AES256",
    });
    expect(() => extrasHeaders({ encryption: { type: "nope" } as never })).toThrow(InvalidInputError);
  });
});
