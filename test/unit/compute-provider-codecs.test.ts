/**
 * The pure pieces of the ec2, digitalocean and openstack compute drivers: EC2's query serialisation and
 * error classes, state maps, DigitalOcean's tag spelling and key fingerprints, and the OpenStack service
 * error reader (Nova's wrapped JSON, Glance's text pages).
 */
import { describe, expect, it } from "vitest";
import { NODE_STATES } from "../../src/compute/states.js";
import { ec2ErrorKind, parseEc2Error } from "../../src/providers/aws/ec2-errors.js";
import { Ec2Params, formEncode, maxResults } from "../../src/providers/aws/ec2-query.js";
import { mapInstanceState } from "../../src/providers/aws/ec2-states.js";
import { parseDigitalOceanError } from "../../src/providers/digitalocean/api-errors.js";
import { md5Fingerprint } from "../../src/providers/digitalocean/compute-keys.js";
import {
  mapDropletStatus,
  recordToTags,
  tagsToRecord,
} from "../../src/providers/digitalocean/compute-parse.js";
import { dropletTags, tokenTag } from "../../src/providers/digitalocean/droplets.js";
import { parseOpenStackServiceError } from "../../src/providers/openstack/compute-errors.js";
import { isPrivateAddress, mapServerState } from "../../src/providers/openstack/nova-parse.js";

const answer = (status: number, body: string) => ({ status, headers: {}, body: Buffer.from(body) });

describe("EC2 query serialisation", () => {
  it("flattens lists from 1, spells filters and tag specifications, and puts Action and Version first", () => {
    const body = new Ec2Params()
      .list("InstanceId", ["i-1", "i-2"])
      .filters({ "tag:Name": ["a b", "c"] })
      .tagSpecification(["instance", "volume"], { Name: "x&y" })
      .set("DryRun", false)
      .set("Skipped", undefined)
      .body("DescribeInstances", "2016-11-15");
    expect(body.split("&")).toEqual([
      "Action=DescribeInstances",
      "Version=2016-11-15",
      "InstanceId.1=i-1",
      "InstanceId.2=i-2",
      "Filter.1.Name=tag%3AName",
      "Filter.1.Value.1=a%20b",
      "Filter.1.Value.2=c",
      "TagSpecification.1.ResourceType=instance",
      "TagSpecification.1.Tag.1.Key=Name",
      "TagSpecification.1.Tag.1.Value=x%26y",
      "TagSpecification.2.ResourceType=volume",
      "TagSpecification.2.Tag.1.Key=Name",
      "TagSpecification.2.Tag.1.Value=x%26y",
      "DryRun=false",
    ]);
  });

  it("percent-encodes everything but RFC 3986's unreserved characters", () => {
    expect(formEncode("a-b_c.d~e !'()*/+=")).toBe("a-b_c.d~e%20%21%27%28%29%2A%2F%2B%3D");
  });

  it("keeps MaxResults inside the call's bounds", () => {
    expect(maxResults(undefined, 5, 1000)).toBe(1000);
    expect(maxResults(2, 5, 1000)).toBe(5);
    expect(maxResults(5000, 5, 100)).toBe(100);
  });
});

describe("EC2 errors and states", () => {
  it("classes codes by table and by family", () => {
    expect(ec2ErrorKind("InvalidVolume.NotFound")).toBe("NotFound");
    expect(ec2ErrorKind("InvalidGroup.Duplicate")).toBe("AlreadyExists");
    expect(ec2ErrorKind("InvalidInstanceID.Malformed")).toBe("InvalidInput");
    expect(ec2ErrorKind("InvalidParameterValue.Something")).toBe("InvalidInput");
    expect(ec2ErrorKind("IdempotentParameterMismatch")).toBe("AlreadyExists");
    expect(ec2ErrorKind("InstanceLimitExceeded")).toBeUndefined();
  });

  it("reads the error document, entities and request id included", () => {
    const parsed = parseEc2Error(
      answer(
        400,
        "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>Value (a &amp; b) is bad</Message></Error></Errors><RequestID>r-1</RequestID></Response>",
      ),
    );
    expect(parsed).toEqual({
      code: "InvalidParameterValue",
      message: "Value (a & b) is bad",
      requestId: "r-1",
      kind: "InvalidInput",
    });
    expect(parseEc2Error(answer(503, ""))).toBeUndefined();
  });

  it("maps every instance state to a portable one", () => {
    for (const s of ["pending", "running", "stopping", "stopped", "shutting-down", "terminated"]) {
      expect(NODE_STATES).toContain(mapInstanceState(s));
      expect(mapInstanceState(s)).not.toBe("unknown");
    }
    expect(mapInstanceState("hibernating-someday")).toBe("unknown");
  });
});

