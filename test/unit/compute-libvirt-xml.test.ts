import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/core/errors.js";
import { insertDevice, removeDisk } from "../../src/providers/libvirt/disks.js";
import { parseDomainXml } from "../../src/providers/libvirt/domain-parse.js";
import { type DomainSpec, diskXml, domainXml, METADATA_NS } from "../../src/providers/libvirt/domain-xml.js";
import {
  bytesToGiB,
  parseNetworkXml,
  parsePoolXml,
  parseVolumeXml,
  volumeXml,
} from "../../src/providers/libvirt/storage-xml.js";

const created = new Date("2026-01-02T03:04:05.000Z");

function spec(overrides: Partial<DomainSpec> = {}): DomainSpec {
  return {
    name: "web-1",
    type: "kvm",
    vcpus: 2,
    memoryMiB: 1024,
    arch: "x86_64",
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

describe("libvirt domain XML", () => {
  it("escapes names, titles, descriptions, tags and sources, and reads them back unchanged", () => {
    const name = `a&b <c> "d" 'e'`;
    const xml = domainXml(
      spec({
        name,
        title: "t & <t>",
        description: "two\nlines & <x>",
        disks: [{ pool: "p&'q", volume: 'v"<1>', format: "raw", target: "vda" }],
        network: { type: "network", network: "net&<1>" },
        metadata: {
          size: "s&<",
          image: "p/i&'>",
          clientToken: "tok&",
          createdAt: created,
          tags: { "k & <k>": "v \"q\" 'a'", empty: "" },
          ownedVolumes: [{ pool: "p&'q", volume: 'v"<1>' }],
        },
      }),
    );
    expect(xml).toContain("<name>a&amp;b &lt;c&gt; \"d\" 'e'</name>");
    expect(xml).not.toMatch(/<name>[^<]*<c>/);
    expect(xml).toContain(`source pool="p&amp;&apos;q" volume="v&quot;&lt;1&gt;"`);
    const facts = parseDomainXml(
      xml.replace("<name>", "<uuid>00000000-0000-0000-0000-000000000001</uuid><name>"),
    );
    expect(facts.name).toBe(name);
    expect(facts.title).toBe("t & <t>");
    expect(facts.disks).toEqual([
      { device: "disk", target: "vda", pool: "p&'q", volume: 'v"<1>', file: undefined, format: "raw" },
    ]);
    expect(facts.interfaces).toEqual([{ type: "network", network: "net&<1>", mac: undefined }]);
    expect(facts.metadata).toEqual({
      size: "s&<",
      image: "p/i&'>",
      clientToken: "tok&",
      createdAt: created,
      tags: { "k & <k>": "v \"q\" 'a'", empty: "" },
      ownedVolumes: [{ pool: "p&'q", volume: 'v"<1>' }],
    });
  });

  it("refuses characters XML cannot carry instead of sending them", () => {
    expect(() => domainXml(spec({ name: "bad\u0001name" }))).toThrow(InvalidInputError);
    expect(() => domainXml(spec({ metadata: { ...spec().metadata, tags: { k: "\uFFFE" } } }))).toThrow(
      InvalidInputError,
    );
  });

  it("states resources, firmware type, ACPI, and only what was asked for", () => {
    const xml = domainXml(
      spec({ machine: "pc", emulator: "/usr/bin/qemu-system-x86_64", network: { type: "user" } }),
    );
    expect(xml).toMatch(/^<domain type="kvm">/);
    expect(xml).toContain('<memory unit="MiB">1024</memory><vcpu>2</vcpu>');
    expect(xml).toContain('<type arch="x86_64" machine="pc">hvm</type>');
    expect(xml).toContain("<features><acpi/><apic/></features>");
    expect(xml).toContain("<emulator>/usr/bin/qemu-system-x86_64</emulator>");
    expect(xml).toContain('<interface type="user"><model type="virtio"/></interface>');
    const bare = domainXml(spec());
    expect(bare).not.toContain("machine=");
    expect(bare).not.toContain("<emulator>");
    expect(bare).not.toContain("<interface");
    expect(bare).not.toContain("<title>");
  });

  it("keeps metadata under omnicloud's namespace, found by namespace whatever the prefix", () => {
    const xml = domainXml(spec());
    expect(xml).toContain(`xmlns:omnicloud="${METADATA_NS}"`);
    const other = `<domain type='test'><name>n</name><uuid>u</uuid><metadata><x:node xmlns:x="${METADATA_NS}"><x:size>big</x:size><x:tag key="a">b</x:tag></x:node><y:node xmlns:y="urn:other"><y:size>no</y:size></y:node></metadata></domain>`;
    expect(parseDomainXml(other).metadata).toMatchObject({ size: "big", tags: { a: "b" } });
    const foreign = `<domain type='test'><name>n</name><uuid>u</uuid><metadata><y:node xmlns:y="urn:other"/></metadata></domain>`;
    expect(parseDomainXml(foreign).metadata).toBeUndefined();
  });

  it("reads memory in any unit libvirt writes", () => {
    const read = (memory: string) =>
      parseDomainXml(
        `<domain type='kvm'><name>n</name><uuid>u</uuid>${memory}<vcpu placement='static'>3</vcpu></domain>`,
      );
    expect(read("<memory unit='KiB'>131072</memory>").memoryMiB).toBe(128);
    expect(read("<memory>262144</memory>").memoryMiB).toBe(256);
    expect(read("<memory unit='GiB'>2</memory>").memoryMiB).toBe(2048);
    expect(read("<memory unit='KiB'>131072</memory>").vcpus).toBe(3);
  });

  it("adds and removes a disk in a domain document", () => {
    const disk = diskXml({ pool: "p", volume: "v&1", format: "qcow2", target: "vdb" });
    expect(disk).toBe(
      '<disk type="volume" device="disk"><driver name="qemu" type="qcow2"/><source pool="p" volume="v&amp;1"/><target dev="vdb" bus="virtio"/></disk>',
    );
    const domain = "<domain><name>n</name><devices><emulator>/x</emulator></devices></domain>";
    const added = insertDevice(domain, disk);
    expect(added).toBe(`<domain><name>n</name><devices><emulator>/x</emulator>${disk}</devices></domain>`);
    expect(insertDevice("<domain><devices/></domain>", disk)).toBe(
      `<domain><devices>${disk}</devices></domain>`,
    );
    expect(insertDevice("<domain></domain>", disk)).toBe(`<domain><devices>${disk}</devices></domain>`);
    const other = "<disk type='file' device='cdrom'><source file='/a.iso'/><target dev='hdc'/></disk>";
    const both = insertDevice(added, other);
    expect(removeDisk(both, { pool: "p", volume: "v&1" })).toBe(insertDevice(domain, other));
    expect(removeDisk(both, { pool: "p", volume: "v" })).toBe(both);
  });
});

describe("libvirt storage and network XML", () => {
  it("writes volume documents with an exact byte capacity", () => {
    expect(volumeXml({ name: "a<b", capacityBytes: 1073741824, format: "raw" })).toBe(
      '<volume><name>a&lt;b</name><capacity unit="bytes">1073741824</capacity><target><format type="raw"/></target></volume>',
    );
    expect(volumeXml({ name: "c", capacityBytes: 1 })).toBe(
      '<volume><name>c</name><capacity unit="bytes">1</capacity></volume>',
    );
  });

  it("reads volumes, pools and networks as libvirt writes them", () => {
    const vol = parseVolumeXml(`<volume type='file'>
  <name>disk 1</name>
  <key>/p/disk 1</key>
  <capacity unit='bytes'>1610612736</capacity>
  <allocation unit='bytes'>4096</allocation>
  <target><path>/p/disk 1</path><format type='qcow2'/></target>
</volume>`);
    expect(vol).toEqual({
      name: "disk 1",
      key: "/p/disk 1",
      path: "/p/disk 1",
      capacityBytes: 1610612736,
      allocationBytes: 4096,
      format: "qcow2",
    });
    expect(bytesToGiB(vol.capacityBytes)).toBe(2);
    expect(
      parsePoolXml(
        "<pool type='dir'><name>p</name><capacity unit='bytes'>10</capacity><target><path>/p</path></target></pool>",
      ),
    ).toEqual({
      name: "p",
      type: "dir",
      path: "/p",
      capacityBytes: 10,
      availableBytes: undefined,
    });
    expect(
      parseNetworkXml(
        "<network><name>default</name><forward mode='nat'/><bridge name='virbr0'/><ip address='192.168.122.1' netmask='255.255.255.0'/></network>",
      ),
    ).toEqual({ name: "default", bridge: "virbr0", forward: "nat", cidr: "192.168.122.1/24" });
    expect(
      parseNetworkXml("<network><name>iso</name><ip address='10.0.0.1' prefix='8'/></network>"),
    ).toMatchObject({
      forward: undefined,
      cidr: "10.0.0.1/8",
    });
  });
});
