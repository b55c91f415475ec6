/**
 * The ec2 compute driver replayed from libcloud's recorded EC2 answers ($OMNICLOUD_SHARED/fixtures/libcloud/
 * compute/ec2) through an undici MockAgent, through the portable Compute API, with EVERY request it makes
 * checked against EC2's API model ($OMNICLOUD_SHARED/specs/aws-models/ec2/2016-11-15/service-2.json): the
 * Action exists, every parameter is a member of the input shape under the ec2 query rules, values have
 * their types' form and required members are present. Answers the fixtures lack (AWS-format instance
 * types, regions, a second page, throttling) are written here, say so, and are themselves checked
 * against the model's output shapes.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Compute } from "../../src/compute/compute.js";
import { UnsupportedOperationError } from "../../src/compute/errors.js";
import { openCompute } from "../../src/compute/open.js";
import { parseXml } from "../../src/core/codec/xml.js";
import {
  AlreadyExistsError,
  AuthError,
  InvalidInputError,
  NotFoundError,
  type OmnicloudError,
  PermissionError,
  RateLimitError,
} from "../../src/core/errors.js";
import { createEc2Compute, type Ec2Compute } from "../../src/providers/aws/ec2.js";
import { reportCounts } from "../support/counts.js";
import { describeShared, sharedPath } from "../support/shared.js";
import { type Ec2Reply, type Ec2Seen, ec2Error, type MockEc2, mockEc2 } from "./ec2-mock.js";
import { checkEc2Request, checkEc2Response, type Ec2Model } from "./ec2-model.js";

const REGION = "eu-west-1";
const ORIGIN = "https://ec2.eu-west-1.amazonaws.com";
const OTHER_ORIGIN = "https://ec2.us-east-1.amazonaws.com";
const NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
const SSH_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHcqpFj9KjvCUtJ5o5Xh0mz2dhIPLLTDgZ5qYqWm9kYh ann@example";

/** Every recording the mock answered with, for the output-shape check at the end. */
const replayed = new Set<string>();
const fixture = (name: string): string => {
  replayed.add(name);
  return readFileSync(sharedPath("fixtures/libcloud/compute/ec2", name), "utf8");
};

/**
 * Where libcloud's recordings differ from today's output shapes: elements of older API versions (or of
 * other EC2-compatible clouds) that EC2's model no longer names. The driver ignores them; anything else is
 * a failure.
 */
const RECORDED_DRIFT: Record<string, string[]> = {
  "describe_images.xml": ["<billingProducts> is not a member of Image"],
  "describe_images_ex_imageids.xml": ["<billingProducts> is not a member of Image"],
  "run_instances.xml": ["<enabled> is not a member of Monitoring"],
  "run_instances_idem.xml": ["<enabled> is not a member of Monitoring"],
  "run_instances_iam_profile.xml": ["<enabled> is not a member of Monitoring"],
  "run_instances_spot.xml": ["<enabled> is not a member of Monitoring"],
  "terminate_instances.xml": ["<shutdownState> is not a member of InstanceStateChange"],
};

