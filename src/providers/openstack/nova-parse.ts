/**
 * Nova's server, flavor, key pair and zone objects read into the portable model. A server's portable state
 * comes from its status, refined by its task state (a SHUTOFF server being powered on is "starting").
 * Tags are the server's metadata; the key carrying a create's client token is kept out of them.
 */
import type { NodeState } from "../../compute/states.js";
import type { KeyPair, Location, Node, Size } from "../../compute/types.js";
import type { DocReader } from "../../core/codec/read.js";

/** The metadata key holding (a hash of) the client token of the create that made the server. */
export const TOKEN_METADATA_KEY = "omnicloud-client-token";

const STATUS: Readonly<Record<string, NodeState>> = {
  ACTIVE: "running",
  BUILD: "pending",
  REBUILD: "pending",
  RESIZE: "pending",
  VERIFY_RESIZE: "pending",
  REVERT_RESIZE: "pending",
  MIGRATING: "pending",
  PASSWORD: "running",
  RESCUE: "running",
  REBOOT: "rebooting",
  HARD_REBOOT: "rebooting",
  SHUTOFF: "stopped",
  SUSPENDED: "stopped",
  PAUSED: "stopped",
  SHELVED: "stopped",
  SHELVED_OFFLOADED: "stopped",
  DELETED: "terminated",
  SOFT_DELETED: "terminated",
  ERROR: "error",
  UNKNOWN: "unknown",
};

/** Task states that say where the server is going, which the status shows only once it got there. */
const TASK: Readonly<Record<string, NodeState>> = {
  "powering-off": "stopping",
  "powering-on": "starting",
  rebooting: "rebooting",
  reboot_pending: "rebooting",
  reboot_started: "rebooting",
  rebooting_hard: "rebooting",
  reboot_pending_hard: "rebooting",
  reboot_started_hard: "rebooting",
  deleting: "stopping",
};

export function mapServerState(status: string, taskState?: string): NodeState {
  const task = taskState === undefined ? undefined : TASK[taskState];
  return task ?? STATUS[status.toUpperCase()] ?? "unknown";
}

/** What Nova says about a server beyond the portable Node. */
export interface OpenStackNodeExtra {
  flavorId: string | undefined;
  keyName: string | undefined;
  hostId: string | undefined;
  taskState: string | undefined;
  powerState: number | undefined;
  /** Addresses by network name, as Nova groups them. */
  networks: Record<string, string[]>;
  metadata: Record<string, string>;
  /** Volumes attached, by id. */
  volumeIds: string[];
  adminPass: string | undefined;
  updatedAt: Date | undefined;
}

function text(doc: DocReader, path: string): string | undefined {
  const value = doc.optStr(path);
  return value === undefined || value === "" ? undefined : value;
}

function metadataOf(doc: DocReader): Record<string, string> {
  const raw = doc.raw("metadata");
  const out: Record<string, string> = {};
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>))
      if (typeof v === "string") out[k] = v;
  }
  return out;
}

/** An image or flavor reference: `{"id": …}`, or "" for a server booted from a volume. */
function refId(doc: DocReader, path: string): string | undefined {
  const ref = doc.optAt(path);
  if (ref === undefined || typeof ref.value === "string") return undefined;
  return ref.optId("id");
}

/** RFC 1918, shared (RFC 6598), loopback and link-local IPv4; unique-local, site-local and link-local IPv6. */
export function isPrivateAddress(ip: string): boolean {
  if (ip.includes(":")) return /^(f[cd]|fe[89ab]|fe[c-f])/i.test(ip) || ip === "::1";
  const [a = 0, b = 0] = ip.split(".").map(Number);
  return (
    a === 10 ||
    a === 127 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

export function parseServer(doc: DocReader, provider: string): Node<OpenStackNodeExtra> {
  const id = doc.id("id");
  const status = doc.str("status");
  const taskState = text(doc, "OS-EXT-STS:task_state");
  const metadata = metadataOf(doc);
  const { [TOKEN_METADATA_KEY]: _token, ...tags } = metadata;
  const networks: Record<string, string[]> = {};
  const publicIps: string[] = [];
  const privateIps: string[] = [];
  const addresses = doc.optAt("addresses");
  for (const name of addresses && typeof addresses.value === "object"
    ? Object.keys(addresses.value as object)
    : []) {
    const list = addresses!.list([name]);
    networks[name] = [];
    for (const address of list) {
      const ip = address.str("addr");
      networks[name].push(ip);
      // Floating addresses are the public face of a server whatever their range; a fixed address is
      // public when it is routable (provider networks), private in the private and local ranges.
      const floating = address.optStr("OS-EXT-IPS:type") === "floating" || name === "public";
      (floating || !isPrivateAddress(ip) ? publicIps : privateIps).push(ip);
    }
  }
  const accessV4 = text(doc, "accessIPv4");
  if (accessV4 && !publicIps.includes(accessV4)) publicIps.push(accessV4);
  const zone = text(doc, "OS-EXT-AZ:availability_zone");
  return {
    provider,
    id,
    name: doc.optStr("name") ?? id,
    state: mapServerState(status, taskState),
    providerState: taskState ? `${status} (${taskState})` : status,
    publicIps,
    privateIps,
    sizeId: refId(doc, "flavor"),
    imageId: refId(doc, "image"),
    locationId: zone,
    createdAt: doc.optDate("created"),
    tags,
    extra: {
      flavorId: refId(doc, "flavor"),
      keyName: text(doc, "key_name"),
      hostId: text(doc, "hostId"),
      taskState,
      powerState: doc.optInt("OS-EXT-STS:power_state"),
      networks,
      metadata,
      volumeIds: doc.list("os-extended-volumes:volumes_attached").map((v) => v.id("id")),
      adminPass: text(doc, "adminPass"),
      updatedAt: doc.optDate("updated"),
    },
  };
}

export function parseFlavor(doc: DocReader, provider: string): Size {
  const id = doc.id("id");
  return {
    provider,
    id,
    name: doc.optStr("name") ?? id,
    vcpus: doc.int("vcpus"),
    ramMiB: doc.int("ram"),
    diskGiB: doc.optInt("disk"),
    // Clouds price flavors in their own billing, never through the API.
    price: undefined,
  };
}

export function parseKeyPair(doc: DocReader, provider: string): KeyPair {
  const name = doc.str("name");
  return {
    provider,
    name,
    id: name,
    fingerprint: text(doc, "fingerprint"),
    publicKey: doc.optStr("public_key")?.trim(),
  };
}

export function parseZone(doc: DocReader, provider: string): Location {
  const name = doc.str("zoneName");
  return { provider, id: name, name };
}
