import { NotFoundError } from "../../core/errors.js";
import { canonicalZoneName } from "../../dns/names.js";
import { formatRdata } from "../../dns/presentation.js";
import type { DnsRecord, RecordInput, RecordType } from "../../dns/types.js";
import { type CommandRun, expectArgs, flagInt, flagList, flagString } from "../command-spec.js";
import { printList, printResult } from "../output.js";
import { openDnsFor } from "./open-dns.js";
import { recordData, recordType } from "./record-data.js";

/** `dns records <zone> [--type T]... [--name N]`: one row per record, as a zone file would list them. */
export const recordsCommand: CommandRun = async (cli, invocation) => {
  const [zone] = expectArgs(invocation, 1, 1, "dns records <zone> [--type TYPE] [--name NAME]");
  const types = flagList(invocation.values, "type").map(recordType);
  const name = flagString(invocation.values, "name");
  const dns = await openDnsFor(cli, invocation.values);
  await printList<DnsRecord>(
    cli,
    dns.listRecords(zone!, {
      ...(types.length > 0 ? { type: types } : {}),
      ...(name !== undefined ? { name } : {}),
      signal: cli.signal,
    }),
    [
      { header: "NAME", value: (r) => r.name },
      { header: "TTL", value: (r) => String(r.ttl), right: true },
      { header: "TYPE", value: (r) => r.type },
      { header: "DATA", value: (r) => formatRdata(r.type, r.data) },
    ],
    (r) => r,
    { empty: "(no records match)" },
  );
  return 0;
};

/** `dns add <zone> <name> <type> <data>... [--ttl N]`. */
export const addCommand: CommandRun = async (cli, invocation) => {
  const usage = "dns add <zone> <name> <type> <data>... [--ttl SECONDS]";
  const [zoneText, name, typeText, ...words] = expectArgs(invocation, 4, Number.MAX_SAFE_INTEGER, usage);
  const zone = canonicalZoneName(zoneText!);
  const type = recordType(typeText!);
  const ttl = flagInt(invocation.values, "ttl", 0, 2_147_483_647);
  const data = recordData(type, words, zone, `${type} record "${name}" in ${zone}`);
  const dns = await openDnsFor(cli, invocation.values);
  // The data is checked and canonical; the record input's per-type shape is the same object.
  const input = { name: name!, type, data, ...(ttl !== undefined ? { ttl } : {}) } as RecordInput;
  const record = await dns.createRecord(zone, input, { signal: cli.signal });
  printResult(cli, record, () => [`added ${record.id} (TTL ${record.ttl})`]);
  return 0;
};

/** `dns rm <zone> <name> <type> [<data>...]`: one record, or with no data the whole set of that name and type. */
export const rmCommand: CommandRun = async (cli, invocation) => {
  const usage = "dns rm <zone> <name> <type> [<data>...]";
  const [zoneText, name, typeText, ...words] = expectArgs(invocation, 3, Number.MAX_SAFE_INTEGER, usage);
  const zone = canonicalZoneName(zoneText!);
  const type: RecordType = recordType(typeText!);
  const dns = await openDnsFor(cli, invocation.values);
  if (words.length === 0) {
    await dns.deleteRecordSet(zone, name!, type, { signal: cli.signal });
    printResult(cli, { zone, name, type, deleted: "set" }, () => [
      `deleted every ${type} record at ${name} in ${zone}`,
    ]);
    return 0;
  }
  const wanted = formatRdata(type, recordData(type, words, zone, `${type} record "${name}" in ${zone}`));
  let found: DnsRecord | undefined;
  for await (const record of dns.listRecords(zone, { name: name!, type, signal: cli.signal })) {
    if (formatRdata(record.type, record.data) === wanted) found = record;
  }
  if (!found)
    throw new NotFoundError(`No ${type} record "${wanted}" at "${name}" (zone ${zone})`, {
      hint: `List them with: omnicloud dns records ${zoneText} --name ${name} --type ${type}`,
    });
  await dns.deleteRecord(zone, found.id, { signal: cli.signal });
  printResult(cli, { zone, id: found.id, deleted: "record" }, () => [`deleted ${found.id}`]);
  return 0;
};
