/**
 * deployNode through an in-memory compute driver whose nodes' address is the test sshd on 127.0.0.1:
 * create, wait for running and an address, verify the host with the key the "provider" published, run the
 * steps; and what happens to the node when a phase fails.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, TimeoutError } from "../../src/core/errors.js";
import {
  type DeployableCompute,
  type DeployableNode,
  type DeployLogEntry,
  DeployNodeError,
  deployNode,
  HostKeyError,
  runScript,
  StepFailedError,
} from "../../src/deploy/index.js";
import { type KeyFiles, makeKey, type Sshd, startSshdOrSkip } from "../support/sshd.js";

/**
 * An in-memory compute driver with the shape deployNode drives. Its nodes "boot" in steps: running after
 * waitUntilRunning, an address only after `addressAfterPolls` getNode calls, the way cloud APIs often
 * report a server running before its IP is assigned.
 */
interface FakeNode extends DeployableNode {
  state: string;
  publicIps: string[];
}

interface FakeComputeOptions {
  /** The address nodes get (the test sshd's, 127.0.0.1). */
  address: string;
  /** getNode calls before the address shows (default 1). */
  addressAfterPolls?: number;
  /** Host keys the "provider" publishes for its nodes. */
  hostKeys?: string[];
  /** Make a phase fail. */
  failIn?: "createNode" | "waitUntilRunning" | "destroyNode";
}

class FakeCompute implements DeployableCompute<FakeNode, { name: string }> {
  readonly calls: string[] = [];
  readonly nodes = new Map<string, FakeNode>();
  #polls = 0;
  #next = 1;

  constructor(private readonly options: FakeComputeOptions) {}

  async createNode(create: { name: string }): Promise<FakeNode> {
    this.calls.push(`createNode ${create.name}`);
    if (this.options.failIn === "createNode") throw new Error("quota exceeded");
    const node: FakeNode = { id: `node-${this.#next++}`, name: create.name, state: "pending", publicIps: [] };
    if (this.options.hostKeys) node.hostKeys = this.options.hostKeys;
    this.nodes.set(node.id, node);
    return { ...node };
  }

  async waitUntilRunning(node: FakeNode): Promise<FakeNode> {
    this.calls.push(`waitUntilRunning ${node.id}`);
    if (this.options.failIn === "waitUntilRunning") throw new Error("node entered state error");
    const stored = this.nodes.get(node.id)!;
    stored.state = "running";
    return { ...stored, publicIps: [...stored.publicIps] };
  }

  async getNode(id: string): Promise<FakeNode> {
    this.calls.push(`getNode ${id}`);
    const stored = this.nodes.get(id)!;
    this.#polls++;
    if (this.#polls >= (this.options.addressAfterPolls ?? 1) && stored.publicIps.length === 0) {
      stored.publicIps.push(this.options.address);
    }
    return { ...stored, publicIps: [...stored.publicIps] };
  }

  async destroyNode(node: FakeNode): Promise<void> {
    this.calls.push(`destroyNode ${node.id}`);
    if (this.options.failIn === "destroyNode") throw new Error("destroy refused");
    this.nodes.get(node.id)!.state = "terminated";
  }
}

const sshd = await startSshdOrSkip();
const logs: DeployLogEntry[] = [];
const log = (e: DeployLogEntry): void => {
  logs.push(e);
};

