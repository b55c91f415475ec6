/**
 * The portable Compute class against an in-memory driver: checks made before any driver call, name
 * resolution with closest matches, client tokens, unsupported capabilities, and the waiters' behaviour.
 */
import { describe, expect, it } from "vitest";
import { Compute } from "../../src/compute/compute.js";
import type { ComputeDriver, CreateNodeRequest, PowerRequest } from "../../src/compute/driver.js";
import { NodeStateError, UnsupportedOperationError } from "../../src/compute/errors.js";
import { closestMatches } from "../../src/compute/resolve.js";
import type { NodeState } from "../../src/compute/states.js";
import type { CreateNodeOptions, Image, Location, Node, Size } from "../../src/compute/types.js";
import { InvalidInputError, NotFoundError } from "../../src/core/errors.js";
import type { DeployableCompute } from "../../src/deploy/deploy-node.js";

const P = "fake";
const sizes: Size[] = [
  { provider: P, id: "s-1", name: "small", vcpus: 1, ramMiB: 512 },
  {
    provider: P,
    id: "s-2",
    name: "medium",
    vcpus: 2,
    ramMiB: 2048,
    price: { amount: 0.02, currency: "USD", per: "hour" },
  },
];
const images: Image[] = [
  { provider: P, id: "img-1", name: "debian-12", status: "available" },
  { provider: P, id: "img-2", name: "ubuntu-24.04", status: "available" },
];
const locations: Location[] = [{ provider: P, id: "fra1", name: "Frankfurt 1" }];

async function* from<T>(items: T[]): AsyncIterable<T> {
  yield* items;
}

interface FakeExtra {
  token: string;
}

/** A driver whose getNode answers from a script of states (or NotFound) before settling on the node's state. */
class FakeDriver implements ComputeDriver<FakeExtra, { colour?: string }> {
  readonly provider = P;
  readonly nodeNames = {
    maxLength: 10,
    pattern: /^[a-z][a-z0-9-]*$/,
    description: "lower-case letters, digits and '-'",
  };
  readonly userDataMaxBytes = 16;
  readonly authKinds = ["sshKey"] as const;
  readonly idempotentCreate = true;
  readonly pollIntervalMs = 0;
  calls: string[] = [];
  created: CreateNodeRequest<{ colour?: string }>[] = [];
  nodes = new Map<string, Node<FakeExtra>>();
  script: (NodeState | "missing")[] = [];
  imageLookups = 0;

  async *listNodes(): AsyncIterable<Node<FakeExtra>> {
    this.calls.push("listNodes");
    yield* this.nodes.values();
  }
  async getNode(id: string): Promise<Node<FakeExtra>> {
    this.calls.push(`getNode ${id}`);
    const next = this.script.shift();
    const node = this.nodes.get(id);
    if (next === "missing" || node === undefined) throw new NotFoundError(`no node ${id}`);
    return next === undefined ? node : { ...node, state: next, providerState: next };
  }
  async createNode(request: CreateNodeRequest<{ colour?: string }>): Promise<Node<FakeExtra>> {
    this.calls.push("createNode");
    this.created.push(request);
    const node: Node<FakeExtra> = {
      provider: P,
      id: `n-${this.nodes.size + 1}`,
      name: request.name,
      state: "pending",
      providerState: "pending",
      publicIps: [],
      privateIps: [],
      tags: request.tags,
      extra: { token: request.clientToken },
    };
    this.nodes.set(node.id, node);
    return node;
  }
  async destroyNode(id: string): Promise<void> {
    this.calls.push(`destroyNode ${id}`);
    this.nodes.delete(id);
  }
  async rebootNode(id: string, request: PowerRequest): Promise<void> {
    this.calls.push(`rebootNode ${id} ${request.force}`);
  }
  listSizes(): AsyncIterable<Size> {
    return from(sizes);
  }
  listImages(): AsyncIterable<Image> {
    return from(images);
  }
  async getImage(id: string): Promise<Image> {
    this.imageLookups++;
    const found = images.find((i) => i.id === id);
    if (!found) throw new NotFoundError(`no image ${id}`);
    return found;
  }
  listLocations(): AsyncIterable<Location> {
    return from(locations);
  }
}

function setup() {
  const driver = new FakeDriver();
  return { driver, compute: new Compute(driver) };
}

const create = { name: "web-1", size: "small", image: "debian-12" };

