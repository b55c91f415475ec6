/**
 * Compute's own error classes. Both extend core classes, so code that branches on `kind` or on the core
 * class keeps working; the subclasses add the facts a caller needs to act.
 */
import { type OmnicloudErrorOptions, ProviderError, UnsupportedError } from "../core/errors.js";
import type { NodeState } from "./states.js";

/**
 * The provider cannot do this at all (key pairs on libvirt, live volume attach on libvirt's test driver).
 * Raised before any request where the driver declares the capability missing, or mapped from the
 * provider's own "not supported" answer. Check `compute.capabilities` first to avoid it.
 */
export class UnsupportedOperationError extends UnsupportedError {
  readonly operation: string;

  constructor(provider: string, operation: string, options: OmnicloudErrorOptions = {}) {
    super(`Provider "${provider}" does not support ${operation}`, {
      provider,
      hint: "Check compute.capabilities before calling",
      ...options,
    });
    this.operation = operation;
  }
}

/**
 * A waiter saw the node reach a state from which the awaited one cannot come (it was terminated, or went
 * into error), so it stopped instead of polling until its deadline.
 */
export class NodeStateError extends ProviderError {
  readonly nodeId: string;
  readonly expected: readonly NodeState[];
  readonly actual: NodeState;

  constructor(
    provider: string,
    nodeId: string,
    expected: readonly NodeState[],
    actual: NodeState,
    providerState: string,
  ) {
    super(
      `Node ${nodeId} is ${actual} (provider state "${providerState}") and can no longer become ${expected.join(" or ")}`,
      { provider, code: `Node${actual[0]!.toUpperCase()}${actual.slice(1)}` },
    );
    this.nodeId = nodeId;
    this.expected = expected;
    this.actual = actual;
  }
}
