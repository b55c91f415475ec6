import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError } from "../core/errors.js";
import { openDns } from "../dns/open.js";
import type { RecordInput } from "../dns/types.js";

/** A name under .test (RFC 2606): it can never clash with a real zone. */
const ZONE = "demo.omnicloud.test.";

/** Records of several types, as a program would add them one by one. */
const RECORDS: RecordInput[] = [
  { name: "www", type: "A", ttl: 300, data: { address: "192.0.2.10" } },
  { name: "www", type: "AAAA", ttl: 300, data: { address: "2001:db8::10" } },
  { name: "blog", type: "CNAME", data: { target: "www" } },
  { name: "mail", type: "A", data: { address: "192.0.2.25" } },
  { name: "@", type: "MX", data: { preference: 10, exchange: "mail" } },
  { name: "@", type: "TXT", data: { text: "v=spf1 mx -all" } },
  { name: "_sip._tcp", type: "SRV", data: { priority: 10, weight: 5, port: 5060, target: "sip" } },
  { name: "sip", type: "A", data: { address: "192.0.2.50" } },
  { name: "@", type: "CAA", data: { flags: 0, tag: "issue", value: "letsencrypt.org" } },
];

/**
 * The desired zone applied at the end, as a zone file: www moves to a new address, blog and the SIP
 * service go, api arrives, the SPF text gets a longer TTL. The plan shows each kind of change.
 */
const DESIRED = `$ORIGIN ${ZONE}
$TTL 3600
@          3600 IN NS    localhost.
@          3600 IN MX    10 mail
@          7200 IN TXT   "v=spf1 mx -all"
@          3600 IN CAA   0 issue "letsencrypt.org"
www         300 IN A     192.0.2.11
www         300 IN AAAA  2001:db8::10
mail       3600 IN A     192.0.2.25
api         300 IN A     192.0.2.20
`;

/**
 * The DNS part of the demo, on the local provider (zone files in a folder): make a zone, add records of
 * several types, export it as a zone file, then apply a desired zone and show the plan. Every run starts
 * the zone afresh, so the output is the same each time.
 */
export async function demoDns(
  root: string,
  say: (line: string) => void,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const zonesDir = join(root, "dns", "zones");
  const dns = await openDns("local", { root: zonesDir });
  try {
    await dns.deleteZone(ZONE, { signal });
    say(`  removed the zone ${ZONE} of an earlier run`);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  const zone = await dns.createZone(ZONE, { email: "hostmaster@omnicloud.test", signal });
  say(`  created zone ${zone.name} (serial ${zone.serial})`);
  for (const record of RECORDS) {
    const added = await dns.createRecord(ZONE, record, { signal });
    say(`  added ${added.id}`);
  }

  const exportDir = join(root, "dns");
  await mkdir(exportDir, { recursive: true });
  const exported = join(exportDir, "exported.zone");
  await writeFile(exported, await dns.exportZone(ZONE, { signal }));
  say(`  exported the zone file to ${exported}`);

  const desiredPath = join(exportDir, "desired.zone");
  await writeFile(desiredPath, DESIRED);
  const plan = await dns.planZone(DESIRED, { signal });
  say(`  plan to reach ${desiredPath}:`);
  for (const line of plan.toString().split("\n")) say(`    ${line}`);
  await writeFile(join(exportDir, "plan.txt"), `${plan.toString()}\n`);
  const applied = await dns.applyZone(DESIRED, { signal });
  const again = await dns.planZone(DESIRED, { signal });
  say(
    `  applied: ${applied.summary.create} created, ${applied.summary.update} updated, ${applied.summary.delete} deleted; planning again: ${again.isEmpty ? "no changes" : "CHANGES LEFT"}`,
  );
  const after = join(exportDir, "applied.zone");
  await writeFile(after, await dns.exportZone(ZONE, { signal }));
  say(`  the zone after applying: ${after}`);
  return {
    zone: ZONE,
    zoneFiles: zonesDir,
    recordsAdded: RECORDS.length,
    exported,
    plan: plan.summary,
    appliedTwiceIsNoop: again.isEmpty,
  };
}
