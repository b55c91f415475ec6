/**
 * virDomainState (and its per-state reason) to the portable node states. The numbers are libvirt's enums
 * from libvirt-domain.h; the reason matters where one libvirt state covers several portable ones (a
 * "paused" domain may be starting up, shutting down, or paused by a user).
 */
import type { NodeState } from "../../compute/states.js";

export const VIR_DOMAIN = {
  NOSTATE: 0,
  RUNNING: 1,
  BLOCKED: 2,
  PAUSED: 3,
  SHUTDOWN: 4,
  SHUTOFF: 5,
  CRASHED: 6,
  PMSUSPENDED: 7,
} as const;

const STATE_NAMES = [
  "nostate",
  "running",
  "blocked",
  "paused",
  "shutdown",
  "shutoff",
  "crashed",
  "pmsuspended",
];

// virDomainPausedReason.
const PAUSED = {
  UNKNOWN: 0,
  USER: 1,
  MIGRATION: 2,
  SAVE: 3,
  DUMP: 4,
  IOERROR: 5,
  WATCHDOG: 6,
  FROM_SNAPSHOT: 7,
  SHUTTING_DOWN: 8,
  SNAPSHOT: 9,
  CRASHED: 10,
  STARTING_UP: 11,
  POSTCOPY: 12,
  POSTCOPY_FAILED: 13,
  API_ERROR: 14,
} as const;
const PAUSED_NAMES = [
  "unknown",
  "user",
  "migration",
  "save",
  "dump",
  "ioerror",
  "watchdog",
  "from-snapshot",
  "shutting-down",
  "snapshot",
  "crashed",
  "starting-up",
  "postcopy",
  "postcopy-failed",
  "api-error",
];

// virDomainShutoffReason.
const SHUTOFF_FAILED = 6;
const SHUTOFF_NAMES = [
  "unknown",
  "shutdown",
  "destroyed",
  "crashed",
  "migrated",
  "saved",
  "failed",
  "from-snapshot",
  "daemon",
];
const RUNNING_NAMES = [
  "unknown",
  "booted",
  "migrated",
  "restored",
  "from-snapshot",
  "unpaused",
  "migration-canceled",
  "save-canceled",
  "wakeup",
  "crashed",
  "postcopy",
  "postcopy-failed",
];
const CRASHED_NAMES = ["unknown", "panicked"];

export interface MappedState {
  state: NodeState;
  /** libvirt's state name, e.g. "shutoff". */
  providerState: string;
  /** libvirt's reason name, e.g. "destroyed". */
  reason: string;
}

function named(names: readonly string[], n: number): string {
  return names[n] ?? `reason-${n}`;
}

/** The portable state of a domain from virDomainGetState's state and reason. */
export function mapDomainState(state: number, reason: number): MappedState {
  const providerState = STATE_NAMES[state] ?? `state-${state}`;
  switch (state) {
    case VIR_DOMAIN.RUNNING:
      return { state: "running", providerState, reason: named(RUNNING_NAMES, reason) };
    // Blocked on a resource (waiting for I/O): the guest is up.
    case VIR_DOMAIN.BLOCKED:
      return { state: "running", providerState, reason: "unknown" };
    case VIR_DOMAIN.PAUSED:
      return { state: pausedState(reason), providerState, reason: named(PAUSED_NAMES, reason) };
    case VIR_DOMAIN.SHUTDOWN:
      return { state: "stopping", providerState, reason: reason === 1 ? "user" : "unknown" };
    case VIR_DOMAIN.SHUTOFF:
      return {
        state: reason === SHUTOFF_FAILED ? "error" : "stopped",
        providerState,
        reason: named(SHUTOFF_NAMES, reason),
      };
    case VIR_DOMAIN.CRASHED:
      return { state: "error", providerState, reason: named(CRASHED_NAMES, reason) };
    // Suspended by the guest's own power management: not running, resumable.
    case VIR_DOMAIN.PMSUSPENDED:
      return { state: "stopped", providerState, reason: "unknown" };
    default:
      return { state: "unknown", providerState, reason: "unknown" };
  }
}

function pausedState(reason: number): NodeState {
  switch (reason) {
    case PAUSED.STARTING_UP:
      return "starting";
    case PAUSED.SHUTTING_DOWN:
      return "stopping";
    case PAUSED.IOERROR:
    case PAUSED.CRASHED:
    case PAUSED.POSTCOPY_FAILED:
    case PAUSED.API_ERROR:
      return "error";
    // An operation holds the guest for a moment and gives it back.
    case PAUSED.MIGRATION:
    case PAUSED.SAVE:
    case PAUSED.DUMP:
    case PAUSED.SNAPSHOT:
    case PAUSED.POSTCOPY:
      return "pending";
    default:
      // Paused by a user, a watchdog, or after a snapshot restore: frozen until someone resumes it.
      return "stopped";
  }
}
