/**
 * A domain as a portable Node: state from virDomainGetState, the rest from its XML and, for running
 * domains with interfaces, the addresses libvirt knows (DHCP leases of its networks).
 */
import type { Node } from "../../compute/types.js";
import { OmnicloudError } from "../../core/errors.js";
import type { LibvirtContext } from "./context.js";
import { type DiskFact, type DomainFacts, type InterfaceFact, parseDomainXml } from "./domain-parse.js";
import type { PortForwardSpec } from "./domain-xml.js";
import type { Ptr } from "./ffi.js";
import { mapDomainState } from "./states.js";

/** What libvirt says about a node beyond the portable fields. */
export interface LibvirtNodeExtra {
  uuid: string;
  /** The domain type: "kvm", "qemu", "test", … */
  domainType: string;
  memoryMiB: number | undefined;
  vcpus: number | undefined;
  /** libvirt's reason for the state, e.g. "destroyed" for a shutoff domain. */
  stateReason: string;
  disks: DiskFact[];
  interfaces: InterfaceFact[];
  /**
   * Host ports forwarded to the guest on user-mode networking (`extras.network.portForwards` at create):
   * how a guest without an address of its own on the host's networks is reached, e.g. SSH on
   * 127.0.0.1:hostPort.
   */
  portForwards: PortForwardSpec[];
  /** True when omnicloud made the domain (it carries our metadata). */
  managed: boolean;
  /** The client token of the create that made it, for managed domains. */
  clientToken: string | undefined;
}

const VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE = 0;

/** RFC 1918, shared (RFC 6598), link-local, loopback and unique-local ranges: not reachable from the internet. */
export function isPrivateAddress(ip: string): boolean {
  if (ip.includes(":")) {
    const lower = ip.toLowerCase();
    return lower === "::1" || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower);
  }
  const [a, b] = ip.split(".").map(Number) as [number, number];
  return (
    a === 10 ||
    a === 127 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

export async function domainFacts(
  ctx: LibvirtContext,
  dom: Ptr,
  what: string,
  flags = 0,
): Promise<DomainFacts> {
  return parseDomainXml(await ctx.conn.text("virDomainGetXMLDesc", what, dom, flags));
}

export async function readNode(ctx: LibvirtContext, dom: Ptr, what: string): Promise<Node<LibvirtNodeExtra>> {
  const { state, reason } = await ctx.conn.lib.domainState(dom, what);
  const mapped = mapDomainState(state, reason);
  const facts = await domainFacts(ctx, dom, what);
  const publicIps: string[] = [];
  const privateIps: string[] = [];
  if (mapped.state === "running" && facts.interfaces.length > 0) {
    // Addresses are a best effort: a guest on user-mode networking, or one that has no lease yet, has none
    // libvirt can tell, and that must not make the node unreadable.
    const ifaces = await ctx.conn.lib
      .interfaceAddresses(dom, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, what)
      .catch((err: unknown) => {
        if (err instanceof OmnicloudError) return [];
        throw err;
      });
    for (const iface of ifaces) {
      for (const a of iface.addresses) (isPrivateAddress(a.addr) ? privateIps : publicIps).push(a.addr);
    }
  }
  const meta = facts.metadata;
  return {
    provider: "libvirt",
    id: facts.uuid,
    name: facts.name,
    state: mapped.state,
    providerState: mapped.providerState,
    publicIps,
    privateIps,
    sizeId: meta?.size || undefined,
    imageId: meta?.image || undefined,
    locationId: ctx.location.id,
    createdAt: meta && !Number.isNaN(meta.createdAt.getTime()) ? meta.createdAt : undefined,
    tags: meta?.tags ?? {},
    extra: {
      uuid: facts.uuid,
      domainType: facts.type,
      memoryMiB: facts.memoryMiB,
      vcpus: facts.vcpus,
      stateReason: mapped.reason,
      disks: facts.disks,
      interfaces: facts.interfaces,
      portForwards: facts.portForwards,
      managed: meta !== undefined,
      clientToken: meta?.clientToken || undefined,
    },
  };
}