describe("DigitalOcean", () => {
  it("spells portable tags as DigitalOcean tags and back, hiding the token tag", () => {
    expect(recordToTags({ env: "prod", blue: "" })).toEqual(["env:prod", "blue"]);
    expect(tagsToRecord(["env:prod:eu", "blue", tokenTag("t")])).toEqual({ env: "prod:eu", blue: "" });
    expect(dropletTags("digitalocean", { a: "b" }, "t")).toEqual(["a:b", tokenTag("t")]);
    expect(() => dropletTags("digitalocean", { "a b": "c" }, "t")).toThrow(/not valid/);
    expect(tokenTag("t")).toMatch(/^omnicloud-token:[0-9a-f]{32}$/);
  });

  it("computes the MD5 fingerprint DigitalOcean shows for a public key", () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHcqpFj9KjvCUtJ5o5Xh0mz2dhIPLLTDgZ5qYqWm9kYh c";
    expect(md5Fingerprint(key)).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  });

  it("maps statuses and error documents", () => {
    expect(["new", "active", "off", "archive"].map(mapDropletStatus)).toEqual([
      "pending",
      "running",
      "stopped",
      "terminated",
    ]);
    expect(
      parseDigitalOceanError(answer(404, '{"id":"not_found","message":"gone","request_id":"r"}')),
    ).toEqual({
      code: "not_found",
      message: "gone",
      requestId: "r",
      kind: "NotFound",
    });
    expect(parseDigitalOceanError(answer(401, '{"id":"","message":"Unable to authenticate you."}'))).toEqual({
      message: "Unable to authenticate you.",
    });
  });
});

describe("OpenStack services", () => {
  it("reads Nova's wrapped errors and tells a taken name from a state conflict", () => {
    expect(
      parseOpenStackServiceError(answer(404, '{"itemNotFound": {"message": "x", "code": 404}}')),
    ).toEqual({
      code: "itemNotFound",
      message: "x",
      kind: "NotFound",
    });
    expect(
      parseOpenStackServiceError(
        answer(409, '{"conflictingRequest": {"message": "Key pair \'k\' already exists."}}'),
      )?.kind,
    ).toBe("AlreadyExists");
    expect(
      parseOpenStackServiceError(answer(413, '{"overLimit": {"message": "Quota exceeded for cores"}}'))?.kind,
    ).toBe("Provider");
    expect(
      parseOpenStackServiceError(answer(413, '{"overLimit": {"message": "Rate limit exceeded"}}'))?.kind,
    ).toBe("RateLimit");
  });

  it("reads Glance's text pages", () => {
    expect(
      parseOpenStackServiceError(answer(404, "404 Not Found\n\nNo image found with ID x\n\n   ")),
    ).toEqual({
      message: "No image found with ID x",
    });
    expect(
      parseOpenStackServiceError(
        answer(409, "<html><body><h1>409 Conflict</h1>Image with identifier x already exists</body></html>"),
      )?.kind,
    ).toBe("AlreadyExists");
  });

  it("maps server states with the task state first, and sorts addresses", () => {
    expect(mapServerState("SHUTOFF", "powering-on")).toBe("starting");
    expect(mapServerState("ACTIVE", "powering-off")).toBe("stopping");
    expect(mapServerState("ACTIVE", "spawning")).toBe("running");
    expect(mapServerState("HARD_REBOOT")).toBe("rebooting");
    expect(mapServerState("whatever")).toBe("unknown");
    expect(
      ["10.0.0.1", "172.20.1.1", "192.168.1.1", "100.64.0.1", "fd00::1", "fe80::1"].every(isPrivateAddress),
    ).toBe(true);
    expect(["8.8.8.8", "172.32.0.1", "2001:db8::1"].some(isPrivateAddress)).toBe(false);
  });
});
