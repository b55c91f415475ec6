/**
 * The compute conformance suite, written once and run against every provider that has a real server to
 * run on (libvirt's test driver, a real KVM guest under a private libvirtd, …). It checks what the portable
 * API promises: listings, the node lifecycle and its states, waiters (timeout, abort, terminal states),
 * idempotent create, bad input refused before any request, volumes, snapshots and images where the
 * provider declares them, and a typed UnsupportedOperationError wherever it does not.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Compute } from "../../src/compute/compute.js";
import { UnsupportedOperationError } from "../../src/compute/errors.js";
import type { Node, Volume } from "../../src/compute/types.js";
import {
  AbortedError,
  InvalidInputError,
  NotFoundError,
  OmnicloudError,
  TimeoutError,
} from "../../src/core/errors.js";

export type ComputeSection =
  | "listings"
  | "nodes"
  | "waiters"
  | "idempotency"
  | "bad-input"
  | "volumes"
  | "snapshots"
  | "images"
  | "key-pairs";

export interface ComputeSuiteTarget {
  name: string;
  open(): Promise<Compute>;
  close?(): Promise<void>;
  /** A size and an image that make a node quickly here. */
  size: string;
  image: string;
  /** Provider extras for every create (e.g. a domain type). */
  extras?: unknown;
  /** An image with a root disk, for making images from nodes; without it the images section is skipped. */
  diskImage?: string;
  /** Guests here ignore ACPI requests (no OS), so stop and reboot use force. */
  hardPowerOnly?: boolean;
  /** Volumes attach to stopped nodes only (libvirt's test driver cannot change a running guest's disks). */
  attachNeedsStoppedNode?: boolean;
  wait: { timeoutMs: number; intervalMs: number };
  /** Sections left out, each with the reason, which is printed. */
  skip?: Partial<Record<ComputeSection, string>>;
  /** Prefix for every name the suite makes, unique to the run. */
  prefix: string;
}

