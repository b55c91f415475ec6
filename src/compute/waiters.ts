/**
 * Waiting for one node to reach a state, by polling that node alone (getNode), never the whole list: a
 * list on a cloud account with thousands of servers costs pages of requests per poll and rate limit.
 */
import { InvalidInputError, NotFoundError } from "../core/errors.js";
import { type PollEvent, waitFor } from "../core/waiter.js";
import { NodeStateError } from "./errors.js";
import { isNodeState, NODE_STATES, type NodeState, unreachableFrom } from "./states.js";
import type { Node } from "./types.js";

export interface WaitOptions {
  /** Give up after this long with a TimeoutError (default 600 000 ms: clouds can take minutes). */
  timeoutMs?: number | undefined;
  /** Wait after the first poll (default: the driver's, else 2000 ms); later waits grow by `factor`. */
  intervalMs?: number | undefined;
  /** Longest wait between polls (default 30 000 ms). */
  maxIntervalMs?: number | undefined;
  /** Growth of the wait after each poll (default 1.5). */
  factor?: number | undefined;
  signal?: AbortSignal | undefined;
  onPoll?: ((event: PollEvent) => void) | undefined;
}

/**
 * A node that was just created can be missing from the provider's reads for a moment (EC2 is eventually
 * consistent); so many NotFound answers in a row are polled through before one counts as "gone".
 */
const NOT_FOUND_GRACE = 3;

export async function waitForNodeState<N>(
  provider: string,
  node: Node<N> | { id: string },
  targets: readonly NodeState[],
  getNode: (signal: AbortSignal) => Promise<Node<N>>,
  options: WaitOptions & { defaultIntervalMs: number },
): Promise<Node<N>> {
  for (const t of targets) {
    if (!isNodeState(t)) {
      throw new InvalidInputError(`Unknown node state ${JSON.stringify(t)}`, {
        hint: `Node states are: ${NODE_STATES.join(", ")}`,
      });
    }
  }
  if (targets.length === 0) throw new InvalidInputError("Waiting needs at least one node state");
  const wantsGone = targets.includes("terminated");
  let last: Node<N> | undefined = "state" in node ? (node as Node<N>) : undefined;
  let misses = 0;
  return waitFor<Node<N>>({
    what: `node ${node.id} to be ${targets.join(" or ")}`,
    timeoutMs: options.timeoutMs ?? 600_000,
    intervalMs: options.intervalMs ?? options.defaultIntervalMs,
    maxIntervalMs: options.maxIntervalMs,
    factor: options.factor,
    signal: options.signal,
    onPoll: options.onPoll,
    // A NotFound is polled through while the node may still be propagating; see NOT_FOUND_GRACE.
    retryErrors: (err) => err instanceof NotFoundError && !wantsGone && misses <= NOT_FOUND_GRACE,
    check: async (signal) => {
      let current: Node<N>;
      try {
        current = await getNode(signal);
        misses = 0;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        misses++;
        // A node that no longer exists is as terminated as a node can be.
        if (wantsGone) {
          const gone = { ...(last ?? { id: node.id }), state: "terminated" } as Node<N>;
          return { done: true, value: gone, state: "terminated" };
        }
        throw err;
      }
      last = current;
      if (targets.includes(current.state)) return { done: true, value: current, state: current.state };
      if (unreachableFrom(current.state, targets)) {
        throw new NodeStateError(provider, current.id, targets, current.state, current.providerState);
      }
      return { done: false, value: current, state: current.state };
    },
  });
}
