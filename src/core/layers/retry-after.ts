import type { ResponseHeaders } from "../transport/types.js";

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Seconds the server asked us to wait: `Retry-After` as delta-seconds or as an HTTP-date (RFC 9110 §10.2.3),
 * or the millisecond variants some providers send. Undefined when absent or unparseable.
 */
export function parseRetryAfter(headers: ResponseHeaders, now: number = Date.now()): number | undefined {
  const ms = first(headers["retry-after-ms"]) ?? first(headers["x-ms-retry-after-ms"]);
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms) / 1000;
  const raw = first(headers["retry-after"])?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, (date - now) / 1000);
}
