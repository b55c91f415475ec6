import type { Compute } from "../../compute/compute.js";
import type { Image, KeyPair, Location, Node, Size } from "../../compute/types.js";
import { type CommandRun, expectArgs, type Invocation } from "../command-spec.js";
import type { Cli } from "../context.js";
import { formatBytes, formatDate } from "../format.js";
import { type Column, printList } from "../output.js";
import { openComputeFor } from "./open-compute.js";

/** Open, list, close: every compute listing has this shape. */
async function listing<T>(
  cli: Cli,
  invocation: Invocation,
  verb: string,
  items: (compute: Compute, signal: AbortSignal) => AsyncIterable<T>,
  columns: readonly Column<T>[],
): Promise<number> {
  expectArgs(invocation, 0, 0, `compute ${verb}`);
  const compute = await openComputeFor(cli, invocation.values);
  try {
    await printList<T>(cli, items(compute, cli.signal), columns, (x) => x, {
      empty: `(no ${verb} on ${compute.provider})`,
    });
  } finally {
    await compute.close();
  }
  return 0;
}

export const nodesCommand: CommandRun = (cli, invocation) =>
  listing<Node>(cli, invocation, "nodes", (c, signal) => c.listNodes({ signal }), [
    { header: "ID", value: (n) => n.id },
    { header: "NAME", value: (n) => n.name },
    { header: "STATE", value: (n) => n.state },
    { header: "IPS", value: (n) => [...n.publicIps, ...n.privateIps].join(",") || "-" },
    { header: "SIZE", value: (n) => n.sizeId ?? "-" },
    { header: "CREATED", value: (n) => formatDate(n.createdAt) },
  ]);

export const sizesCommand: CommandRun = (cli, invocation) =>
  listing<Size>(cli, invocation, "sizes", (c, signal) => c.listSizes({ signal }), [
    { header: "ID", value: (s) => s.id },
    { header: "NAME", value: (s) => s.name },
    { header: "VCPUS", value: (s) => String(s.vcpus), right: true },
    { header: "RAM", value: (s) => formatBytes(s.ramMiB * 1024 * 1024), right: true },
    { header: "DISK", value: (s) => (s.diskGiB === undefined ? "-" : `${s.diskGiB} GiB`), right: true },
    {
      header: "PRICE",
      value: (s) => (s.price ? `${s.price.amount} ${s.price.currency}/${s.price.per}` : "-"),
    },
  ]);

export const imagesCommand: CommandRun = (cli, invocation) =>
  listing<Image>(cli, invocation, "images", (c, signal) => c.listImages({ signal }), [
    { header: "ID", value: (i) => i.id },
    { header: "NAME", value: (i) => i.name },
    { header: "STATUS", value: (i) => i.status },
    { header: "OS", value: (i) => i.os ?? "-" },
    {
      header: "SIZE",
      value: (i) => (i.sizeBytes === undefined ? "-" : formatBytes(i.sizeBytes)),
      right: true,
    },
  ]);

export const locationsCommand: CommandRun = (cli, invocation) =>
  listing<Location>(cli, invocation, "locations", (c, signal) => c.listLocations({ signal }), [
    { header: "ID", value: (l) => l.id },
    { header: "NAME", value: (l) => l.name },
    { header: "COUNTRY", value: (l) => l.country ?? "-" },
  ]);

export const keysCommand: CommandRun = (cli, invocation) =>
  listing<KeyPair>(cli, invocation, "keys", (c, signal) => c.listKeyPairs({ signal }), [
    { header: "NAME", value: (k) => k.name },
    { header: "ID", value: (k) => k.id },
    { header: "FINGERPRINT", value: (k) => k.fingerprint ?? "-" },
  ]);
