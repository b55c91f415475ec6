/**
 * For providers whose APIs hold records one by one (Cloudflare, DigitalOcean, Linode): the fewest record
 * calls that turn the records now at a name and type into the wanted set. Records equal in data and TTL
 * stay; the rest are paired off as updates (one call instead of a delete and a create), and what is left
 * over is created or deleted. Shared by those drivers, which is why it lives beside the first of them.
 */
import type { LooseRecordSet } from "../../dns/driver.js";
import { formatRdata } from "../../dns/presentation.js";
import type { AnyRecordData } from "../../dns/types.js";

export interface ExistingRecord<Id> {
  id: Id;
  data: AnyRecordData;
  ttl: number;
}

export interface RecordPlan<Id> {
  create: AnyRecordData[];
  update: { id: Id; data: AnyRecordData }[];
  delete: Id[];
}

/** The calls that make `existing` equal to `wanted` (undefined: delete them all). */
export function planRecords<Id>(
  existing: readonly ExistingRecord<Id>[],
  wanted: LooseRecordSet | undefined,
): RecordPlan<Id> {
  const plan: RecordPlan<Id> = { create: [], update: [], delete: [] };
  if (!wanted) {
    plan.delete = existing.map((r) => r.id);
    return plan;
  }
  const text = (d: AnyRecordData): string => formatRdata(wanted.type, d);
  const left = [...existing];
  const missing: AnyRecordData[] = [];
  for (const value of wanted.values) {
    const i = left.findIndex((r) => text(r.data) === text(value) && r.ttl === wanted.ttl);
    if (i >= 0) left.splice(i, 1);
    else missing.push(value);
  }
  for (const value of missing) {
    const reuse = left.shift();
    if (reuse) plan.update.push({ id: reuse.id, data: value });
    else plan.create.push(value);
  }
  plan.delete = left.map((r) => r.id);
  return plan;
}
