/**
 * Zone-level inputs (apex name servers, SOA fields) checked and made canonical before a driver sees them.
 */
import { invalid } from "./invalid.js";
import { emailToRname, resolveName } from "./names.js";
import type { SoaSettings } from "./types.js";

const TIMERS = ["refresh", "retry", "expire", "minimum"] as const;

export function checkNameservers(list: readonly string[] | undefined, zone: string): string[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw invalid(`Zone ${zone}`, "nameservers must be an array of names");
  const out: string[] = [];
  for (const ns of list) {
    const name = resolveName(String(ns), zone, { what: `Zone ${zone} name server`, strictRelative: true });
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export function checkSoaSettings(
  soa: SoaSettings | undefined,
  email: string | undefined,
  zone: string,
): SoaSettings {
  const what = `Zone ${zone} SOA`;
  const out: SoaSettings = {};
  if (soa?.rname !== undefined && email !== undefined) {
    throw invalid(what, "give the mailbox once: either email or soa.rname");
  }
  if (soa?.mname !== undefined)
    out.mname = resolveName(soa.mname, zone, { what: `${what} mname`, strictRelative: true });
  if (soa?.rname !== undefined)
    out.rname = resolveName(soa.rname, zone, { what: `${what} rname`, strictRelative: true });
  if (email !== undefined) out.rname = emailToRname(email, `${what} email`);
  for (const key of TIMERS) {
    const value = soa?.[key];
    if (value === undefined) continue;
    // SOA timers are 32-bit, but like TTLs a value with the top bit set is read as a negative by many servers.
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
      throw invalid(
        what,
        `${key} must be a whole number of seconds from 0 to 2147483647, not ${JSON.stringify(value)}`,
      );
    }
    out[key] = value;
  }
  return out;
}
