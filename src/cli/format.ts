/** Numbers for people: sizes in binary units, rates, durations. Shared by tables and progress bars. */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** "0 B", "912 B", "1.5 KiB", "50.0 MiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, Math.round(n))} B`;
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** "0:07", "12:03", "1:02:03" (hours only when needed). */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
}

/** "1.2 s", "340 ms". */
export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A date as ISO 8601 to the second, in UTC, for tables. */
export function formatDate(date: Date | undefined): string {
  return date === undefined ? "-" : `${date.toISOString().slice(0, 19)}Z`;
}

const SIZE = /^([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(i?b?)?$/i;

/** "8M", "8MiB", "512k", "1.5G", "1048576" → bytes. Units are binary (M = MiB), as in curl and rsync. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  const power = { "": 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase()] ?? 0;
  const bytes = Math.round(Number(m[1]) * 1024 ** power);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

const DURATION = /^([0-9]+)\s*(s|m|h|d)?$/i;

/** "900", "900s", "15m", "12h", "7d" → seconds. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const factor = { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? "s").toLowerCase()] ?? 1;
  const seconds = Number(m[1]) * factor;
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : undefined;
}
