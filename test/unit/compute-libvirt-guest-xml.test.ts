/**
 * Domain XML for guests booted the way the KVM deployment test boots its Debian guest: a kernel loaded
 * directly, a host file as the root disk, the serial console to a file, and user-mode networking with a
 * host port forwarded to the guest's sshd through QEMU's own netdev (libvirt 9.0's passt backend is not
 * usable everywhere; see src/providers/libvirt/domain-xml.ts). Everything written must be escaped, and
 * the forwards must read back from the XML libvirt returns.
 */
import { describe, expect, it } from "vitest";
import { parseDomainXml } from "../../src/providers/libvirt/domain-parse.js";
import {
  type DomainSpec,
  domainXml,
  FORWARD_NETDEV_ID,
  forwardNetdevOption,
  QEMU_NS,
} from "../../src/providers/libvirt/domain-xml.js";

const created = new Date("2026-01-02T03:04:05.000Z");

function spec(overrides: Partial<DomainSpec> = {}): DomainSpec {
  return {
    name: "guest-1",
    type: "kvm",
    vcpus: 1,
    memoryMiB: 1024,
    arch: "x86_64",
    machine: "pc",
    disks: [],
    metadata: {
      size: "small",
      image: "diskless",
      clientToken: "tok",
      createdAt: created,
      tags: {},
      ownedVolumes: [],
    },
    ...overrides,
  };
}

/** libvirt hands the document back with a uuid; our parser needs one. */
const withUuid = (xml: string): string =>
  xml.replace("<name>", "<uuid>00000000-0000-0000-0000-000000000001</uuid><name>");

describe("libvirt domain XML: direct kernel boot, file disks, serial log", () => {
  it("boots the kernel directly, without a boot device, and escapes every path", () => {
    const xml = domainXml(
      spec({
        kernelBoot: {
          kernel: "/g/a&b/vmlinuz",
          initrd: "/g/'q'/initrd.img",
          cmdline: 'root=/dev/vda rw console=ttyS0 x="<y>"',
        },
        fileDisks: [
          { file: "/g/disk&1.raw", format: "raw", target: "vda", readOnly: false },
          { file: "/g/seed.qcow2", format: "qcow2", target: "vdb", readOnly: true },
        ],
        serialLogFile: "/g/serial<1>.log",
      }),
    );
    expect(xml).toContain(
      '<os><type arch="x86_64" machine="pc">hvm</type><kernel>/g/a&amp;b/vmlinuz</kernel>' +
        "<initrd>/g/'q'/initrd.img</initrd>" +
        '<cmdline>root=/dev/vda rw console=ttyS0 x="&lt;y&gt;"</cmdline></os>',
    );
    expect(xml).not.toContain("<boot ");
    expect(xml).toContain(
      '<disk type="file" device="disk"><driver name="qemu" type="raw"/><source file="/g/disk&amp;1.raw"/>' +
        '<target dev="vda" bus="virtio"/></disk>',
    );
    expect(xml).toContain('<source file="/g/seed.qcow2"/><target dev="vdb" bus="virtio"/><readonly/></disk>');
    expect(xml).toContain(
      '<serial type="file"><source path="/g/serial&lt;1&gt;.log"/><target port="0"/></serial>',
    );
    const facts = parseDomainXml(withUuid(xml));
    expect(facts.disks.map((d) => [d.target, d.file, d.format])).toEqual([
      ["vda", "/g/disk&1.raw", "raw"],
      ["vdb", "/g/seed.qcow2", "qcow2"],
    ]);
  });

  it("keeps the boot device and adds no qemu namespace when none of this is asked for", () => {
    const xml = domainXml(spec({ network: { type: "user" } }));
    expect(xml).toContain('<boot dev="hd"/>');
    expect(xml).toMatch(/^<domain type="kvm">/);
    expect(xml).not.toContain("qemu:");
    expect(xml).toContain('<interface type="user"><model type="virtio"/></interface>');
    expect(parseDomainXml(withUuid(xml)).portForwards).toEqual([]);
  });
});