describe("Compute: capabilities and the escape hatch", () => {
  it("reports what the driver declares", () => {
    const { compute } = setup();
    expect(compute.capabilities).toEqual({
      startStop: false,
      createImage: false,
      deleteImage: false,
      copyImage: false,
      keyPairs: false,
      importKeyPair: false,
      volumes: false,
      snapshots: false,
      userDataMaxBytes: 16,
      authKinds: ["sshKey"],
      idempotentCreate: true,
    });
  });

  it("raises UnsupportedOperationError for missing capabilities without calling the driver", async () => {
    const { compute, driver } = setup();
    await expect(compute.startNode("n-1")).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(compute.stopNode("n-1")).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(compute.createImage("n-1", { name: "i" })).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(compute.deleteImage("img-1")).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(compute.copyImage("img-1", { name: "c" })).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(compute.createVolume({ name: "v", sizeGiB: 1 })).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
    await expect(compute.importKeyPair("k", "ssh-ed25519 AAAA k")).rejects.toBeInstanceOf(
      UnsupportedOperationError,
    );
    expect(() => compute.listVolumes()).toThrow(UnsupportedOperationError);
    expect(() => compute.listSnapshots()).toThrow(UnsupportedOperationError);
    expect(() => compute.listKeyPairs()).toThrow(UnsupportedOperationError);
    const err = (await compute.stopNode("n-1").catch((e: unknown) => e)) as UnsupportedOperationError;
    expect(err.operation).toBe("stopping nodes");
    expect(err.provider).toBe(P);
    expect(driver.calls).toEqual([]);
  });

  it("hands out the driver only under its own provider name", () => {
    const { compute, driver } = setup();
    expect(compute.as<FakeDriver>("fake")).toBe(driver);
    expect(() => compute.as("ec2")).toThrow(InvalidInputError);
  });

  it("satisfies deployNode's structural compute interface", () => {
    const { compute } = setup();
    const deployable: DeployableCompute<Node, CreateNodeOptions> = compute;
    expect(typeof deployable.waitUntilRunning).toBe("function");
  });
});

