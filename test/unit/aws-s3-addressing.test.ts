import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { awsEndpoint, partitionOf } from "../../src/providers/aws/endpoints.js";
import {
  canUseVirtualHost,
  encodeS3Key,
  s3Address,
  virtualHostProblem,
} from "../../src/providers/aws/s3-addressing.js";

describe("AWS partitions and endpoints", () => {
  it("puts regions in partitions by name", () => {
    expect(partitionOf("eu-west-1").id).toBe("aws");
    expect(partitionOf("us-gov-west-1").id).toBe("aws-us-gov");
    expect(partitionOf("cn-north-1").dnsSuffix).toBe("amazonaws.com.cn");
    expect(partitionOf("us-iso-east-1").dnsSuffix).toBe("c2s.ic.gov");
    expect(partitionOf("us-isob-east-1").dnsSuffix).toBe("sc2s.sgov.gov");
    // A region no rule knows yet is taken as commercial, as AWS's SDKs do.
    expect(partitionOf("xx-newplace-7").id).toBe("aws");
  });

  it("refuses malformed region names", () => {
    for (const bad of ["", "EU-WEST-1", "eu west 1", "eu-west-1/", "-eu"]) {
      expect(() => partitionOf(bad)).toThrow(InvalidInputError);
    }
  });

  it("builds regional, FIPS, dual-stack and global endpoints", () => {
    expect(awsEndpoint("ec2", "eu-west-1").url).toBe("https://ec2.eu-west-1.amazonaws.com");
    expect(awsEndpoint("ec2", "eu-west-1", { fips: true }).hostname).toBe("ec2-fips.eu-west-1.amazonaws.com");
    expect(awsEndpoint("ec2", "eu-west-1", { dualstack: true }).hostname).toBe("ec2.eu-west-1.api.aws");
    expect(awsEndpoint("s3", "eu-west-1", { dualstack: true }).hostname).toBe(
      "s3.dualstack.eu-west-1.amazonaws.com",
    );
    expect(awsEndpoint("route53", "eu-west-1")).toMatchObject({
      hostname: "route53.amazonaws.com",
      signingRegion: "us-east-1",
    });
    expect(awsEndpoint("iam", "cn-northwest-1")).toMatchObject({
      hostname: "iam.cn-north-1.amazonaws.com.cn",
      signingRegion: "cn-north-1",
    });
    expect(() => awsEndpoint("ec2", "us-iso-east-1", { dualstack: true })).toThrow(InvalidInputError);
  });
});

describe("S3 addressing", () => {
  it("knows which bucket names can be DNS labels", () => {
    for (const ok of ["abc", "my-bucket", "my.bucket.name", "a1b2", "x".repeat(63)]) {
      expect(virtualHostProblem(ok), ok).toBeUndefined();
    }
    for (const bad of [
      "ab",
      "x".repeat(64),
      "My-Bucket",
      "my_bucket",
      "-abc",
      "abc-",
      "a..b",
      "a.-b",
      "192.168.1.1",
    ]) {
      expect(virtualHostProblem(bad), bad).toBeDefined();
    }
  });

  it("forces path style for dotted buckets over TLS only", () => {
    expect(canUseVirtualHost("my.bucket", true)).toBe(false);
    expect(canUseVirtualHost("my.bucket", false)).toBe(true);
    expect(canUseVirtualHost("my-bucket", true)).toBe(true);
  });

  it("uses virtual-hosted style on AWS when it can, path style when it cannot", () => {
    expect(s3Address({ region: "eu-west-1" }, "my-bucket", "photos/a b+c.jpg").url.href).toBe(
      "https://my-bucket.s3.eu-west-1.amazonaws.com/photos/a%20b%2Bc.jpg",
    );
    const dotted = s3Address({ region: "eu-west-1" }, "my.bucket", "k");
    expect(dotted.style).toBe("path");
    expect(dotted.url.href).toBe("https://s3.eu-west-1.amazonaws.com/my.bucket/k");
    expect(s3Address({ region: "us-east-1" }, "Legacy_Bucket").url.href).toBe(
      "https://s3.us-east-1.amazonaws.com/Legacy_Bucket",
    );
    expect(s3Address({ region: "eu-west-1", addressing: "path" }, "my-bucket").url.href).toBe(
      "https://s3.eu-west-1.amazonaws.com/my-bucket",
    );
    expect(s3Address({ region: "cn-north-1", dualstack: true }, "b-1", "k").url.host).toBe(
      "b-1.s3.dualstack.cn-north-1.amazonaws.com.cn",
    );
  });

  it("uses path style on custom endpoints unless told otherwise, keeping the endpoint's own path", () => {
    expect(
      s3Address({ region: "us-east-1", endpoint: "http://127.0.0.1:9000" }, "bucket", "a/b").url.href,
    ).toBe("http://127.0.0.1:9000/bucket/a/b");
    expect(
      s3Address({ region: "us-east-1", endpoint: "https://gw.example.com/s3/" }, "bucket", "k").url.href,
    ).toBe("https://gw.example.com/s3/bucket/k");
    expect(
      s3Address(
        { region: "us-east-1", endpoint: "https://minio.example.com", addressing: "virtual" },
        "bucket",
        "k",
      ).url.href,
    ).toBe("https://bucket.minio.example.com/k");
    expect(() =>
      s3Address({ region: "us-east-1", endpoint: "http://127.0.0.1:9000", addressing: "virtual" }, "bucket"),
    ).toThrow(InvalidInputError);
    expect(() => s3Address({ region: "us-east-1", addressing: "virtual" }, "Bad_Name")).toThrow(
      /virtual-hosted/,
    );
  });

  it("encodes keys once and refuses dot segments URLs would resolve away", () => {
    expect(encodeS3Key("a/b c/ü/!'()*")).toBe("a/b%20c/%C3%BC/%21%27%28%29%2A");
    expect(encodeS3Key("a//b/")).toBe("a//b/");
    for (const bad of ["a/../b", "./x", "a/.", "a/%2E/b"])
      expect(() => encodeS3Key(bad)).toThrow(InvalidInputError);
    expect(() => s3Address({ region: "eu-west-1" }, "")).toThrow(InvalidInputError);
    expect(() => s3Address({ region: "eu-west-1", endpoint: "not a url" }, "b")).toThrow(InvalidInputError);
  });
});
