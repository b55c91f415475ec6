import { readFile } from "node:fs/promises";
import { NotFoundError } from "../../core/errors.js";
import type { Dns } from "../../dns/dns.js";
import { canonicalZoneName } from "../../dns/names.js";
import type { ZonePlan } from "../../dns/plan.js";
import { parseZoneFile } from "../../dns/zonefile/parse.js";
import { type CommandRun, expectArgs, flagBool } from "../command-spec.js";
import { type Cli, human, note, say } from "../context.js";
import { printResult } from "../output.js";
import { confirm } from "../prompt.js";
import { UsageError } from "../usage-error.js";
import { openDnsFor } from "./open-dns.js";
import { planJson } from "./plan-output.js";

/** `dns export <zone>`: the zone file on stdout, ready for `> example.com.zone`. */
export const exportCommand: CommandRun = async (cli, invocation) => {
  const [zone] = expectArgs(invocation, 1, 1, "dns export <zone>");
  const dns = await openDnsFor(cli, invocation.values);
  const text = await dns.exportZone(zone!, { signal: cli.signal });
  if (cli.json || cli.jsonl)
    printResult(cli, { zone: canonicalZoneName(zone!), provider: dns.provider, zoneFile: text }, () => []);
  else cli.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  return 0;
};

/** The zone file's text, from a file or stdin ("-"). */
async function readZoneText(cli: Cli, path: string): Promise<string> {
  if (path !== "-") {
    try {
      return await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT")
        throw new NotFoundError(`No such zone file: ${path}`);
      throw err;
    }
  }
  let text = "";
  for await (const chunk of cli.stdin) text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
  return text;
}

async function zoneExists(dns: Dns, zone: string, signal: AbortSignal): Promise<boolean> {
  try {
    await dns.getZone(zone, { signal });
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

function showPlan(cli: Cli, plan: ZonePlan): void {
  if (human(cli)) say(cli, plan.toString());
}

/**
 * `dns import <zone> <file>`: add the file's record sets to the zone, creating the zone if it is missing.
 * Sets the file lists replace those of the same name and type; nothing else is deleted.
 */
export const importCommand: CommandRun = async (cli, invocation) => {
  const [zoneText, path] = expectArgs(invocation, 2, 2, "dns import <zone> <file|->");
  const zone = canonicalZoneName(zoneText!);
  const text = await readZoneText(cli, path!);
  const dryRun = flagBool(invocation.values, "dry-run");
  const dns = await openDnsFor(cli, invocation.values);
  const exists = await zoneExists(dns, zone, cli.signal);
  if (!exists && dryRun) {
    const records = parseZoneFile(text, { origin: zone }).records.filter((r) => r.type !== "SOA");
    printResult(cli, { zone, created: false, wouldCreate: true, records: records.length }, () => [
      `Zone ${zone} does not exist on ${dns.provider}: import would create it with ${records.length} records.`,
    ]);
    return 0;
  }
  if (!exists) {
    // Checked before the zone is made, so a bad file leaves no empty zone behind.
    parseZoneFile(text, { origin: zone });
    await dns.createZone(zone, { signal: cli.signal });
    if (human(cli)) say(cli, `created zone ${zone} on ${dns.provider}`);
  }
  const plan = await dns.applyZone(text, { origin: zone, prune: false, dryRun, signal: cli.signal });
  if (human(cli)) showPlan(cli, plan);
  else printResult(cli, { ...planJson(plan), created: !exists }, () => []);
  return 0;
};

/**
 * `dns apply <zone> <file>`: bring the zone to exactly the file's records. The plan is printed first and
 * nothing changes until the user says yes (or passed --yes); with no terminal and no --yes, it refuses.
 */
export const applyCommand: CommandRun = async (cli, invocation) => {
  const [zoneText, path] = expectArgs(
    invocation,
    2,
    2,
    "dns apply <zone> <file> [--yes] [--dry-run] [--keep]",
  );
  const zone = canonicalZoneName(zoneText!);
  const yes = flagBool(invocation.values, "yes");
  const dryRun = flagBool(invocation.values, "dry-run");
  const prune = !flagBool(invocation.values, "keep");
  if (path === "-" && !yes && !dryRun) {
    throw new UsageError(
      "dns apply reads its answer from stdin, so a zone file from stdin needs --yes (or --dry-run)",
    );
  }
  const text = await readZoneText(cli, path!);
  const dns = await openDnsFor(cli, invocation.values);
  if (!(await zoneExists(dns, zone, cli.signal))) {
    throw new NotFoundError(`Zone ${zone} does not exist on ${dns.provider}`, {
      hint: `Create it with: omnicloud dns import ${zoneText} ${path}`,
    });
  }
  const plan = await dns.planZone(text, { origin: zone, prune, signal: cli.signal });
  if (plan.isEmpty || dryRun) {
    if (human(cli)) showPlan(cli, plan);
    else printResult(cli, planJson(plan), () => []);
    return 0;
  }
  if (human(cli)) showPlan(cli, plan);
  const { create, update, delete: remove } = plan.summary;
  const ok = await confirm(
    cli,
    `Apply ${create + update + remove} changes to ${zone} on ${dns.provider}?`,
    `changing zone ${zone}`,
    yes,
  );
  if (!ok) {
    if (human(cli)) say(cli, "Not applied; nothing changed.");
    else printResult(cli, planJson(plan), () => []);
    return 0;
  }
  const applied = await dns.applyZone(text, { origin: zone, prune, signal: cli.signal });
  // applyZone plans again under the zone's lock; if someone changed the zone meanwhile, say what really ran.
  if (
    applied.toString().split("\n").slice(1).join("\n") !== plan.toString().split("\n").slice(1).join("\n")
  ) {
    note(cli, "omnicloud: the zone changed while you were asked; these changes were applied instead:");
    if (human(cli)) say(cli, applied.toString());
  }
  if (human(cli)) {
    const s = applied.summary;
    say(cli, `Applied to ${zone}: ${s.create} created, ${s.update} updated, ${s.delete} deleted.`);
  } else printResult(cli, planJson(applied), () => []);
  return 0;
};
