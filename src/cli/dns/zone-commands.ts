import { canonicalZoneName } from "../../dns/names.js";
import type { Zone } from "../../dns/types.js";
import { type CommandRun, expectArgs, flagBool, flagList, flagString } from "../command-spec.js";
import { printList, printResult } from "../output.js";
import { confirm } from "../prompt.js";
import { openDnsFor } from "./open-dns.js";

/** `dns zones`: every zone of the provider. */
export const zonesCommand: CommandRun = async (cli, invocation) => {
  expectArgs(invocation, 0, 0, "dns zones");
  const dns = await openDnsFor(cli, invocation.values);
  await printList<Zone>(
    cli,
    dns.listZones({ signal: cli.signal }),
    [
      { header: "ZONE", value: (z) => z.name },
      { header: "SERIAL", value: (z) => (z.serial === undefined ? "-" : String(z.serial)), right: true },
      { header: "NAMESERVERS", value: (z) => z.nameservers?.join(" ") ?? "-" },
    ],
    (z) => z,
    { empty: `(no zones on ${dns.provider})` },
  );
  return 0;
};

/** `dns mkzone <zone> [--ns NAME]... [--email ADDRESS]`. */
export const mkzoneCommand: CommandRun = async (cli, invocation) => {
  const [zone] = expectArgs(invocation, 1, 1, "dns mkzone <zone>");
  const dns = await openDnsFor(cli, invocation.values);
  const nameservers = flagList(invocation.values, "ns");
  const email = flagString(invocation.values, "email");
  const created = await dns.createZone(zone!, {
    ...(nameservers.length > 0 ? { nameservers } : {}),
    ...(email ? { email } : {}),
    signal: cli.signal,
  });
  printResult(cli, created, () => [`created zone ${created.name} on ${dns.provider}`]);
  return 0;
};

/** `dns rmzone <zone> [--yes]`: asks first, as it takes every record with it. */
export const rmzoneCommand: CommandRun = async (cli, invocation) => {
  const [zone] = expectArgs(invocation, 1, 1, "dns rmzone <zone> [--yes]");
  const dns = await openDnsFor(cli, invocation.values);
  const name = canonicalZoneName(zone!);
  // Fails with "not found" before asking about a zone that is not there.
  await dns.getZone(name, { signal: cli.signal });
  const ok = await confirm(
    cli,
    `Delete zone ${name} on ${dns.provider} with all its records?`,
    `deleting zone ${name}`,
    flagBool(invocation.values, "yes"),
  );
  if (!ok) {
    printResult(cli, { zone: name, deleted: false }, () => ["Not deleted; nothing changed."]);
    return 0;
  }
  await dns.deleteZone(name, { signal: cli.signal });
  printResult(cli, { zone: name, deleted: true }, () => [`deleted zone ${name}`]);
  return 0;
};