describe("Compute: creating nodes", () => {
  it("resolves size, image and location by id, name or letter case, and passes a generated client token", async () => {
    const { compute, driver } = setup();
    const node = await compute.createNode({
      ...create,
      size: "MEDIUM",
      image: "img-2",
      location: "Frankfurt 1",
      tags: { a: "b" },
    });
    const req = driver.created[0]!;
    expect(req.size.id).toBe("s-2");
    expect(req.image.id).toBe("img-2");
    expect(req.location?.id).toBe("fra1");
    expect(req.clientToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(node.extra.token).toBe(req.clientToken);
    expect(node.tags).toEqual({ a: "b" });
    await compute.createNode({ ...create, clientToken: "mine-1" });
    expect(driver.created[1]!.clientToken).toBe("mine-1");
    expect(driver.created[1]!.image.id).toBe("img-1");
  });

  it("names the closest matches for an unknown size, image or location, and creates nothing", async () => {
    const { compute, driver } = setup();
    const size = (await compute
      .createNode({ ...create, size: "smal" })
      .catch((e: unknown) => e)) as InvalidInputError;
    expect(size).toBeInstanceOf(InvalidInputError);
    expect(size.hint).toContain('"small"');
    const image = (await compute
      .createNode({ ...create, image: "debian-13" })
      .catch((e: unknown) => e)) as InvalidInputError;
    expect(image.hint).toContain('"debian-12"');
    const loc = await compute
      .createNode({ ...create, location: "zzz-nowhere-at-all" })
      .catch((e: unknown) => e);
    expect(loc).toBeInstanceOf(InvalidInputError);
    const foreign = await compute
      .createNode({ ...create, size: { ...sizes[0]!, provider: "ec2" } })
      .catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(InvalidInputError);
    expect(driver.calls).not.toContain("createNode");
  });

  it("checks names, user data, auth, tags and tokens before any request", async () => {
    const { compute, driver } = setup();
    const bad: Partial<CreateNodeOptions<{ colour?: string }>>[] = [
      { name: "Web" },
      { name: "much-too-long-name" },
      { name: "" },
      { userData: "x".repeat(17) },
      { userData: new Uint8Array(17) },
      { auth: { password: "secret" } },
      { auth: { sshKey: "ssh-rsa not-base64!" } },
      { tags: { "": "x" } },
      { tags: { k: "\u0007" } },
      { clientToken: "a b" },
      { clientToken: "x".repeat(65) },
    ];
    for (const b of bad) {
      // Password auth on a driver that offers only keys is "unsupported"; the rest are invalid input.
      const kind = b.auth && "password" in b.auth ? "Unsupported" : "InvalidInput";
      await expect(compute.createNode({ ...create, ...b })).rejects.toMatchObject({ kind });
    }
    expect(driver.calls).toEqual([]);
    await compute.createNode({
      ...create,
      userData: "x".repeat(16),
      auth: { sshKey: "ssh-ed25519 AAAAC3Nz me@host" },
    });
    expect(new TextDecoder().decode(driver.created[0]!.userData)).toBe("x".repeat(16));
    expect(driver.created[0]!.auth).toEqual({ sshKey: "ssh-ed25519 AAAAC3Nz me@host" });
  });

  it("looks images up by id first where the driver can, and falls back to names", async () => {
    const { compute, driver } = setup();
    expect((await compute.getImage("img-2")).name).toBe("ubuntu-24.04");
    expect((await compute.getImage("ubuntu-24.04")).id).toBe("img-2");
    expect(driver.imageLookups).toBe(2);
  });

  it("stops before calling the driver when the signal has fired", async () => {
    const { compute, driver } = setup();
    const controller = new AbortController();
    controller.abort();
    await expect(compute.createNode({ ...create, signal: controller.signal })).rejects.toMatchObject({
      kind: "Aborted",
    });
    expect(driver.calls).toEqual([]);
  });
});

describe("Compute: waiters poll the one node", () => {
  async function withNode() {
    const s = setup();
    const node = await s.compute.createNode(create);
    s.driver.calls = [];
    return { ...s, node };
  }

  it("polls getNode through transitional states until running, never the list", async () => {
    const { compute, driver, node } = await withNode();
    driver.script = ["pending", "starting", "running"];
    const polled: (string | undefined)[] = [];
    const result = await compute.waitUntilRunning(node, { onPoll: (e) => polled.push(e.state) });
    expect(result.state).toBe("running");
    expect(polled).toEqual(["pending", "starting", "running"]);
    expect(driver.calls).toEqual([`getNode ${node.id}`, `getNode ${node.id}`, `getNode ${node.id}`]);
  });

  it("stops at once with NodeStateError when the node is terminated or in error", async () => {
    const { compute, driver, node } = await withNode();
    driver.script = ["pending", "terminated"];
    const err = (await compute.waitUntilRunning(node).catch((e: unknown) => e)) as NodeStateError;
    expect(err).toBeInstanceOf(NodeStateError);
    expect(err.actual).toBe("terminated");
    expect(err.expected).toEqual(["running"]);
    driver.script = ["error"];
    await expect(compute.waitFor(node, "stopped")).rejects.toBeInstanceOf(NodeStateError);
  });

  it("counts a node that no longer exists as terminated", async () => {
    const { compute, driver, node } = await withNode();
    driver.script = ["stopping", "missing"];
    const gone = await compute.waitFor(node, "terminated");
    expect(gone).toMatchObject({ id: node.id, state: "terminated" });
  });

  it("polls through a brief NotFound after create, but not a lasting one", async () => {
    const { compute, driver, node } = await withNode();
    driver.script = ["missing", "missing", "running"];
    expect((await compute.waitUntilRunning(node)).state).toBe("running");
    driver.script = ["missing", "missing", "missing", "missing", "missing", "missing"];
    await expect(compute.waitUntilRunning(node)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("takes a node id as well as a node, and refuses unknown states and bad ids", async () => {
    const { compute, node } = await withNode();
    expect((await compute.waitFor(node.id, ["pending", "running"])).id).toBe(node.id);
    await expect(compute.waitFor(node, "active" as NodeState)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(compute.waitFor(node, [])).rejects.toBeInstanceOf(InvalidInputError);
    expect(() => compute.waitFor("", "running")).toThrow(InvalidInputError);
  });
});

describe("closest matches", () => {
  it("orders prefix matches first, then by edit distance, and drops far-off names", () => {
    expect(closestMatches("smal", ["small", "medium", "smaller", "large"])).toEqual(["small", "smaller"]);
    expect(closestMatches("debian-13", ["debian-12", "ubuntu-24.04", "debian-11"])).toEqual([
      "debian-11",
      "debian-12",
    ]);
    expect(closestMatches("zzzzzzzz", ["small", "medium"])).toEqual([]);
  });
});