describe.skipIf(!sshd)("deployNode with a fake compute driver and a real sshd", () => {
  const s = sshd as Sshd;
  let work: string;
  let user: KeyFiles;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "omnicloud-deploy-node-"));
    user = await makeKey(work, "user_ed25519");
    await s.authorize(user.pub);
  });
  afterAll(async () => {
    await s.stop();
    await rm(work, { recursive: true, force: true });
  });

  const ssh = (): { port: number; user: string; privateKeyPath: string } => ({
    port: s.port,
    user: s.user,
    privateKeyPath: user.path,
  });

  it("creates the node, waits for its address, verifies the published host key and runs the steps", async () => {
    const compute = new FakeCompute({
      address: s.host,
      addressAfterPolls: 2,
      hostKeys: [s.hostKeys.ed25519.pub],
    });
    const result = await deployNode(compute, { name: "web-1" }, [runScript("echo deployed")], {
      ssh: ssh(),
      log,
      retryIntervalMs: 100,
      addressIntervalMs: 50,
    });
    expect(result.node).toMatchObject({ id: "node-1", name: "web-1", state: "running", publicIps: [s.host] });
    expect(result.address).toBe(s.host);
    expect(result.deploy.hostKey.verifiedBy).toBe("publicKey");
    expect(result.deploy.steps[0]!.stdout).toBe("deployed\n");
    expect(compute.calls).toEqual([
      "createNode web-1",
      "waitUntilRunning node-1",
      "getNode node-1",
      "getNode node-1",
    ]);
  });

  it("leaves the node after a failing step, naming node, phase and step", async () => {
    const compute = new FakeCompute({ address: s.host, hostKeys: [s.hostKeys.ed25519.pub] });
    const err = await deployNode(
      compute,
      { name: "web-2" },
      [runScript("echo broken >&2; exit 7", { name: "setup" })],
      {
        ssh: ssh(),
        log,
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployNodeError);
    const e = err as DeployNodeError;
    expect(e.phase).toBe("deploy");
    expect(e.destroyed).toBe(false);
    expect(e.node.id).toBe("node-1");
    expect(e.cause).toBeInstanceOf(StepFailedError);
    expect((e.cause as StepFailedError).exitCode).toBe(7);
    expect(e.message).toContain('Step "setup" exited with code 7');
    expect(e.message).toContain("left for inspection");
    expect(compute.calls).not.toContain("destroyNode node-1");
    expect(compute.nodes.get("node-1")!.state).toBe("running");
  });

  it("destroys the node after a failure when asked to", async () => {
    const compute = new FakeCompute({ address: s.host, hostKeys: [s.hostKeys.ed25519.pub] });
    const err = await deployNode(compute, { name: "web-3" }, [runScript("exit 1")], {
      ssh: ssh(),
      log,
      destroyOnFailure: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployNodeError);
    expect((err as DeployNodeError).destroyed).toBe(true);
    expect(compute.calls.at(-1)).toBe("destroyNode node-1");
    expect(compute.nodes.get("node-1")!.state).toBe("terminated");
  });

  it("refuses a node whose published host key is not the one the server offers, at the first attempt", async () => {
    const impostor = await makeKey(work, "other_host_key");
    const compute = new FakeCompute({ address: s.host, hostKeys: [impostor.pub] });
    let attempts = 0;
    const err = await deployNode(compute, { name: "web-4" }, [runScript("echo never")], {
      ssh: ssh(),
      log,
      connectTimeoutMs: 600_000,
      onConnectAttempt: () => {
        attempts++;
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployNodeError);
    expect((err as DeployNodeError).kind).toBe("Auth");
    expect((err as DeployNodeError).cause).toBeInstanceOf(HostKeyError);
    expect(attempts).toBe(1);
  });
});

// Failures before SSH is reached need no server: the fake's address is never connected to.
describe("deployNode failures before SSH", () => {
  const options = { ssh: { privateKey: "unused" }, log };

  it("a failing createNode leaves nothing to destroy and propagates as it is", async () => {
    const compute = new FakeCompute({ address: "127.0.0.1", failIn: "createNode" });
    await expect(
      deployNode(compute, { name: "a" }, [], { ...options, destroyOnFailure: true }),
    ).rejects.toThrow("quota exceeded");
    expect(compute.calls).toEqual(["createNode a"]);
  });

  it("a node that never runs is destroyed when asked, and the error says so", async () => {
    const compute = new FakeCompute({ address: "127.0.0.1", failIn: "waitUntilRunning" });
    const err = await deployNode(compute, { name: "b" }, [], { ...options, destroyOnFailure: true }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeployNodeError);
    expect(err).toMatchObject({ phase: "running", destroyed: true });
    expect((err as Error).message).toContain("node entered state error");
    expect((err as Error).message).toContain("the node was destroyed");
    expect(compute.calls).toEqual(["createNode b", "waitUntilRunning node-1", "destroyNode node-1"]);
  });

  it("a node that never shows an address times out in the address phase and is left", async () => {
    const compute = new FakeCompute({ address: "127.0.0.1", addressAfterPolls: Number.POSITIVE_INFINITY });
    const err = await deployNode(compute, { name: "c" }, [], {
      ...options,
      addressTimeoutMs: 300,
      addressIntervalMs: 50,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployNodeError);
    expect(err).toMatchObject({ phase: "address", destroyed: false, kind: "Timeout" });
    expect((err as DeployNodeError).cause).toBeInstanceOf(TimeoutError);
    expect(compute.calls).not.toContain("destroyNode node-1");
  });

  it("a destroy that fails too is reported without hiding the first failure", async () => {
    const compute = new FakeCompute({ address: "127.0.0.1", failIn: "destroyNode" });
    const err = await deployNode(compute, { name: "d" }, [], {
      ...options,
      ssh: { privateKey: "not a key" },
      destroyOnFailure: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployNodeError);
    expect(err).toMatchObject({ phase: "deploy", destroyed: false, kind: "InvalidInput" });
    expect((err as DeployNodeError).cause).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain("destroying the node failed too (destroy refused)");
  });
});
