/**
 * TTLs: whole seconds from 0 to 2^31 - 1 (RFC 2181 8: the top bit is reserved, and a TTL with it set is
 * treated as zero by resolvers, so writing one is always a mistake).
 */
import { invalid } from "./invalid.js";

export const MAX_TTL = 2_147_483_647;
/** The TTL given to records created without one and without existing siblings to copy it from. */
export const DEFAULT_TTL = 3600;

export function checkTtl(ttl: unknown, what: string): number {
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) {
    throw invalid(what, `TTL ${JSON.stringify(ttl)} is not a whole number of seconds from 0 to ${MAX_TTL}`);
  }
  return ttl;
}

const UNIT_SECONDS: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };

/** True when a zone-file token looks like a TTL: "3600", or BIND's unit form "1h30m". */
export function looksLikeTtl(token: string): boolean {
  return /^[0-9]+$/.test(token) || /^([0-9]+[wdhms])+$/i.test(token);
}

/** A TTL (or SOA timer) as written in a zone file: seconds, or units w/d/h/m/s as BIND accepts them. */
export function parseTtlText(token: string, what: string): number {
  if (!looksLikeTtl(token)) throw invalid(what, `"${token}" is not a TTL (seconds, or units like 1h30m)`);
  if (/^[0-9]+$/.test(token)) return checkTtl(Number(token), what);
  let total = 0;
  for (const [, count, unit] of token.matchAll(/([0-9]+)([wdhms])/gi)) {
    total += Number(count) * UNIT_SECONDS[unit!.toLowerCase()]!;
  }
  return checkTtl(total, what);
}