/** An OpenSSH public key line for a fresh ed25519 key. */
function sshPublicKey(comment: string): string {
  const { publicKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const type = Buffer.from("ssh-ed25519");
  const blob = Buffer.concat([u32(type.length), type, u32(raw.length), raw]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function computeConformanceSuite(target: ComputeSuiteTarget): void {
  describe(`compute conformance: ${target.name}`, () => {
    let compute: Compute;
    /** Every node the suite made, destroyed at the end whatever happened (a left guest burns a CPU). */
    const made = new Set<string>();
    const wait = target.wait;

    beforeAll(async () => {
      compute = await target.open();
    });

    afterAll(async () => {
      for (const id of made) {
        await compute?.destroyNode(id).catch(() => undefined);
      }
      await compute?.close();
      await target.close?.();
    });

    // Skipped sections are said out loud, with the reason, so a green run never hides what it left out.
    const skipped = (name: ComputeSection): boolean => {
      const reason = target.skip?.[name];
      if (reason !== undefined)
        console.warn(`SKIPPED compute conformance "${name}" on ${target.name}: ${reason}`);
      return reason !== undefined;
    };

    async function makeNode(suffix: string, image = target.image): Promise<Node> {
      const name = `${target.prefix}-${suffix}`;
      const node = await compute.createNode({
        name,
        size: target.size,
        image,
        tags: { suite: "compute", "with space": "a & <b>" },
        extras: target.extras,
      });
      made.add(node.id);
      return node;
    }

    async function destroy(node: Node): Promise<void> {
      await compute.destroyNode(node);
      await compute.waitFor(node, "terminated", wait);
      made.delete(node.id);
    }

    describe.skipIf(skipped("listings"))("listings", () => {
      it("lists sizes with their resources, and finds one by name", async () => {
        const sizes = await collect(compute.listSizes());
        expect(sizes.length).toBeGreaterThan(0);
        for (const s of sizes) {
          expect(s.provider).toBe(compute.provider);
          expect(s.id).not.toBe("");
          expect(s.vcpus).toBeGreaterThan(0);
          expect(s.ramMiB).toBeGreaterThan(0);
          if (s.price) expect(s.price.amount).toBeGreaterThanOrEqual(0);
        }
        const size = await compute.getSize(target.size);
        expect([size.id, size.name]).toContain(target.size);
      });

      it("lists images, including the one the suite boots", async () => {
        const images = await collect(compute.listImages());
        expect(images.some((i) => i.id === target.image || i.name === target.image)).toBe(true);
        const image = await compute.getImage(target.image);
        expect(image.provider).toBe(compute.provider);
        expect(image.status).toBe("available");
      });

      it("lists locations and finds one by id", async () => {
        const locations = await collect(compute.listLocations());
        expect(locations.length).toBeGreaterThan(0);
        const first = locations[0]!;
        expect((await compute.getLocation(first.id)).id).toBe(first.id);
      });
    });

    describe.skipIf(skipped("nodes"))("nodes", () => {
      let node: Node;

      it("creates a node that reaches running, with its name and tags", async () => {
        node = await makeNode("life");
        expect(node.provider).toBe(compute.provider);
        expect(node.name).toBe(`${target.prefix}-life`);
        const running = await compute.waitUntilRunning(node, wait);
        expect(running.state).toBe("running");
        expect(running.tags).toEqual({ suite: "compute", "with space": "a & <b>" });
        expect(running.providerState).not.toBe("");
      });

      it("gets the node by id and by object, and lists it", async () => {
        expect((await compute.getNode(node.id)).id).toBe(node.id);
        expect((await compute.getNode(node)).name).toBe(node.name);
        const listed = await collect(compute.listNodes());
        expect(listed.filter((n) => n.id === node.id)).toHaveLength(1);
      });

      it("stops the node and waits until it is stopped", async () => {
        await compute.stopNode(node, { force: target.hardPowerOnly === true });
        const stopped = await compute.waitFor(node, "stopped", wait);
        expect(stopped.state).toBe("stopped");
      });

      it("refuses to reboot a stopped node with a clear typed error", async () => {
        const err = await compute.rebootNode(node).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OmnicloudError);
        expect((err as OmnicloudError).message).not.toBe("");
      });

      it("starts the node again and waits until it runs", async () => {
        await compute.startNode(node);
        expect((await compute.waitUntilRunning(node, wait)).state).toBe("running");
      });

      it("reboots the node and it runs again", async () => {
        await compute.rebootNode(node, { force: target.hardPowerOnly === true });
        expect((await compute.waitFor(node, ["running"], wait)).state).toBe("running");
      });

      it("destroys the node: waiting for terminated ends, and it is gone", async () => {
        await compute.destroyNode(node);
        const gone = await compute.waitFor(node, "terminated", wait);
        expect(gone.state).toBe("terminated");
        made.delete(node.id);
        await expect(compute.getNode(node)).rejects.toBeInstanceOf(NotFoundError);
        const listed = await collect(compute.listNodes());
        expect(listed.some((n) => n.id === node.id)).toBe(false);
        await expect(compute.destroyNode(node)).rejects.toBeInstanceOf(NotFoundError);
      });
    });

    describe.skipIf(skipped("waiters"))("waiters", () => {
      let node: Node;

      it("gives up with a TimeoutError naming the last state seen", async () => {
        // Made here rather than in a hook: the sections' hooks would all land in the suite's scope.
        node = await compute.waitUntilRunning(await makeNode("wait"), wait);
        const err = await compute
          .waitFor(node, "stopped", { timeoutMs: 150, intervalMs: 20 })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TimeoutError);
        expect((err as Error).message).toContain("running");
      });

      it("stops with an AbortedError when the signal fires mid-wait", async () => {
        const controller = new AbortController();
        const polls: number[] = [];
        const err = await compute
          .waitFor(node, "stopped", {
            timeoutMs: 60_000,
            intervalMs: 10_000,
            signal: controller.signal,
            onPoll: (e) => {
              polls.push(e.attempt);
              controller.abort();
            },
          })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AbortedError);
        expect(polls).toEqual([1]);
      });

      it("does not poll at all with an already-aborted signal", async () => {
        const controller = new AbortController();
        controller.abort();
        let polled = 0;
        const err = await compute
          .waitFor(node, "running", { signal: controller.signal, onPoll: () => polled++ })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AbortedError);
        expect(polled).toBe(0);
      });

      it("resolves at once for a state the node is in, with the node polled (one poll)", async () => {
        let polls = 0;
        const n = await compute.waitFor(node, ["stopped", "running"], { ...wait, onPoll: () => polls++ });
        expect(n.state).toBe("running");
        expect(polls).toBe(1);
      });

      it("refuses a state that is not one of the portable nine", async () => {
        await expect(compute.waitFor(node, "on" as never)).rejects.toBeInstanceOf(InvalidInputError);
      });

      it("destroys its node at once (a guest left running burns a CPU)", async () => {
        await destroy(node);
      });
    });

    describe.skipIf(skipped("idempotency"))("idempotency", () => {
      it("returns the same node when a create is repeated with the same client token", async () => {
        if (!compute.capabilities.idempotentCreate) {
          console.warn(`compute conformance on ${target.name}: creates are not idempotent here (declared)`);
          return;
        }
        const name = `${target.prefix}-idem`;
        const options = {
          name,
          size: target.size,
          image: target.image,
          clientToken: `${target.prefix}-token`,
          extras: target.extras,
        };
        const first = await compute.createNode(options);
        made.add(first.id);
        const second = await compute.createNode(options);
        expect(second.id).toBe(first.id);
        const named = (await collect(compute.listNodes())).filter((n) => n.name === name);
        expect(named).toHaveLength(1);
        await destroy(first);
      });
    });

    describe.skipIf(skipped("bad-input"))("bad-input", () => {
      const base = () => ({
        name: `${target.prefix}-bad`,
        size: target.size,
        image: target.image,
        extras: target.extras,
      });

      it("refuses node names the provider does not allow, before any request", async () => {
        const rules = compute.driver.nodeNames;
        for (const name of ["", "a\nb", "x".repeat(rules.maxLength + 1)]) {
          await expect(compute.createNode({ ...base(), name })).rejects.toBeInstanceOf(InvalidInputError);
        }
      });

      it("names the closest sizes, images and locations for unknown ones", async () => {
        const size = await compute
          .createNode({ ...base(), size: `${target.size}x` })
          .catch((e: unknown) => e);
        expect(size).toBeInstanceOf(InvalidInputError);
        expect((size as Error).message).toContain(`"${target.size}"`);
        const image = await compute
          .createNode({ ...base(), image: `${target.image}-nope` })
          .catch((e: unknown) => e);
        expect(image).toBeInstanceOf(InvalidInputError);
        expect((image as Error).message).toContain(target.image);
        const location = await compute
          .createNode({ ...base(), location: "no-such-location-anywhere" })
          .catch((e: unknown) => e);
        expect(location).toBeInstanceOf(InvalidInputError);
      });

      it("checks user data against the provider's limit", async () => {
        const max = compute.capabilities.userDataMaxBytes;
        const userData = new Uint8Array(max + 1);
        const err = await compute.createNode({ ...base(), userData }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(max > 0 ? InvalidInputError : UnsupportedOperationError);
      });

      it("checks auth against what the provider can apply", async () => {
        const kinds = compute.capabilities.authKinds;
        const key = sshPublicKey("suite@omnicloud");
        const sshKey = await compute
          .createNode({ ...base(), auth: { sshKey: key } })
          .catch((e: unknown) => e);
        if (!kinds.includes("sshKey")) expect(sshKey).toBeInstanceOf(UnsupportedOperationError);
        else made.add((sshKey as Node).id);
        const bad = await compute
          .createNode({ ...base(), auth: { sshKey: "not a key" } })
          .catch((e: unknown) => e);
        // A provider that takes no keys at all says so first; one that does checks the key's form.
        expect(bad).toBeInstanceOf(kinds.includes("sshKey") ? InvalidInputError : UnsupportedOperationError);
        const both = await compute
          .createNode({ ...base(), auth: { sshKey: key, password: "x" } as never })
          .catch((e: unknown) => e);
        expect(both).toBeInstanceOf(InvalidInputError);
      });

      it("refuses bad tags, client tokens, ids and states", async () => {
        await expect(compute.createNode({ ...base(), tags: { "": "x" } })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(compute.createNode({ ...base(), clientToken: "has space" })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(compute.getNode("")).rejects.toBeInstanceOf(InvalidInputError);
        await expect(compute.destroyNode({ id: "a\u0000b" })).rejects.toBeInstanceOf(InvalidInputError);
      });

      it("made nothing while refusing", async () => {
        const names = (await collect(compute.listNodes())).map((n) => n.name);
        expect(names.filter((n) => n.startsWith(`${target.prefix}-bad`))).toEqual([]);
      });
    });

    describe.skipIf(skipped("volumes"))("volumes", () => {
      let volume: Volume;

      it("creates a volume and finds it by id and in the list", async () => {
        if (!compute.capabilities.volumes) return expectUnsupported(() => compute.listVolumes());
        volume = await compute.createVolume({ name: `${target.prefix}-data`, sizeGiB: 1 });
        expect(volume.state).toBe("available");
        expect(volume.sizeGiB).toBeGreaterThanOrEqual(1);
        expect((await compute.getVolume(volume.id)).name).toBe(volume.name);
        expect((await collect(compute.listVolumes())).some((v) => v.id === volume.id)).toBe(true);
      });

      it("attaches it to a node, refuses to destroy it attached, and detaches it", async () => {
        if (!compute.capabilities.volumes) return;
        const node = await compute.waitUntilRunning(await makeNode("vol"), wait);
        if (target.attachNeedsStoppedNode) {
          await compute.stopNode(node, { force: true });
          await compute.waitFor(node, "stopped", wait);
        }
        const attached = await compute.attachVolume(volume, node);
        expect(attached.state).toBe("in-use");
        expect(attached.attachedTo).toBe(node.id);
        await expect(compute.destroyVolume(volume)).rejects.toBeInstanceOf(OmnicloudError);
        const detached = await compute.detachVolume(volume);
        expect(detached.state).toBe("available");
        expect(detached.attachedTo).toBeUndefined();
        await destroy(node);
      });

      it("refuses volume sizes that are not whole GiB, before any request", async () => {
        if (!compute.capabilities.volumes) return;
        for (const sizeGiB of [0, 1.5, -1]) {
          await expect(
            compute.createVolume({ name: `${target.prefix}-bad`, sizeGiB }),
          ).rejects.toBeInstanceOf(InvalidInputError);
        }
      });

      describe.skipIf(skipped("snapshots"))("snapshots", () => {
        it("snapshots the volume, lists the snapshot, makes a volume from it, and destroys both", async () => {
          if (!compute.capabilities.snapshots) return expectUnsupported(() => compute.listSnapshots());
          const snapshot = await compute.createSnapshot(volume, { name: "s1" });
          expect(snapshot.volumeId).toBe(volume.id);
          expect((await collect(compute.listSnapshots({ volume }))).map((s) => s.id)).toContain(snapshot.id);
          expect((await collect(compute.listSnapshots())).map((s) => s.id)).toContain(snapshot.id);
          const restored = await compute.createVolume({
            name: `${target.prefix}-restored`,
            sizeGiB: 1,
            snapshot,
          });
          expect(restored.sizeGiB).toBeGreaterThanOrEqual(volume.sizeGiB);
          await compute.destroyVolume(restored);
          await compute.destroySnapshot(snapshot);
          expect((await collect(compute.listSnapshots({ volume }))).map((s) => s.id)).not.toContain(
            snapshot.id,
          );
        });
      });

      it("destroys the volume, after which it is gone", async () => {
        if (!compute.capabilities.volumes) return;
        await compute.destroyVolume(volume);
        await expect(compute.getVolume(volume.id)).rejects.toBeInstanceOf(NotFoundError);
        expect((await collect(compute.listVolumes())).some((v) => v.id === volume.id)).toBe(false);
      });
    });

    describe.skipIf(skipped("images"))("images", () => {
      it("makes an image from a stopped node, copies it, and deletes both", async () => {
        const caps = compute.capabilities;
        if (!caps.createImage) {
          await expect(compute.createImage("x", { name: "y" })).rejects.toBeInstanceOf(
            UnsupportedOperationError,
          );
          return;
        }
        if (target.diskImage === undefined) {
          console.warn(
            `compute conformance on ${target.name}: no disk image given, image creation not exercised`,
          );
          return;
        }
        const node = await compute.waitUntilRunning(await makeNode("img", target.diskImage), wait);
        expect(node.imageId).toBeDefined();
        await compute.stopNode(node, { force: true });
        await compute.waitFor(node, "stopped", wait);
        const image = await compute.createImage(node, { name: `${target.prefix}-image` });
        expect(image.status).not.toBe("error");
        expect((await collect(compute.listImages())).some((i) => i.id === image.id)).toBe(true);
        if (caps.copyImage) {
          const copy = await compute.copyImage(image, { name: `${target.prefix}-image-copy` });
          expect(copy.id).not.toBe(image.id);
          await compute.deleteImage(copy);
        }
        await compute.deleteImage(image);
        expect((await collect(compute.listImages())).some((i) => i.id === image.id)).toBe(false);
        await destroy(node);
      });
    });

    describe.skipIf(skipped("key-pairs"))("key-pairs", () => {
      it("imports, lists, gets and deletes a key pair (or says it cannot)", async () => {
        if (!compute.capabilities.keyPairs) {
          expectUnsupported(() => compute.listKeyPairs());
          await expect(compute.importKeyPair("k", sshPublicKey("k"))).rejects.toBeInstanceOf(
            UnsupportedOperationError,
          );
          await expect(compute.createKeyPair("k")).rejects.toBeInstanceOf(UnsupportedOperationError);
          await expect(compute.deleteKeyPair("k")).rejects.toBeInstanceOf(UnsupportedOperationError);
          return;
        }
        const name = `${target.prefix}-key`;
        const imported = await compute.importKeyPair(name, sshPublicKey(name));
        expect(imported.name).toBe(name);
        expect((await collect(compute.listKeyPairs())).some((k) => k.name === name)).toBe(true);
        expect((await compute.getKeyPair(name)).name).toBe(name);
        await compute.deleteKeyPair(name);
        await expect(compute.getKeyPair(name)).rejects.toBeInstanceOf(NotFoundError);
      });
    });
  });
}

function expectUnsupported(call: () => unknown): void {
  expect(call).toThrow(UnsupportedOperationError);
}
