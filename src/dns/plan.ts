/**
 * The change set that takes a zone from what it holds to what is desired, per record set (name and
 * type): create the sets that are missing, replace those whose TTL or values differ, delete those not
 * desired. That is the smallest set of changes every provider can apply, since DNS serves a name and type
 * as a whole. Equal sets make no change, which is what makes applying twice a no-op.
 *
 * Two kinds of sets are left alone: the SOA (the provider keeps its serial) and the apex NS set unless the
 * desired zone names its own (deleting it would make the zone unservable).
 */
import type { LooseRecordSet, RecordSetChange } from "./driver.js";
import { asDriverSet } from "./driver.js";
import { compareNames } from "./names.js";
import { formatRdata } from "./presentation.js";
import { RECORD_TYPES } from "./rdata.js";
import { setKey } from "./validate.js";

export type PlanChange =
  | { action: "create"; after: LooseRecordSet }
  | { action: "update"; before: LooseRecordSet; after: LooseRecordSet }
  | { action: "delete"; before: LooseRecordSet };

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
}

/** What `applyZone` will do (or did): printable with `toString()`. */
export class ZonePlan {
  constructor(
    readonly zone: string,
    readonly provider: string,
    readonly changes: readonly PlanChange[],
    /** True once the changes were applied. */
    readonly applied: boolean,
  ) {}

  get isEmpty(): boolean {
    return this.changes.length === 0;
  }

  get summary(): PlanSummary {
    const out = { create: 0, update: 0, delete: 0 };
    for (const change of this.changes) out[change.action]++;
    return out;
  }

  /** The same plan, marked as applied. */
  asApplied(): ZonePlan {
    return new ZonePlan(this.zone, this.provider, this.changes, true);
  }

  /** The changes as driver operations: deletes first, so a CNAME can replace other data at its name. */
  toChanges(): RecordSetChange[] {
    const order = { delete: 0, update: 1, create: 2 } as const;
    return [...this.changes]
      .sort((a, b) => order[a.action] - order[b.action])
      .map((c) =>
        c.action === "delete"
          ? { action: "delete" as const, fqdn: c.before.fqdn, type: c.before.type }
          : { action: "replace" as const, set: asDriverSet(c.after) },
      );
  }

  /**
   * The plan for people, one line per record:
   * "+" adds, "-" removes, "~" heads a set whose TTL or values change.
   */
  toString(): string {
    const { create, update, delete: remove } = this.summary;
    const verb = this.applied ? "Applied to" : "Plan for";
    const head = `${verb} ${this.zone} on ${this.provider}: ${create} to create, ${update} to update, ${remove} to delete`;
    if (this.isEmpty) return `${head} (no changes)`;
    const lines = [head];
    for (const change of this.changes) {
      if (change.action === "create") {
        for (const v of values(change.after)) lines.push(`+ ${line(change.after, v)}`);
      } else if (change.action === "delete") {
        for (const v of values(change.before)) lines.push(`- ${line(change.before, v)}`);
      } else {
        const { before, after } = change;
        const ttl = before.ttl === after.ttl ? "" : ` (TTL ${before.ttl} -> ${after.ttl})`;
        lines.push(`~ ${after.fqdn} ${after.type}${ttl}`);
        const old = new Set(values(before));
        const now = new Set(values(after));
        for (const v of old) if (!now.has(v)) lines.push(`  - ${line(before, v)}`);
        for (const v of now) if (!old.has(v)) lines.push(`  + ${line(after, v)}`);
        if (ttl !== "") for (const v of now) if (old.has(v)) lines.push(`    ${line(after, v)}`);
      }
    }
    return lines.join("\n");
  }
}

function values(set: LooseRecordSet): string[] {
  return set.values.map((v) => formatRdata(set.type, v)).sort();
}

function line(set: LooseRecordSet, value: string): string {
  return `${set.fqdn} ${set.ttl} IN ${set.type} ${value}`;
}

function sameSet(a: LooseRecordSet, b: LooseRecordSet): boolean {
  if (a.ttl !== b.ttl) return false;
  const x = values(a);
  const y = values(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The changes from `current` to `desired`, sets keyed by `setKey`. */
export function diffZone(
  zone: string,
  current: ReadonlyMap<string, LooseRecordSet>,
  desired: ReadonlyMap<string, LooseRecordSet>,
  prune = true,
): PlanChange[] {
  const managesApexNs = desired.has(setKey(zone, "NS"));
  const changes: PlanChange[] = [];
  for (const [key, after] of desired) {
    if (after.type === "SOA") continue;
    const before = current.get(key);
    if (!before) changes.push({ action: "create", after });
    else if (!sameSet(before, after)) changes.push({ action: "update", before, after });
  }
  for (const [key, before] of current) {
    if (!prune || desired.has(key) || before.type === "SOA") continue;
    if (before.type === "NS" && before.fqdn === zone && !managesApexNs) continue;
    changes.push({ action: "delete", before });
  }
  const subject = (c: PlanChange): LooseRecordSet => (c.action === "create" ? c.after : c.before);
  return changes.sort(
    (a, b) =>
      compareNames(subject(a).fqdn, subject(b).fqdn) ||
      RECORD_TYPES.indexOf(subject(a).type) - RECORD_TYPES.indexOf(subject(b).type),
  );
}
