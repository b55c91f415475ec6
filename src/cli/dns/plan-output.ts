import type { LooseRecordSet } from "../../dns/driver.js";
import type { ZonePlan } from "../../dns/plan.js";
import { formatRdata } from "../../dns/presentation.js";

/** A zone plan for `--json`: each change with its set's name, type, TTL and values in zone-file form. */
function setJson(set: LooseRecordSet): { name: string; type: string; ttl: number; values: string[] } {
  return {
    name: set.fqdn,
    type: set.type,
    ttl: set.ttl,
    values: set.values.map((v) => formatRdata(set.type, v)),
  };
}

export function planJson(plan: ZonePlan): Record<string, unknown> {
  return {
    zone: plan.zone,
    provider: plan.provider,
    applied: plan.applied,
    summary: plan.summary,
    changes: plan.changes.map((c) =>
      c.action === "create"
        ? { action: c.action, after: setJson(c.after) }
        : c.action === "delete"
          ? { action: c.action, before: setJson(c.before) }
          : { action: c.action, before: setJson(c.before), after: setJson(c.after) },
    ),
  };
}
