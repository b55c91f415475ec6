/**
 * deployNode(): create a server with any compute provider, wait until it runs and has an address, wait
 * for SSH, run the steps. Written against a small structural interface rather than a compute module, so
 * any driver with these four methods works (the portable compute API will satisfy it).
 */
import { type ErrorKind, OmnicloudError } from "../core/errors.js";
import { waitFor } from "../core/waiter.js";
import type { SshTarget } from "./connect.js";
import { type DeployOptions, type DeployResult, deploy } from "./deploy.js";
import { makeLogger } from "./log.js";
import type { DeployStep } from "./steps/types.js";

/** What deployNode needs to know about a node. */
export interface DeployableNode {
  id: string;
  name?: string | undefined;
  /** Provider state, e.g. "running"; only quoted in messages. */
  state?: string | undefined;
  publicIps?: readonly string[] | undefined;
  privateIps?: readonly string[] | undefined;
  /**
   * Host public keys ("ssh-ed25519 AAAA…") where the provider publishes them (e.g. read back from the
   * console log). Used to verify the host when the caller gave no hostKey policy.
   */
  hostKeys?: readonly string[] | undefined;
}

/** The compute driver shape deployNode drives. */
export interface DeployableCompute<TNode extends DeployableNode, TCreate> {
  createNode(options: TCreate): Promise<TNode>;
  waitUntilRunning(node: TNode, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<TNode>;
  getNode(id: string): Promise<TNode>;
  destroyNode(node: TNode): Promise<void>;
}

/**
 * Where to reach a node's sshd when it is not port 22 of one of its IPs: a guest on user-mode networking is
 * reached through a port forwarded on the host (127.0.0.1:2222), a server behind NAT through its gateway.
 */
export interface SshEndpoint {
  host: string;
  /** Overrides `ssh.port` for this node. */
  port?: number | undefined;
}

export interface DeployNodeOptions<TNode extends DeployableNode> extends DeployOptions {
  /** How to log in; the host comes from the node. */
  ssh: Omit<SshTarget, "host">;
  /** Wait this long for the node to be running (default 600 000 ms). */
  runningTimeoutMs?: number;
  /** Wait this long, after it runs, for the node to show an address (default 300 000 ms). */
  addressTimeoutMs?: number;
  /** First wait between looks for the address (default 2000 ms; it grows 1.5× per look). */
  addressIntervalMs?: number;
  /**
   * The address to connect to, or a host and port; default the first public IP, else the first private
   * IP. Undefined means "not yet": the node is read again until it has one or addressTimeoutMs passes.
   */
  address?: (node: TNode) => string | SshEndpoint | undefined;
  /** Destroy the node when any later phase fails (default false: it is left for inspection). */
  destroyOnFailure?: boolean;
}

export interface DeployNodeResult<TNode extends DeployableNode> {
  node: TNode;
  address: string;
  deploy: DeployResult;
}

export type DeployPhase = "running" | "address" | "deploy";

/**
 * A deployNode failure after the node existed. It carries the node (left running unless
 * destroyOnFailure) and the phase; `kind` and `cause` are those of the underlying error.
 */
export class DeployNodeError<TNode extends DeployableNode = DeployableNode> extends OmnicloudError {
  override readonly kind: ErrorKind;
  readonly node: TNode;
  readonly phase: DeployPhase;
  readonly destroyed: boolean;

  constructor(node: TNode, phase: DeployPhase, destroyed: boolean, cause: unknown, note: string) {
    const what = cause instanceof Error ? cause.message : String(cause);
    super(
      `deployNode failed on node ${node.id}${node.name ? ` (${node.name})` : ""} while ${PHASE[phase]}; ${note}: ${what}`,
      {
        cause,
      },
    );
    this.kind = cause instanceof OmnicloudError ? cause.kind : "Internal";
    this.node = node;
    this.phase = phase;
    this.destroyed = destroyed;
  }
}

const PHASE: Record<DeployPhase, string> = {
  running: "waiting for it to run",
  address: "waiting for its address",
  deploy: "deploying over SSH",
};

function defaultAddress(node: DeployableNode): string | undefined {
  return node.publicIps?.[0] ?? node.privateIps?.[0];
}

function asEndpoint(found: string | SshEndpoint | undefined): SshEndpoint | undefined {
  return typeof found === "string" ? { host: found } : found;
}

export async function deployNode<TNode extends DeployableNode, TCreate>(
  compute: DeployableCompute<TNode, TCreate>,
  createOptions: TCreate,
  steps: DeployStep | readonly DeployStep[],
  options: DeployNodeOptions<TNode>,
): Promise<DeployNodeResult<TNode>> {
  const log = makeLogger(options.log);
  const pick = options.address ?? defaultAddress;
  const pickAddress = (n: TNode): SshEndpoint | undefined => asEndpoint(pick(n));
  // Creation failing leaves nothing behind to report or destroy: that error goes out as it is.
  let node = await compute.createNode(createOptions);
  log.info(`node ${node.id} created`);
  let phase: DeployPhase = "running";
  try {
    node = await compute.waitUntilRunning(node, {
      timeoutMs: options.runningTimeoutMs ?? 600_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    phase = "address";
    const endpoint = await waitFor<SshEndpoint>({
      what: `an address for node ${node.id}`,
      timeoutMs: options.addressTimeoutMs ?? 300_000,
      intervalMs: options.addressIntervalMs ?? 2000,
      signal: options.signal,
      check: async () => {
        const first = pickAddress(node);
        if (first !== undefined) return { done: true, value: first };
        node = await compute.getNode(node.id);
        const found = pickAddress(node);
        return found === undefined
          ? { done: false, value: { host: "" }, state: node.state }
          : { done: true, value: found };
      },
    });
    phase = "deploy";
    const address = endpoint.host;
    const port = endpoint.port ?? options.ssh.port;
    log.info(`node ${node.id} is running at ${address}${port === undefined ? "" : ` port ${port}`}`);
    // A key the provider published for this node vouches for it when the caller set no policy.
    const hostKey =
      options.ssh.hostKey ??
      (node.hostKeys && node.hostKeys.length > 0 ? { publicKey: node.hostKeys } : undefined);
    const result = await deploy(
      {
        ...options.ssh,
        host: address,
        ...(port === undefined ? {} : { port }),
        ...(hostKey === undefined ? {} : { hostKey }),
      },
      steps,
      options,
    );
    return { node, address, deploy: result };
  } catch (err) {
    let destroyed = false;
    let note = "the node was left for inspection (pass destroyOnFailure to remove it)";
    if (options.destroyOnFailure === true) {
      try {
        await compute.destroyNode(node);
        destroyed = true;
        note = "the node was destroyed";
      } catch (destroyErr) {
        note = `destroying the node failed too (${destroyErr instanceof Error ? destroyErr.message : String(destroyErr)}); it may still exist`;
      }
    }
    const failure = new DeployNodeError(node, phase, destroyed, err, note);
    log.warn(failure.message);
    throw failure;
  }
}
