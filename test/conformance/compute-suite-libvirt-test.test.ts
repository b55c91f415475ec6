/**
 * The compute conformance suite on libvirt's test driver (test:///default): libvirt's real library, in
 * process, with an in-memory hypervisor that needs no daemon and no KVM. Then the libvirt-specific
 * behaviour the portable suite cannot name: escaping, metadata, error mapping, networks and pools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Compute } from "../../src/compute/compute.js";
import { UnsupportedOperationError } from "../../src/compute/errors.js";
import { openCompute } from "../../src/compute/open.js";
import {
  AlreadyExistsError,
  InvalidInputError,
  NotFoundError,
  OmnicloudError,
} from "../../src/core/errors.js";
import type { LibvirtCompute } from "../../src/providers/libvirt/compute.js";
import { computeConformanceSuite } from "./compute-suite.js";

const URI = "test:///default";
const prefix = `oc-${process.pid}`;
// Disk images share the test driver's one pool with volumes: its volume clone looks for the source in the
// target pool, so a root disk cannot be cloned across pools there (real storage drivers can).
const pool = "default-pool";

// The test driver's state lives while a connection to it is open: this one holds the base image for the
// whole file.
let holder: Compute<LibvirtCompute> | undefined;

beforeAll(async () => {
  holder = await openCompute<LibvirtCompute>("libvirt", { uri: URI, pool });
  await holder.createVolume({ name: `${prefix}-base.img`, sizeGiB: 1 });
});
afterAll(async () => {
  await holder?.destroyVolume(`${pool}/${prefix}-base.img`).catch(() => undefined);
  await holder?.close();
});

computeConformanceSuite({
  name: "libvirt test:///default",
  open: () => openCompute("libvirt", { uri: URI, pool, imagePool: pool, pollIntervalMs: 20 }),
  size: "nano",
  image: "diskless",
  diskImage: `${prefix}-base.img`,
  extras: { network: "default" },
  attachNeedsStoppedNode: true,
  wait: { timeoutMs: 30_000, intervalMs: 20 },
  prefix,
});

describe("libvirt specifics on test:///default", () => {
  let compute: Compute<LibvirtCompute>;
  let lv: LibvirtCompute;

  beforeAll(async () => {
    compute = await openCompute<LibvirtCompute>("libvirt", { uri: URI, pollIntervalMs: 20 });
    lv = compute.as<LibvirtCompute>("libvirt");
  });
  afterAll(async () => {
    await compute?.close();
  });

  it("keeps names and tags that need XML escaping intact, in the domain XML too", async () => {
    const name = `${prefix} o'c <&> "q"`;
    const node = await compute.createNode({
      name,
      size: "micro",
      image: "diskless",
      tags: { "k&<": "v\"'>" },
      extras: { title: "t & <t>", description: "line 1\nline 2 & <x>", network: "default" },
    });
    try {
      expect(node.name).toBe(name);
      expect(node.tags).toEqual({ "k&<": "v\"'>" });
      expect(node.extra.memoryMiB).toBe(512);
      expect(node.extra.managed).toBe(true);
      // The test driver leases a fake address on its NAT network: a private one.
      expect(node.privateIps).toHaveLength(1);
      expect(node.publicIps).toEqual([]);
      expect(node.extra.interfaces).toMatchObject([{ type: "network", network: "default" }]);
      const xml = await lv.domainXml(node.id);
      expect(xml).toContain("o&apos;c &lt;&amp;&gt;");
      expect(xml).toContain("https://omnicloud.dev/xmlns/libvirt-node/1");
      expect((await compute.getNode(name)).id).toBe(node.id);
    } finally {
      await compute.destroyNode(node);
    }
  });

  it("reads domains it did not make (the preloaded 'test' domain) with mapped states", async () => {
    const nodes: string[] = [];
    for await (const n of compute.listNodes()) nodes.push(`${n.name}:${n.state}:${n.extra.managed}`);
    expect(nodes).toContain("test:running:false");
  });

  it("refuses a second node with a taken name, unless the client token (and request) matches", async () => {
    const first = await compute.createNode({
      name: `${prefix}-dup`,
      size: "nano",
      image: "diskless",
      clientToken: "t1",
    });
    try {
      await expect(
        compute.createNode({ name: `${prefix}-dup`, size: "nano", image: "diskless", clientToken: "t2" }),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      const again = await compute.createNode({
        name: `${prefix}-dup`,
        size: "nano",
        image: "diskless",
        clientToken: "t1",
      });
      expect(again.id).toBe(first.id);
      const changed = await compute
        .createNode({ name: `${prefix}-dup`, size: "micro", image: "diskless", clientToken: "t1" })
        .catch((e: unknown) => e);
      expect(changed).toBeInstanceOf(AlreadyExistsError);
      expect((changed as AlreadyExistsError).code).toBe("IdempotentParameterMismatch");
    } finally {
      await compute.destroyNode(first);
    }
  });

  it("maps VIR_ERR_OPERATION_INVALID to a clear InvalidInputError and VIR_ERR_NO_DOMAIN to NotFound", async () => {
    const node = await compute.createNode({
      name: `${prefix}-invalid`,
      size: "nano",
      image: "diskless",
      extras: { start: false },
    });
    try {
      expect(node.state).toBe("stopped");
      const err = (await compute.rebootNode(node).catch((e: unknown) => e)) as OmnicloudError;
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err.code).toBe("VIR_ERR_OPERATION_INVALID");
      expect(err.provider).toBe("libvirt");
      expect(err.message).toContain("not running");
    } finally {
      await compute.destroyNode(node);
    }
    const missing = (await compute
      .getNode("6e8bc430-9c3a-11d9-9669-0800200c9a66")
      .catch((e: unknown) => e)) as OmnicloudError;
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.code).toBe("VIR_ERR_NO_DOMAIN");
  });

  it("changes the disks of a running node only where the hypervisor driver can (typed error here)", async () => {
    const node = await compute.createNode({ name: `${prefix}-live`, size: "nano", image: "diskless" });
    const volume = await compute.createVolume({ name: `${prefix}-live-data`, sizeGiB: 1 });
    try {
      const err = await compute.attachVolume(volume, node).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedOperationError);
      expect((err as Error).message).toContain("Stop the node first");
    } finally {
      await compute.destroyNode(node);
      await compute.destroyVolume(volume);
    }
  });

  it("lists networks and pools through the escape hatch", async () => {
    const networks = await lv.listNetworks();
    expect(networks.find((n) => n.name === "default")).toMatchObject({ active: true, forward: "nat" });
    const pools = await lv.listPools();
    expect(pools.map((p) => p.name)).toContain("default-pool");
    expect(lv.hypervisor).toBe("TEST");
    expect(() => compute.as("ec2")).toThrow(InvalidInputError);
  });

  it("reports key pairs as unsupported and user data as unsupported, typed", async () => {
    expect(compute.capabilities.keyPairs).toBe(false);
    expect(() => compute.listKeyPairs()).toThrow(UnsupportedOperationError);
    await expect(
      compute.createNode({
        name: `${prefix}-ud`,
        size: "nano",
        image: "diskless",
        userData: "#cloud-config",
      }),
    ).rejects.toBeInstanceOf(UnsupportedOperationError);
  });

  it("fails to open an unknown URI with a typed error, and refuses calls after close", async () => {
    const err = await openCompute("libvirt", { uri: "nosuchdriver:///x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OmnicloudError);
    expect((err as OmnicloudError).provider).toBe("libvirt");
    const closed = await openCompute("libvirt", { uri: URI });
    await closed.close();
    await expect(closed.getNode("test")).rejects.toBeInstanceOf(InvalidInputError);
  });
});
