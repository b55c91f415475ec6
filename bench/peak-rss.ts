/**
 * This process's peak RSS, in bytes. On Linux it is VmHWM from /proc/self/status: the high-water mark of
 * this program's own memory. `process.resourceUsage().maxRSS` is not: Linux carries it over from before
 * exec, so a child spawned by a large parent reports at least the parent's size (the bench's parent, under
 * tsx and holding servers' handles, is 80-110 MB). Elsewhere maxRSS is the best there is.
 */
import { readFileSync } from "node:fs";

export function peakRss(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS * 1024;
}