/** Written here, in AWS's format (libcloud's recording is Eucalyptus's): two pages of instance types. */
const INSTANCE_TYPES_1 = `<DescribeInstanceTypesResponse ${NS}><requestId>t1</requestId><instanceTypeSet><item><instanceType>t3.micro</instanceType><currentGeneration>true</currentGeneration><vCpuInfo><defaultVCpus>2</defaultVCpus><defaultCores>1</defaultCores></vCpuInfo><memoryInfo><sizeInMiB>1024</sizeInMiB></memoryInfo></item><item><instanceType>m5d.large</instanceType><vCpuInfo><defaultVCpus>2</defaultVCpus></vCpuInfo><memoryInfo><sizeInMiB>8192</sizeInMiB></memoryInfo><instanceStorageSupported>true</instanceStorageSupported><instanceStorageInfo><totalSizeInGB>75</totalSizeInGB></instanceStorageInfo></item></instanceTypeSet><nextToken>types-2</nextToken></DescribeInstanceTypesResponse>`;
const INSTANCE_TYPES_2 = `<DescribeInstanceTypesResponse ${NS}><requestId>t2</requestId><instanceTypeSet><item><instanceType>m1.small</instanceType><vCpuInfo><defaultVCpus>1</defaultVCpus></vCpuInfo><memoryInfo><sizeInMiB>1740</sizeInMiB></memoryInfo></item></instanceTypeSet></DescribeInstanceTypesResponse>`;
/** Written here: DescribeRegions (no libcloud recording). */
const REGIONS = `<DescribeRegionsResponse ${NS}><requestId>r</requestId><regionInfo><item><regionName>eu-west-1</regionName><regionEndpoint>ec2.eu-west-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item><item><regionName>af-south-1</regionName><regionEndpoint>ec2.af-south-1.amazonaws.com</regionEndpoint><optInStatus>not-opted-in</optInStatus></item></regionInfo></DescribeRegionsResponse>`;
/** Written here: the second page of a DescribeInstances, and a terminated instance on it. */
const INSTANCES_2 = `<DescribeInstancesResponse ${NS}><requestId>p2</requestId><reservationSet><item><reservationId>r-page2</reservationId><ownerId>1</ownerId><instancesSet><item><instanceId>i-page2</instanceId><imageId>ami-1</imageId><instanceState><code>16</code><name>running</name></instanceState><instanceType>t3.micro</instanceType><placement><availabilityZone>eu-west-1a</availabilityZone></placement><tagSet><item><key>Name</key><value>second page</value></item></tagSet></item><item><instanceId>i-gone</instanceId><imageId>ami-1</imageId><instanceState><code>48</code><name>terminated</name></instanceState><instanceType>t3.micro</instanceType></item></instancesSet></item></reservationSet></DescribeInstancesResponse>`;
/** Written here: TerminateInstances on an instance that was terminated already. */
const TERMINATED_AGAIN = `<TerminateInstancesResponse ${NS}><requestId>x</requestId><instancesSet><item><instanceId>i-gone</instanceId><currentState><code>48</code><name>terminated</name></currentState><previousState><code>48</code><name>terminated</name></previousState></item></instancesSet></TerminateInstancesResponse>`;

const WRITTEN_HERE: Record<string, string> = {
  DescribeInstanceTypes: INSTANCE_TYPES_1,
  "DescribeInstanceTypes#2": INSTANCE_TYPES_2,
  DescribeRegions: REGIONS,
  "DescribeInstances#2": INSTANCES_2,
  TerminateInstances: TERMINATED_AGAIN,
};

