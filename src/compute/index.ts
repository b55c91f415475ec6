// omnicloud/compute: the portable compute API (nodes, sizes, images, locations, key pairs, volumes,
// snapshots, waiters), its state model, and the contract drivers implement.
export { Compute } from "./compute.js";
export type {
  ComputeDriver,
  CreateExtrasOf,
  CreateNodeRequest,
  ImageDriver,
  KeyPairDriver,
  NodeExtraOf,
  NodeNameRules,
  PowerRequest,
  SnapshotDriver,
  VolumeDriver,
} from "./driver.js";
export { NodeStateError, UnsupportedOperationError } from "./errors.js";
export { openCompute } from "./open.js";
export { closestMatches } from "./resolve.js";
export { isNodeState, NODE_STATES, type NodeState, unreachableFrom } from "./states.js";
export type * from "./types.js";
export type { WaitOptions } from "./waiters.js";
