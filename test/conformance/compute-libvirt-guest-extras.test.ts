/**
 * The libvirt create extras for booting a guest without a bootloader or a storage pool (kernelBoot,
 * diskFiles, serialLogFile) and for reaching it over user-mode networking (portForwards, isolated), on
 * libvirt's test driver (test:///default): libvirt's real library parses what the driver writes, in process,
 * no daemon. Bad input is refused before anything is defined; forwards, which only QEMU can carry out, are
 * refused for other hypervisors rather than dropped. deploy-node-kvm.test.ts boots a real guest with them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Compute } from "../../src/compute/compute.js";
import { openCompute } from "../../src/compute/open.js";
import { InvalidInputError } from "../../src/core/errors.js";
import type { LibvirtCompute } from "../../src/providers/libvirt/compute.js";
import type { LibvirtCreateExtras } from "../../src/providers/libvirt/node-create.js";

const prefix = `oc-extras-${process.pid}`;

describe("libvirt create extras for direct-boot guests on test:///default", () => {
  let compute: Compute<LibvirtCompute>;
  let lv: LibvirtCompute;

  beforeAll(async () => {
    compute = await openCompute<LibvirtCompute>("libvirt", { uri: "test:///default", pollIntervalMs: 20 });
    lv = compute.as<LibvirtCompute>("libvirt");
  });
  afterAll(async () => {
    await compute?.close();
  });

  async function ourNodes(): Promise<string[]> {
    const names: string[] = [];
    for await (const n of compute.listNodes()) if (n.name.startsWith(prefix)) names.push(n.name);
    return names;
  }

  it("boots a kernel directly from host files, with file disks and the serial console to a file", async () => {
    const node = await compute.createNode({
      name: `${prefix}-boot`,
      size: "micro",
      image: "diskless",
      extras: {
        kernelBoot: {
          kernel: "/srv/guest & co/vmlinuz",
          initrd: "/srv/guest & co/initrd.img",
          cmdline: "root=/dev/vda rw console=ttyS0",
        },
        diskFiles: [
          { path: "/srv/guest & co/disk.raw" },
          { path: "/srv/seed.qcow2", format: "qcow2", readOnly: true },
        ],
        serialLogFile: "/srv/guest & co/serial.log",
        start: false,
      },
    });
    try {
      const xml = await lv.domainXml(node.id);
      expect(xml).toContain("<kernel>/srv/guest &amp; co/vmlinuz</kernel>");
      expect(xml).toContain("<initrd>/srv/guest &amp; co/initrd.img</initrd>");
      expect(xml).toContain("<cmdline>root=/dev/vda rw console=ttyS0</cmdline>");
      expect(xml).toMatch(/<serial type=.file.>\s*<source path=.\/srv\/guest &amp; co\/serial\.log.\/>/);
      expect(node.extra.disks.map((d) => [d.target, d.file, d.format])).toEqual([
        ["vda", "/srv/guest & co/disk.raw", "raw"],
        ["vdb", "/srv/seed.qcow2", "qcow2"],
      ]);
      expect(node.extra.portForwards).toEqual([]);
    } finally {
      // The files are the caller's: destroying the node only undefines the domain.
      await compute.destroyNode(node);
    }
    expect(await ourNodes()).toEqual([]);
  });

  const refused: [string, LibvirtCreateExtras, RegExp][] = [
    [
      "a relative kernel path",
      { kernelBoot: { kernel: "boot/vmlinuz" } },
      /kernelBoot\.kernel must be an absolute path/,
    ],
    ["a newline in the initrd path", { kernelBoot: { kernel: "/k", initrd: "/i\n" } }, /kernelBoot\.initrd/],
    ["a control character in the cmdline", { kernelBoot: { kernel: "/k", cmdline: "a\u0007b" } }, /cmdline/],
    ["a relative disk file", { diskFiles: [{ path: "disk.raw" }] }, /diskFiles\[0\]\.path/],
    [
      "a disk format other than raw and qcow2",
      { diskFiles: [{ path: "/d.vmdk", format: "vmdk" as "raw" }] },
      /diskFiles\[0\]\.format/,
    ],
    [
      "more file disks than device names are kept for",
      { diskFiles: Array.from({ length: 17 }, (_, i) => ({ path: `/d${i}.raw` })) },
      /at most 16/,
    ],
    ["a relative serial log path", { serialLogFile: "serial.log" }, /serialLogFile/],
    [
      "port 0",
      { network: { type: "user", portForwards: [{ hostPort: 0, guestPort: 22 }] } },
      /hostPort must be a port number/,
    ],
    [
      "a port above 65535",
      { network: { type: "user", portForwards: [{ hostPort: 2222, guestPort: 70000 }] } },
      /guestPort must be a port number/,
    ],
    [
      "a host name instead of an IPv4 address",
      {
        network: {
          type: "user",
          portForwards: [{ hostAddress: "localhost", hostPort: 2222, guestPort: 22 }],
        },
      },
      /IPv4 address/,
    ],
    [
      "an address carrying more QEMU options",
      {
        network: {
          type: "user",
          portForwards: [{ hostAddress: "127.0.0.1,hostfwd=tcp::1-:1", hostPort: 2222, guestPort: 22 }],
        },
      },
      /IPv4 address/,
    ],
    [
      "a protocol QEMU cannot forward",
      {
        network: { type: "user", portForwards: [{ proto: "sctp" as "tcp", hostPort: 2222, guestPort: 22 }] },
      },
      /proto must be "tcp" or "udp"/,
    ],
    [
      "the same host port twice",
      {
        network: {
          type: "user",
          portForwards: [
            { hostPort: 2222, guestPort: 22 },
            { hostAddress: "127.0.0.2", hostPort: 2222, guestPort: 80 },
          ],
        },
      },
      /tcp\/2222 is forwarded twice/,
    ],
  ];

  for (const [what, extras, message] of refused) {
    it(`refuses ${what} before defining anything`, async () => {
      const err = await compute
        .createNode({ name: `${prefix}-bad`, size: "nano", image: "diskless", extras })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toMatch(message);
      expect(await ourNodes()).toEqual([]);
    });
  }

  it("refuses port forwards and isolation for hypervisors other than QEMU, which would drop them", async () => {
    for (const network of [
      { type: "user" as const, portForwards: [{ hostPort: 2222, guestPort: 22 }] },
      { type: "user" as const, isolated: true },
    ]) {
      const err = await compute
        .createNode({ name: `${prefix}-fwd`, size: "nano", image: "diskless", extras: { network } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toContain('need a "kvm" or "qemu" domain, not "test"');
    }
    // Plain user networking needs no QEMU option, so any hypervisor takes it.
    const plain = await compute.createNode({
      name: `${prefix}-user`,
      size: "nano",
      image: "diskless",
      extras: { network: { type: "user" }, start: false },
    });
    await compute.destroyNode(plain);
    expect(await ourNodes()).toEqual([]);
  });
});
