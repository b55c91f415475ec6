/**
 * The portable node state model. Every provider's own states (libvirt's "shutoff", EC2's "pending",
 * DigitalOcean's "off") map onto these nine, so code that waits for or branches on a state is written once.
 */

export const NODE_STATES = [
  "running",
  "starting",
  "stopping",
  "stopped",
  "rebooting",
  "pending",
  "terminated",
  "error",
  "unknown",
] as const;

export type NodeState = (typeof NODE_STATES)[number];

export function isNodeState(value: unknown): value is NodeState {
  return typeof value === "string" && (NODE_STATES as readonly string[]).includes(value);
}

/**
 * True when a node seen in `current` can no longer reach any of `targets` without someone acting on it, so
 * a waiter should stop at once instead of polling until its deadline. Only the two final states count: a
 * "stopped" node may still be on its way to "running" (clouds report the old state for a while after a
 * start request), but a terminated node never comes back, and a node in error needs a person.
 */
export function unreachableFrom(current: NodeState, targets: readonly NodeState[]): boolean {
  if (targets.includes(current)) return false;
  return current === "terminated" || current === "error";
}
