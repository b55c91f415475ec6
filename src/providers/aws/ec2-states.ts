/**
 * EC2's states mapped onto the portable ones. The provider's own word is always kept beside the mapped
 * state (`providerState`), so nothing EC2 said is lost.
 */
import type { NodeState } from "../../compute/states.js";
import type { ImageStatus, SnapshotState, VolumeState } from "../../compute/types.js";

const INSTANCE: Readonly<Record<string, NodeState>> = {
  pending: "pending",
  running: "running",
  stopping: "stopping",
  stopped: "stopped",
  // On its way to terminated, and nothing can turn it back. "stopping" (not "terminated") because the
  // instance still exists and still bills; a waiter for "running" ends once it is terminated.
  "shutting-down": "stopping",
  terminated: "terminated",
};

/** An instance's `instanceState.name` as a portable state; unknown words (a newer API) are "unknown". */
export function mapInstanceState(name: string): NodeState {
  return INSTANCE[name] ?? "unknown";
}

const VOLUME: Readonly<Record<string, VolumeState>> = {
  creating: "creating",
  available: "available",
  "in-use": "in-use",
  deleting: "deleting",
  // A deleted volume is still described for a while; to a caller it is on its way out.
  deleted: "deleting",
  error: "error",
};

export function mapVolumeState(status: string): VolumeState {
  return VOLUME[status] ?? "unknown";
}

const SNAPSHOT: Readonly<Record<string, SnapshotState>> = {
  pending: "creating",
  completed: "available",
  error: "error",
  recoverable: "unknown",
  recovering: "creating",
};

export function mapSnapshotState(status: string): SnapshotState {
  return SNAPSHOT[status] ?? "unknown";
}

const IMAGE: Readonly<Record<string, ImageStatus>> = {
  available: "available",
  pending: "pending",
  transient: "pending",
  invalid: "error",
  failed: "error",
  error: "error",
  deregistered: "error",
  disabled: "error",
};

export function mapImageState(state: string): ImageStatus {
  return IMAGE[state] ?? "unknown";
}
