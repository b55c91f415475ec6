import { expect, it } from "vitest";
import { readJson } from "../../src/core/codec/read.js";
import { readXml } from "../../src/core/codec/xml.js";
import { ProviderError } from "../../src/core/errors.js";
import { paginateByMarker, paginateByToken } from "../../src/core/pagination.js";
import { describeShared, readShared } from "../support/shared.js";

// Real responses recorded by Apache Libcloud's test suite, read through omnicloud's codecs.
const s3 = (file: string) => readShared("fixtures/libcloud/storage/s3", file);
const ec2 = (file: string) => readShared("fixtures/libcloud/compute/ec2", file);

describeShared("codecs on recorded provider responses", () => {
  it("reads S3 ListAllMyBuckets", () => {
    const doc = readXml(s3("list_containers.xml"), { provider: "s3", operation: "ListBuckets" });
    const root = doc.at("ListAllMyBucketsResult");
    expect(root.str("@_xmlns")).toBe("http://s3.amazonaws.com/doc/2006-03-01/");
    expect(root.str("Owner.ID")).toBe("af4rf45db0927637c66fb848dfc972b8b5126e1237bde6fe02862b11481fdfd9");
    expect(root.str("Owner.DisplayName")).toBe("foobar");
    const buckets = root
      .list("Buckets.Bucket")
      .map((b) => ({ name: b.str("Name"), created: b.date("CreationDate") }));
    expect(buckets).toEqual([
      { name: "test1", created: new Date("2011-04-09T12:34:49.000Z") },
      { name: "test2", created: new Date("2011-02-09T12:34:49.000Z") },
    ]);
  });

  it("reads an empty S3 bucket list as no buckets", () => {
    const doc = readXml(s3("list_containers_empty.xml"), { provider: "s3", operation: "ListBuckets" });
    expect(doc.list("ListAllMyBucketsResult.Buckets.Bucket")).toEqual([]);
  });

  it("reads S3 ListObjects with one object: single element as a one-item list, values as strings", () => {
    const doc = readXml(s3("list_container_objects.xml"), { provider: "s3", operation: "ListObjects" });
    const result = doc.at("ListBucketResult");
    expect(result.str("Name")).toBe("test_container");
    expect(result.str("Prefix")).toBe("");
    expect(result.int("MaxKeys")).toBe(1000);
    expect(result.bool("IsTruncated")).toBe(false);
    const [object, ...rest] = result.list("Contents");
    expect(rest).toEqual([]);
    expect(object!.str("Key")).toBe("1.zip");
    expect(object!.str("ETag")).toBe('"4397da7a7649e8085de9916c240e8166"');
    expect(object!.int("Size")).toBe(1234567);
    expect(object!.date("LastModified").toISOString()).toBe("2011-04-09T19:05:18.000Z");
    expect(object!.str("StorageClass")).toBe("STANDARD");
    expect(() => result.str("NextMarker")).toThrow(
      "s3 ListObjects: the response has no ListBucketResult.NextMarker",
    );
  });

  it("reads an S3 listing with no Contents as empty", () => {
    const doc = readXml(s3("list_container_objects_empty.xml"), { provider: "s3", operation: "ListObjects" });
    expect(doc.list("ListBucketResult.Contents")).toEqual([]);
  });

  it("pages through a truncated S3 ListObjects by the last key, as S3 sends no NextMarker", async () => {
    const pages: Record<string, string> = {
      "": "list_container_objects_not_exhausted1.xml",
      "3.zip": "list_container_objects_not_exhausted2.xml",
    };
    const markers: (string | undefined)[] = [];
    const list = paginateByMarker({
      what: "s3 ListObjects of test_container",
      fetch: async (marker) => {
        markers.push(marker);
        const result = readXml(s3(pages[marker ?? ""]!), { provider: "s3", operation: "ListObjects" }).at(
          "ListBucketResult",
        );
        return {
          items: result.list("Contents").map((c) => ({ key: c.str("Key"), size: c.int("Size") })),
          isTruncated: result.bool("IsTruncated"),
          nextMarker: result.optStr("NextMarker"),
        };
      },
      keyOf: (o) => o.key,
    });
    expect((await list.toArray()).map((o) => o.key)).toEqual(["1.zip", "2.zip", "3.zip", "4.zip", "5.zip"]);
    expect(markers).toEqual([undefined, "3.zip"]);
  });

  it("reads nested EC2 DescribeInstances item sets, keeping account ids as strings", () => {
    const doc = readXml(ec2("describe_instances.xml"), { provider: "ec2", operation: "DescribeInstances" });
    const reservations = doc.list("DescribeInstancesResponse.reservationSet.item");
    expect(reservations.length).toBeGreaterThan(0);
    const first = reservations[0]!;
    expect(first.str("reservationId")).toBe("r-fd67fb97");
    expect(first.str("ownerId")).toBe("123456789098");
    expect(first.list("groupSet.item")).toEqual([]);
    const instance = first.list("instancesSet.item")[0]!;
    expect(instance.str("instanceId")).toBe("i-4382922a");
    expect(instance.str("instanceState.name")).toBe("stopped");
    expect(instance.int("instanceState.code")).toBe(80);
    expect(instance.str("privateDnsName")).toBe("");
    expect(instance.date("launchTime").toISOString()).toBe("2013-12-02T11:58:11.000Z");
    expect(instance.strings("groupSet.item.0.groupName")).toEqual(["Test Group 1"]);
    expect(instance.list("groupSet.item").map((g) => g.str("groupId"))).toEqual([
      "sg-42916629",
      "sg-42916628",
    ]);
  });

  it.each([
    [
      "describe_key_pairs_doesnt_exist.xml",
      "InvalidKeyPair.NotFound",
      "The key pair 'test-key-pair' does not exist",
      "31b97300-eb8e-405e-9567-b0f57b791fed",
    ],
    [
      "run_instances_idem_mismatch.xml",
      "IdempotentParameterMismatch",
      "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
      "5dabd361-d2e0-4f79-937d-4b2852a3b719",
    ],
  ])("reads the EC2 error response %s", (file, code, message, requestId) => {
    const doc = readXml(ec2(file), { provider: "ec2", operation: "DescribeKeyPairs" });
    const [error, ...more] = doc.list("Response.Errors.Error");
    expect(more).toEqual([]);
    expect(error!.str("Code")).toBe(code);
    expect(error!.str("Message")).toBe(message);
    expect(doc.str("Response.RequestID")).toBe(requestId);
  });

  it("names the missing field on a real document read with the wrong expectations", () => {
    const doc = readXml(ec2("describe_key_pairs_doesnt_exist.xml"), {
      provider: "ec2",
      operation: "DescribeKeyPairs",
    });
    expect(() => doc.list("DescribeKeyPairsResponse.keySet.item")).not.toThrow();
    try {
      doc.str("DescribeKeyPairsResponse.requestId");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as Error).message).toBe(
        "ec2 DescribeKeyPairs: the response has no DescribeKeyPairsResponse.requestId",
      );
    }
  });

  it("pages through Vultr v2 images by the body's meta.links.next token, ending on ''", async () => {
    const files: Record<string, string> = {
      "": "list_images_paginated_1.json",
      bmV4dF9fMjMw: "list_images_paginated_2.json",
      bmV4dF9fNDAx: "list_images_paginated_3.json",
    };
    let total: number | undefined;
    const list = paginateByToken({
      what: "vultr ListImages",
      fetch: async (cursor) => {
        const body = readShared("fixtures/libcloud/compute/vultr_v2", files[cursor ?? ""]!);
        const doc = readJson(body, { provider: "vultr", operation: "ListImages" });
        total = doc.int("meta.total");
        return {
          items: doc.list("os").map((os) => ({ id: os.id("id"), name: os.str("name") })),
          nextToken: doc.optStr("meta.links.next"),
        };
      },
    });
    const images = await list.toArray();
    expect(images).toHaveLength(30);
    expect(images).toHaveLength(total!);
    expect(images[0]).toEqual({ id: "124", name: "Windows 2012 R2 x64" });
    expect(images.at(-1)).toEqual({ id: "477", name: "Debian 11 x64 (bullseye)" });
  });
});