describe("libvirt domain XML: port forwards over user-mode networking", () => {
  const forwards = [
    { proto: "tcp" as const, hostAddress: "127.0.0.1", hostPort: 42022, guestPort: 22 },
    { proto: "udp" as const, hostAddress: "127.0.0.2", hostPort: 45353, guestPort: 53 },
  ];

  it("points libvirt's NIC at a netdev of ours that carries the forwards", () => {
    const xml = domainXml(spec({ network: { type: "user", portForwards: forwards, isolated: true } }));
    expect(xml).toMatch(new RegExp(`^<domain type="kvm" xmlns:qemu="${QEMU_NS}">`));
    // libvirt keeps its interface (PCI slot, MAC); the alias is how the override finds it.
    expect(xml).toContain(
      `<interface type="user"><model type="virtio"/><alias name="ua-${FORWARD_NETDEV_ID}"/></interface>`,
    );
    expect(xml).toContain(
      '<qemu:commandline><qemu:arg value="-netdev"/>' +
        `<qemu:arg value="user,id=${FORWARD_NETDEV_ID},restrict=on,hostfwd=tcp:127.0.0.1:42022-:22,hostfwd=udp:127.0.0.2:45353-:53"/>` +
        "</qemu:commandline>",
    );
    expect(xml).toContain(
      `<qemu:override><qemu:device alias="ua-${FORWARD_NETDEV_ID}"><qemu:frontend>` +
        `<qemu:property name="netdev" type="string" value="${FORWARD_NETDEV_ID}"/>` +
        "</qemu:frontend></qemu:device></qemu:override>",
    );
    expect(parseDomainXml(withUuid(xml)).portForwards).toEqual(forwards);
  });

  it("adds restrict=on only when isolation is asked for, and isolation alone needs our netdev too", () => {
    expect(forwardNetdevOption(forwards.slice(0, 1), false)).toBe(
      `user,id=${FORWARD_NETDEV_ID},hostfwd=tcp:127.0.0.1:42022-:22`,
    );
    const isolatedOnly = domainXml(spec({ network: { type: "user", isolated: true } }));
    expect(isolatedOnly).toContain(`<qemu:arg value="user,id=${FORWARD_NETDEV_ID},restrict=on"/>`);
    expect(parseDomainXml(withUuid(isolatedOnly)).portForwards).toEqual([]);
  });

  it("doubles commas, QEMU's escape, so no value can add an option", () => {
    const sneaky = {
      proto: "tcp" as const,
      hostAddress: "1.2.3.4,hostfwd=tcp::1-:1",
      hostPort: 1,
      guestPort: 2,
    };
    const option = forwardNetdevOption([sneaky], false);
    expect(option).toBe(`user,id=${FORWARD_NETDEV_ID},hostfwd=tcp:1.2.3.4,,hostfwd=tcp::1-:1:1-:2`);
    // Read back as one (unparseable, hence ignored) rule, never as a second forward.
    const xml = domainXml(spec()).replace(
      "</domain>",
      `<q:commandline xmlns:q="${QEMU_NS}"><q:arg value="-netdev"/><q:arg value="${option}"/></q:commandline></domain>`,
    );
    expect(parseDomainXml(withUuid(xml)).portForwards).toEqual([]);
  });

  it("reads forwards as libvirt writes them back: any prefix bound to the qemu namespace, only our netdev", () => {
    const doc = `<domain type='kvm' xmlns:q='${QEMU_NS}'><name>n</name><uuid>u</uuid>
      <q:commandline>
        <q:arg value='-netdev'/><q:arg value='user,id=someone-else,hostfwd=tcp:127.0.0.1:1000-:22'/>
        <q:arg value='-netdev'/><q:arg value='user,id=${FORWARD_NETDEV_ID},hostfwd=tcp::2000-:22'/>
      </q:commandline></domain>`;
    expect(parseDomainXml(doc).portForwards).toEqual([
      { proto: "tcp", hostAddress: "0.0.0.0", hostPort: 2000, guestPort: 22 },
    ]);
    const otherNs = doc.replace(`xmlns:q='${QEMU_NS}'`, "xmlns:q='urn:not-qemu'");
    expect(parseDomainXml(otherNs).portForwards).toEqual([]);
  });
});