/** libcloud's recordings by Action; the replies the default responder gives. */
function recorded(req: Ec2Seen): Ec2Reply | undefined {
  const p = req.params;
  const has = (prefix: string) => [...p.keys()].some((k) => k.startsWith(prefix));
  switch (req.action) {
    case "DescribeInstances":
      if (p.get("NextToken") === "instances-2") return { body: INSTANCES_2 };
      // The first page, with a token added so the listing must follow it.
      return {
        body: has("InstanceId.")
          ? fixture("describe_instances.xml")
          : fixture("describe_instances.xml").replace(
              "</DescribeInstancesResponse>",
              "<nextToken>instances-2</nextToken></DescribeInstancesResponse>",
            ),
      };
    case "RunInstances":
      return {
        body: fixture(
          p.get("ClientToken") === "testclienttoken" ? "run_instances_idem.xml" : "run_instances.xml",
        ),
      };
    case "StartInstances":
      return { body: fixture("start_instances.xml") };
    case "StopInstances":
      return { body: fixture("stop_instances.xml") };
    case "RebootInstances":
      return { body: fixture("reboot_instances.xml") };
    case "TerminateInstances":
      return {
        body: p.get("InstanceId.1") === "i-gone" ? TERMINATED_AGAIN : fixture("terminate_instances.xml"),
      };
    case "DescribeInstanceTypes":
      return { body: p.get("NextToken") === "types-2" ? INSTANCE_TYPES_2 : INSTANCE_TYPES_1 };
    case "DescribeImages":
      return { body: fixture(has("ImageId.") ? "describe_images_ex_imageids.xml" : "describe_images.xml") };
    case "CreateImage":
      return { body: fixture("create_image.xml") };
    case "DeregisterImage":
      return { body: fixture("deregister_image.xml") };
    case "CopyImage":
      return { body: fixture("copy_image.xml") };
    case "DescribeRegions":
      return { body: REGIONS };
    case "DescribeAvailabilityZones":
      return { body: fixture("describe_availability_zones.xml") };
    case "DescribeKeyPairs":
      return p.get("KeyName.1") === "test-key-pair"
        ? { status: 400, body: fixture("describe_key_pairs_doesnt_exist.xml") }
        : { body: fixture("describe_key_pairs.xml") };
    case "CreateKeyPair":
      return { body: fixture("create_key_pair.xml") };
    case "ImportKeyPair":
      return { body: fixture("import_key_pair.xml") };
    case "DeleteKeyPair":
      return { body: fixture("delete_key_pair.xml") };
    case "CreateVolume":
      return { body: fixture("create_volume.xml") };
    case "AttachVolume":
      return { body: fixture("attach_volume.xml") };
    case "DetachVolume":
      return { body: fixture("detach_volume.xml") };
    case "DeleteVolume":
      return { body: fixture("delete_volume.xml") };
    case "DescribeVolumes":
      return { body: fixture("describe_volumes.xml") };
    case "CreateSnapshot":
      return { body: fixture("create_snapshot.xml") };
    case "DescribeSnapshots":
      return { body: fixture("describe_snapshots.xml") };
    case "DeleteSnapshot":
      return { body: fixture("delete_snapshot.xml") };
    case "CreateTags":
      return { body: fixture("create_tags.xml") };
    default:
      return undefined;
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describeShared("ec2 replayed from libcloud's fixtures, every request checked against the API model", () => {
  let model: Ec2Model;
  let mock: MockEc2;
  let compute: Compute<Ec2Compute>;
  let ec2: Ec2Compute;
  const fixturesUsed = new Set<string>();

  const open = async (region = REGION, extra: Record<string, unknown> = {}): Promise<Compute<Ec2Compute>> =>
    new Compute(
      await createEc2Compute({
        region,
        credentials: {
          accessKeyId: "AKIDEXAMPLE",
          secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        },
        prices: { "t3.micro": 0.0114 },
        transport: { dispatcher: mock.agent, retry: false },
        ...extra,
      }),
    );

  /** The requests of one action made since `from`. */
  const sent = (action: string, from = 0): Ec2Seen[] =>
    mock.seen.slice(from).filter((r) => r.action === action);

  beforeAll(() => {
    model = JSON.parse(readFileSync(sharedPath("specs/aws-models/ec2/2016-11-15/service-2.json"), "utf8"));
    mock = mockEc2([ORIGIN, OTHER_ORIGIN], (req) => {
      const reply = recorded(req);
      if (reply) fixturesUsed.add(req.action);
      return reply;
    });
  });

  beforeEach(async () => {
    compute = await open();
    ec2 = compute.as<Ec2Compute>("ec2");
  });

  afterAll(async () => {
    await compute?.close();
    await mock?.close();
  });

  describe("nodes", () => {
    it("lists every instance across NextToken pages, named by the Name tag, terminated ones left out", async () => {
      const nodes = await collect(compute.listNodes());
      const first = sent("DescribeInstances").at(-2)!;
      expect(first.params.get("MaxResults")).toBe("1000");
      expect(sent("DescribeInstances").at(-1)!.params.get("NextToken")).toBe("instances-2");
      const ids = nodes.map((n) => n.id);
      expect(ids).toContain("i-4382922a");
      expect(ids).toContain("i-page2");
      expect(ids).not.toContain("i-gone");
      const stopped = nodes.find((n) => n.id === "i-4382922a")!;
      expect(stopped).toMatchObject({
        provider: "ec2",
        name: "i-4382922a",
        state: "stopped",
        providerState: "stopped",
        publicIps: ["1.2.3.4"],
        privateIps: ["10.211.11.211"],
        sizeId: "m1.small",
        imageId: "ami-3215fe5a",
        locationId: "us-east-1d",
      });
      expect(stopped.extra.keyName).toBe("fauxkey");
      expect(stopped.extra.securityGroups.map((g) => g.id)).toEqual(["sg-42916629", "sg-42916628"]);
      expect(stopped.extra.blockDevices).toEqual({ "/dev/sda1": "vol-5e312311" });
      const named = nodes.find((n) => n.name === "Test Server 2")!;
      expect(named.tags).toEqual({ Group: "VPC Test" });
      expect(nodes.find((n) => n.id === "i-page2")!.name).toBe("second page");
    });

    it("lists with EC2's own filters and ids through the escape hatch", async () => {
      const from = mock.seen.length;
      const all = await collect(
        ec2.listInstances({
          filters: { "instance-state-name": ["running", "stopped"], "tag:Group": "VPC Test" },
          includeTerminated: true,
        }),
      );
      expect(all.map((n) => n.id)).toContain("i-gone");
      const req = sent("DescribeInstances", from)[0]!;
      expect(req.params.get("Filter.1.Name")).toBe("instance-state-name");
      expect(req.params.get("Filter.1.Value.2")).toBe("stopped");
      expect(req.params.get("Filter.2.Name")).toBe("tag:Group");
      expect(req.params.get("Filter.2.Value.1")).toBe("VPC Test");
    });

    it("gets one instance by id without MaxResults, and says NotFound for unknown or terminated ones", async () => {
      const from = mock.seen.length;
      const node = await compute.getNode("i-4382922a");
      expect(node.state).toBe("stopped");
      const req = sent("DescribeInstances", from)[0]!;
      expect(req.params.get("InstanceId.1")).toBe("i-4382922a");
      expect(req.params.has("MaxResults")).toBe(false);
      mock.once(
        (r) => r.action === "DescribeInstances",
        ec2Error("InvalidInstanceID.NotFound", "The instance ID 'i-nope' does not exist"),
      );
      const missing = (await compute.getNode("i-nope").catch((e: unknown) => e)) as OmnicloudError;
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing.code).toBe("InvalidInstanceID.NotFound");
      expect(missing.requestId).toBe("req-InvalidInstanceID.NotFound");
      mock.once((r) => r.action === "DescribeInstances", { body: INSTANCES_2 });
      await expect(compute.getNode("i-gone")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("creates through the portable API: names resolved, ClientToken = clientToken, tags at launch", async () => {
      const from = mock.seen.length;
      const node = await compute.createNode({
        name: "web 1",
        size: "t3.micro",
        image: "ami-57ba933a",
        location: "eu-west-1b",
        auth: { keyPair: "example-key-name" },
        userData: "#cloud-config\n",
        tags: { team: "a & <b>" },
        clientToken: "token-123",
        extras: {
          subnetId: "subnet-1",
          securityGroupIds: ["sg-1", "sg-2"],
          iamInstanceProfile: { name: "web" },
          monitoring: true,
          shutdownBehavior: "terminate",
          spot: true,
        },
      });
      expect(node).toMatchObject({
        id: "i-2ba64342",
        name: "web 1",
        state: "pending",
        tags: { team: "a & <b>" },
      });
      const run = sent("RunInstances", from)[0]!.params;
      expect(run.get("ClientToken")).toBe("token-123");
      expect(run.get("ImageId")).toBe("ami-57ba933a");
      expect(run.get("InstanceType")).toBe("t3.micro");
      expect(run.get("KeyName")).toBe("example-key-name");
      expect(Buffer.from(run.get("UserData")!, "base64").toString()).toBe("#cloud-config\n");
      expect(run.get("Placement.AvailabilityZone")).toBe("eu-west-1b");
      expect(run.get("SecurityGroupId.2")).toBe("sg-2");
      expect(run.get("IamInstanceProfile.Name")).toBe("web");
      expect(run.get("Monitoring.Enabled")).toBe("true");
      expect(run.get("InstanceMarketOptions.MarketType")).toBe("spot");
      expect(run.get("TagSpecification.1.ResourceType")).toBe("instance");
      expect(run.get("TagSpecification.1.Tag.1.Key")).toBe("Name");
      expect(run.get("TagSpecification.1.Tag.1.Value")).toBe("web 1");
      expect(run.get("TagSpecification.1.Tag.2.Value")).toBe("a & <b>");
      expect(run.get("TagSpecification.2.ResourceType")).toBe("volume");
    });

    it("reads libcloud's other RunInstances recordings (instance profile, subnet and groups, spot)", async () => {
      const cases: [string, Record<string, unknown>][] = [
        ["run_instances_iam_profile.xml", { id: "i-2ba64343" }],
        ["run_instances_with_subnet_and_security_group.xml", {}],
        ["run_instances_spot.xml", {}],
      ];
      for (const [file, expected] of cases) {
        mock.once((r) => r.action === "RunInstances", { body: fixture(file) });
        const node = await compute.createNode({ name: "n", size: "m1.small", image: "ami-57ba933a" });
        expect(node.id, file).toMatch(/^i-/);
        expect(node, file).toMatchObject(expected);
      }
    });

    it("always sends a ClientToken, and a retried RunInstances repeats the same one (one server)", async () => {
      const retrying = new Compute(
        await createEc2Compute({
          region: REGION,
          credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
          transport: { dispatcher: mock.agent, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } },
        }),
      );
      const from = mock.seen.length;
      mock.once((r) => r.action === "RunInstances", ec2Error("Unavailable", "busy", 503));
      const node = await retrying.createNode({ name: "n", size: "m1.small", image: "ami-57ba933a" });
      await retrying.close();
      expect(node.id).toBe("i-2ba64342");
      const runs = sent("RunInstances", from);
      expect(runs).toHaveLength(2);
      const token = runs[0]!.params.get("ClientToken");
      expect(token).toMatch(/^[0-9a-f-]{36}$/);
      expect(runs[1]!.params.get("ClientToken")).toBe(token);
    });

    it("returns the recorded instance for a repeated token, and AlreadyExists for a token reused differently", async () => {
      const node = await compute.createNode({
        name: "n",
        size: "m1.small",
        image: "ami-57ba933a",
        clientToken: "testclienttoken",
      });
      expect(node.extra.clientToken).toBe("testclienttoken");
      mock.once((r) => r.action === "RunInstances", {
        status: 400,
        body: fixture("run_instances_idem_mismatch.xml"),
      });
      const err = (await compute
        .createNode({ name: "n", size: "m1.small", image: "ami-57ba933a", clientToken: "testclienttoken" })
        .catch((e: unknown) => e)) as OmnicloudError;
      expect(err).toBeInstanceOf(AlreadyExistsError);
      expect(err.code).toBe("IdempotentParameterMismatch");
      expect(err.requestId).toBe("5dabd361-d2e0-4f79-937d-4b2852a3b719");
      expect(err.message).toContain("new token");
    });

    it("refuses what EC2 would refuse, before any request", async () => {
      const from = mock.seen.length;
      const base = { name: "n", size: "m1.small", image: "ami-57ba933a" };
      await expect(compute.createNode({ ...base, tags: { "aws:owner": "x" } })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(compute.createNode({ ...base, tags: { Name: "x" } })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(compute.createNode({ ...base, name: " padded" })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(
        compute.createNode({ ...base, userData: new Uint8Array(16 * 1024 + 1) }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(compute.createNode({ ...base, auth: { sshKey: SSH_KEY } })).rejects.toBeInstanceOf(
        UnsupportedOperationError,
      );
      expect(sent("RunInstances", from)).toEqual([]);
    });

    it("starts, stops (force), reboots and terminates; terminating a terminated instance is NotFound", async () => {
      const from = mock.seen.length;
      await compute.startNode("i-ff5de6aa");
      await compute.stopNode("i-2ba64342", { force: true });
      await compute.rebootNode("i-2ba64342");
      await compute.destroyNode("i-4382922a");
      expect(sent("StopInstances", from)[0]!.params.get("Force")).toBe("true");
      expect(sent("TerminateInstances", from)[0]!.params.get("InstanceId.1")).toBe("i-4382922a");
      await expect(compute.destroyNode("i-gone")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("maps EC2's error codes to typed errors with the code and RequestID", async () => {
      const cases: [string, number, abstract new (...args: never[]) => OmnicloudError][] = [
        ["RequestLimitExceeded", 503, RateLimitError],
        ["UnauthorizedOperation", 403, PermissionError],
        ["AuthFailure", 401, AuthError],
        ["InvalidParameterValue", 400, InvalidInputError],
        ["InvalidAMIID.Malformed", 400, InvalidInputError],
        ["InvalidKeyPair.Duplicate", 400, AlreadyExistsError],
        ["IncorrectInstanceState", 400, InvalidInputError],
      ];
      for (const [code, status, type] of cases) {
        mock.once((r) => r.action === "RebootInstances", ec2Error(code, `said ${code}`, status));
        const err = (await compute.rebootNode("i-1").catch((e: unknown) => e)) as OmnicloudError;
        expect(err, code).toBeInstanceOf(type);
        expect(err.code).toBe(code);
        expect(err.status).toBe(status);
        expect(err.requestId).toBe(`req-${code}`);
      }
    });
  });

  it("opens through the registry by name and alias", async () => {
    const opened = await openCompute<Ec2Compute>("aws-ec2", {
      region: REGION,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      transport: { dispatcher: mock.agent, retry: false },
    });
    expect(opened.provider).toBe("ec2");
    expect(opened.capabilities).toMatchObject({ idempotentCreate: true, volumes: true, copyImage: true });
    expect((await opened.getNode("i-4382922a")).id).toBe("i-4382922a");
    await opened.close();
  });

  describe("sizes, images, locations", () => {
    it("lists instance types across pages, with prices where known", async () => {
      const sizes = await collect(compute.listSizes());
      expect(sizes.map((s) => s.id)).toEqual(["t3.micro", "m5d.large", "m1.small"]);
      expect(sizes[0]).toMatchObject({
        vcpus: 2,
        ramMiB: 1024,
        price: { amount: 0.0114, currency: "USD", per: "hour" },
      });
      expect(sizes[1]).toMatchObject({ diskGiB: 75, price: undefined });
      const east = await open("us-east-1", { prices: undefined });
      const [micro] = await collect(east.listSizes());
      expect(micro!.price?.amount).toBe(0.0104);
      await east.close();
    });

    it("lists the account's own images by default, gets one by id, and suggests names for typos", async () => {
      const from = mock.seen.length;
      const images = await collect(compute.listImages());
      expect(sent("DescribeImages", from)[0]!.params.get("Owner.1")).toBe("self");
      expect(images.map((i) => i.name)).toEqual(["Test Image", "Test Image 2", "Test Image 3"]);
      expect(images[0]).toMatchObject({
        id: "ami-57ba933a",
        status: "available",
        public: false,
        minDiskGiB: 10,
      });
      const one = await compute.getImage("ami-57ba933a");
      expect(one.name).toBe("Test Image");
      mock.once((r) => r.action === "DescribeImages", ec2Error("InvalidAMIID.NotFound", "no"));
      const err = await compute.getImage("Test Imag").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toContain('"Test Image"');
    });

    it("makes an image from a node, copies it (here and to another region) and deregisters it", async () => {
      const from = mock.seen.length;
      const image = await compute.createImage("i-4382922a", { name: "snap of web" });
      expect(image).toMatchObject({ id: "ami-e9b38280", status: "pending", name: "snap of web" });
      const copy = await compute.copyImage(image, { name: "copy" });
      expect(copy.id).toBe("ami-4db38224");
      const far = await ec2.images.copyToRegion({ imageId: image.id, name: "far", region: "us-east-1" });
      expect(far.locationId).toBe("us-east-1");
      await compute.deleteImage(image);
      const copies = sent("CopyImage", from);
      expect(copies.map((c) => c.origin)).toEqual([ORIGIN, OTHER_ORIGIN]);
      expect(copies[1]!.params.get("SourceRegion")).toBe(REGION);
      expect(copies[0]!.params.get("ClientToken")).toBeTruthy();
      expect(sent("DeregisterImage", from)[0]!.params.get("ImageId")).toBe("ami-e9b38280");
    });

    it("lists the region's zones as locations, and the regions through the escape hatch", async () => {
      const zones = await collect(compute.listLocations());
      expect(zones.map((z) => z.id)).toEqual(["eu-west-1a", "eu-west-1b"]);
      const regions = await ec2.listRegions({ all: true });
      expect(regions.map((r) => r.name)).toEqual(["eu-west-1", "af-south-1"]);
      expect(regions[1]!.optInStatus).toBe("not-opted-in");
      await ec2.tagResources(["i-1", "vol-1"], { team: "a" });
    });
  });

  describe("key pairs", () => {
    it("lists, gets, creates (private key once), imports (base64) and deletes", async () => {
      const from = mock.seen.length;
      const keys = await collect(compute.listKeyPairs());
      expect(keys).toEqual([
        expect.objectContaining({
          name: "gsg-keypair",
          fingerprint: "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00",
        }),
      ]);
      expect((await compute.getKeyPair("gsg-keypair")).name).toBe("gsg-keypair");
      const missing = (await compute.getKeyPair("test-key-pair").catch((e: unknown) => e)) as OmnicloudError;
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing.code).toBe("InvalidKeyPair.NotFound");
      expect(missing.requestId).toBe("31b97300-eb8e-405e-9567-b0f57b791fed");
      const created = await compute.createKeyPair("my-key-pair");
      expect(created.privateKey).toContain("BEGIN RSA PRIVATE KEY");
      expect(created.fingerprint).toBe("1f:51:ae:28:bf:89:e9:d8:1f:25:5d:37:2d:7d:b8:ca:9f:f5:f1:6f");
      const imported = await compute.importKeyPair("keypair", SSH_KEY);
      expect(imported.name).toBe("keypair");
      const material = sent("ImportKeyPair", from)[0]!.params.get("PublicKeyMaterial")!;
      expect(Buffer.from(material, "base64").toString()).toBe(SSH_KEY);
      await compute.deleteKeyPair("keypair");
    });
  });

  describe("volumes and snapshots", () => {
    it("lists, gets, creates (default zone, ClientToken), attaches (free device), detaches and deletes", async () => {
      const from = mock.seen.length;
      const volumes = await collect(compute.listVolumes());
      expect(volumes.map((v) => [v.id, v.state, v.attachedTo])).toEqual([
        ["vol-10ae5e2b", "available", undefined],
        ["vol-v24bfh75", "in-use", undefined],
        ["vol-b6c851ec", "unknown", "i-d334b4b3"],
      ]);
      expect(sent("DescribeVolumes", from)[0]!.params.get("MaxResults")).toBe("500");
      const created = await compute.createVolume({ name: "data", sizeGiB: 10, snapshot: "snap-1" });
      expect(created).toMatchObject({
        id: "vol-4d826724",
        name: "data",
        sizeGiB: 10,
        state: "creating",
        locationId: "us-east-1a",
      });
      const create = sent("CreateVolume", from)[0]!.params;
      expect(create.get("AvailabilityZone")).toBe("eu-west-1a");
      expect(create.get("SnapshotId")).toBe("snap-1");
      expect(create.get("ClientToken")).toBeTruthy();
      expect(create.get("TagSpecification.1.Tag.1.Value")).toBe("data");
      await compute.attachVolume("vol-4d826724", "i-4382922a");
      // /dev/sda1 is taken by the root volume; the first data device name is free.
      expect(sent("AttachVolume", from)[0]!.params.get("Device")).toBe("/dev/sdf");
      await compute.attachVolume("vol-4d826724", "i-4382922a", { device: "/dev/sdh" });
      await compute.detachVolume("vol-4d826724");
      await compute.destroyVolume("vol-4d826724");
      expect(sent("DeleteVolume", from)[0]!.params.get("VolumeId")).toBe("vol-4d826724");
    });

    it("lists the account's snapshots (of one volume too), creates and deletes one", async () => {
      const from = mock.seen.length;
      const all = await collect(compute.listSnapshots());
      expect(all.map((s) => [s.id, s.state, s.name])).toEqual([
        ["snap-428abd35", "creating", "Daily Backup"],
        ["snap-18349159", "available", "DB Backup 1"],
        ["snap-18349160", "creating", "DB Backup 1"],
      ]);
      await collect(compute.listSnapshots({ volume: "vol-e020df80" }));
      const filtered = sent("DescribeSnapshots", from)[1]!.params;
      expect(filtered.get("Filter.1.Name")).toBe("volume-id");
      expect(filtered.get("Filter.1.Value.1")).toBe("vol-e020df80");
      expect(filtered.get("Owner.1")).toBe("self");
      const snapshot = await compute.createSnapshot("vol-4282672b", { name: "nightly" });
      expect(snapshot).toMatchObject({
        id: "snap-a7cb2hd9",
        volumeId: "vol-4282672b",
        name: "nightly",
        sizeGiB: 10,
      });
      await compute.destroySnapshot(snapshot);
    });
  });

  describe("the models", () => {
    it("rejected none of the requests the driver made", () => {
      expect(mock.unanswered).toEqual([]);
      const byAction = new Map<string, number>();
      const problems: string[] = [];
      for (const req of mock.seen) {
        const result = checkEc2Request(model, req.body);
        byAction.set(req.action, (byAction.get(req.action) ?? 0) + 1);
        problems.push(...result.problems.map((p) => `${req.action}: ${p}`));
      }
      reportCounts(
        `EC2 model checks: ${mock.seen.length} requests, ${problems.length} problems, ${byAction.size} actions (${[
          ...byAction,
        ]
          .map(([a, n]) => `${a} ${n}`)
          .join(", ")})`,
      );
      expect(problems).toEqual([]);
      // Every action the driver implements was exercised here.
      for (const action of [
        "DescribeInstances",
        "RunInstances",
        "StartInstances",
        "StopInstances",
        "RebootInstances",
        "TerminateInstances",
        "DescribeInstanceTypes",
        "DescribeImages",
        "CreateImage",
        "DeregisterImage",
        "CopyImage",
        "DescribeRegions",
        "DescribeAvailabilityZones",
        "DescribeKeyPairs",
        "CreateKeyPair",
        "ImportKeyPair",
        "DeleteKeyPair",
        "CreateVolume",
        "AttachVolume",
        "DetachVolume",
        "DeleteVolume",
        "DescribeVolumes",
        "CreateSnapshot",
        "DescribeSnapshots",
        "DeleteSnapshot",
        "CreateTags",
      ]) {
        expect(byAction.get(action), action).toBeGreaterThan(0);
      }
    });

    it("the checker itself refuses what EC2 would not parse", () => {
      const problems = (body: string) => checkEc2Request(model, body).problems;
      expect(problems("Action=DescribeInstances&Version=2016-11-15&InstanceIds.1=i-1")).toHaveLength(1);
      expect(problems("Action=DescribeInstances&Version=2016-11-15&InstanceId.2=i-1")).toHaveLength(1);
      expect(problems("Action=DescribeInstances&Version=2016-11-15&Filter.1.Values.1=x")).not.toEqual([]);
      expect(problems("Action=RunInstances&Version=2016-11-15&ImageId=ami-1")).toHaveLength(2);
      expect(problems("Action=RunInstances&Version=2016-11-15&MinCount=1&MaxCount=one")).toHaveLength(1);
      expect(problems("Action=StopInstances&Version=2016-11-15&InstanceId.1=i&Force=yes")).toHaveLength(1);
      expect(problems("Action=Launch&Version=2016-11-15")).toHaveLength(1);
      expect(problems("Action=DescribeImages&Version=2014-01-01")).toHaveLength(1);
      expect(
        problems("Action=ImportKeyPair&Version=2016-11-15&KeyName=k&PublicKeyMaterial=ssh-rsa%20AAA"),
      ).toHaveLength(1);
    });

    it("the answers written here conform to the model's output shapes", () => {
      for (const [key, body] of Object.entries(WRITTEN_HERE)) {
        const action = key.split("#")[0]!;
        expect(
          checkEc2Response(model, action, parseXml(body, { provider: "ec2", operation: action })),
          key,
        ).toEqual([]);
      }
      expect(
        checkEc2Response(
          model,
          "DescribeInstances",
          parseXml("<DescribeInstancesResponse><reservations/></DescribeInstancesResponse>", {
            provider: "ec2",
            operation: "x",
          }),
        ),
      ).toHaveLength(1);
    });

    it("the recorded answers conform to the output shapes, but for their listed drift", () => {
      const drift: Record<string, string[]> = {};
      let conforming = 0;
      for (const name of [...replayed].sort()) {
        const text = readFileSync(sharedPath("fixtures/libcloud/compute/ec2", name), "utf8");
        const doc = parseXml(text, { provider: "ec2", operation: name });
        const root = Object.keys(doc)[0]!;
        // Error documents (<Response><Errors>) are not an operation's output.
        if (root === "Response") continue;
        const problems = checkEc2Response(model, root.replace(/Response$/, ""), doc);
        if (problems.length === 0) conforming++;
        else drift[name] = [...new Set(problems.map((p) => p.replace(/^.*?: /, "")))];
      }
      reportCounts(
        `EC2 output-shape checks: ${replayed.size} recordings replayed, ${conforming} conform, ${Object.keys(drift).length} with listed drift`,
      );
      expect(drift).toEqual(RECORDED_DRIFT);
    });

    it("says which recorded answers were replayed", () => {
      reportCounts(`EC2 replay: ${fixturesUsed.size} actions answered from recordings or written answers`);
      expect(fixturesUsed.size).toBeGreaterThanOrEqual(26);
    });
  });
});
