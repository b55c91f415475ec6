/**
 * The compute conformance suite on real KVM: a private libvirtd in session mode (test/support/libvirtd.ts)
 * boots real QEMU/KVM guests. The guest is diskless and boots SeaBIOS (see ../shared/SERVERS.md), which is
 * enough to prove the lifecycle: it reaches running, is stopped, started, reset and destroyed. Volumes,
 * snapshots and images use the daemon's `dir` storage pool in its state dir. Each guest
 * burns a CPU in SeaBIOS, so the suite destroys every guest as soon as its test is done, and stopping the
 * daemon destroys any that are left.
 *
 * Without /dev/kvm or the packages the suite is skipped loudly on a developer machine, and FAILS under CI.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCompute } from "../../src/compute/open.js";
import { kvmUnavailableReason, type Libvirtd, startLibvirtd } from "../support/libvirtd.js";
import { computeConformanceSuite } from "./compute-suite.js";

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

let startError: Error | undefined;
let daemon: Libvirtd | undefined;
// Started while the file is collected, so that a host without KVM can skip (or, under CI, fail) the suite.
const unavailable = kvmUnavailableReason();
if (unavailable) startError = new Error(unavailable);
else {
  try {
    daemon = await startLibvirtd();
  } catch (err) {
    startError = err as Error;
  }
}

if (startError) {
  if (inCi()) {
    describe("compute conformance: libvirt on KVM", () => {
      it("starts a private libvirtd with KVM (required under CI)", () => {
        throw startError;
      });
    });
  } else {
    console.warn(`SKIPPED compute conformance on real KVM: ${startError.message.split("\n")[0]}`);
    describe.skip("compute conformance: libvirt on KVM (unavailable here)", () => {
      it("needs /dev/kvm, libvirtd and qemu-system-x86", () => {});
    });
  }
} else {
  const d = daemon!;
  console.log(
    `libvirtd for KVM: pid ${d.pid}, /dev/kvm via ${d.kvmAccess}, ${d.uri}\n  ${d.command.join(" ")}`,
  );
  afterAll(() => d.stop());
  const options = { uri: d.uri, machine: "pc", pool: d.pool, pollIntervalMs: 100 };
  // A blank disk image in the daemon's pool for the images section: SeaBIOS finds nothing to boot on it,
  // which is enough to make a node from it and an image from that node. It goes with the daemon's state dir.
  const diskImage = `oc-kvm-${process.pid}-base.img`;
  beforeAll(async () => {
    const compute = await openCompute("libvirt", options);
    try {
      await compute.createVolume({ name: diskImage, sizeGiB: 1 });
    } finally {
      await compute.close();
    }
  });

  computeConformanceSuite({
    name: `libvirt on KVM (${d.uri})`,
    open: () => openCompute("libvirt", options),
    size: "nano",
    image: "diskless",
    diskImage,
    // No OS in the guest answers ACPI, so power requests must be hard ones.
    hardPowerOnly: true,
    // Nor does it answer a PCI hot-unplug request: a disk detached from the running guest would stay in
    // the live domain (and the volume "in-use") forever. Volumes are attached to the stopped node instead.
    attachNeedsStoppedNode: true,
    wait: { timeoutMs: 120_000, intervalMs: 100 },
    prefix: `oc-kvm-${process.pid}`,
  });

  describe("libvirt on KVM: the guest is a real KVM machine", () => {
    it("runs QEMU with KVM acceleration, and leaves no guest behind", async () => {
      const compute = await openCompute("libvirt", options);
      const name = `oc-kvm-${process.pid}-accel`;
      const node = await compute.createNode({ name, size: "nano", image: "diskless" });
      try {
        expect((await compute.waitUntilRunning(node, { timeoutMs: 120_000, intervalMs: 100 })).state).toBe(
          "running",
        );
        expect(node.extra).toMatchObject({ domainType: "kvm" });
        const log = await readFile(
          join(d.stateDir, "cache", "libvirt", "qemu", "log", `${name}.log`),
          "utf8",
        );
        expect(log).toContain("-accel kvm");
      } finally {
        await compute.destroyNode(node);
      }
      for await (const n of compute.listNodes())
        expect(n.name.startsWith(`oc-kvm-${process.pid}`)).toBe(false);
      await compute.close();
    });
  });
}
