import { readFile } from "node:fs/promises";
import type { Compute } from "../../compute/compute.js";
import type { NodeState } from "../../compute/states.js";
import type { Node, NodeAuth } from "../../compute/types.js";
import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import {
  type CommandRun,
  expectArgs,
  type FlagValues,
  flagBool,
  flagPairs,
  flagString,
  type Invocation,
} from "../command-spec.js";
import type { Cli } from "../context.js";
import { parseDuration } from "../format.js";
import { printResult } from "../output.js";
import { waitProgress } from "../progress.js";
import { confirm } from "../prompt.js";
import { UsageError } from "../usage-error.js";
import { openComputeFor } from "./open-compute.js";

/** A node by id, else by name (one list call); a name two nodes share is refused rather than guessed. */
async function findNode(compute: Compute, ref: string, signal: AbortSignal): Promise<Node> {
  try {
    return await compute.getNode(ref, { signal });
  } catch (err) {
    if (!(err instanceof NotFoundError || err instanceof InvalidInputError)) throw err;
  }
  const matches: Node[] = [];
  for await (const node of compute.listNodes({ signal }))
    if (node.name === ref || node.id === ref) matches.push(node);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new UsageError(
      `${matches.length} nodes are named "${ref}"`,
      `Use an id: ${matches.map((n) => n.id).join(", ")}`,
    );
  }
  throw new NotFoundError(`No node with id or name "${ref}" on ${compute.provider}`, {
    hint: "List them with: omnicloud compute nodes",
  });
}

function timeoutMs(values: FlagValues): number {
  const text = flagString(values, "timeout") ?? "10m";
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new UsageError(`--timeout takes seconds or 90s, 10m, 1h; not "${text}"`);
  return seconds * 1000;
}

/** With --wait: poll the node to `state`, an elapsed-time line on the terminal meanwhile. */
async function settle(
  cli: Cli,
  compute: Compute,
  node: Node,
  state: NodeState,
  values: FlagValues,
): Promise<Node> {
  if (!flagBool(values, "wait")) return node;
  const timer = waitProgress(cli, `waiting for ${node.name} to be ${state}`);
  try {
    return await compute.waitFor(node, state, {
      timeoutMs: timeoutMs(values),
      signal: cli.signal,
      onPoll: (event) => timer.setState(event.state),
    });
  } finally {
    timer.stop();
  }
}

function show(cli: Cli, node: Node, what: string): void {
  printResult(cli, node, () => [`${what} ${node.name} (${node.id}): ${node.state}`]);
}

/** Open, run, close. */
async function withCompute(
  cli: Cli,
  invocation: Invocation,
  run: (compute: Compute) => Promise<void>,
): Promise<number> {
  const compute = await openComputeFor(cli, invocation.values);
  try {
    await run(compute);
  } finally {
    await compute.close();
  }
  return 0;
}

async function authFrom(values: FlagValues): Promise<NodeAuth | undefined> {
  const keyFile = flagString(values, "ssh-key");
  const keyPair = flagString(values, "key-pair");
  if (keyFile && keyPair) throw new UsageError("give --ssh-key or --key-pair, not both");
  if (keyFile) return { sshKey: (await readFile(keyFile, "utf8")).trim() };
  if (keyPair) return { keyPair };
  return undefined;
}

export const createCommand: CommandRun = async (cli, invocation) => {
  const [name] = expectArgs(invocation, 1, 1, "compute create <name> --size SIZE --image IMAGE [--wait]");
  const v = invocation.values;
  const size = flagString(v, "size");
  const image = flagString(v, "image");
  if (!size || !image)
    throw new UsageError(
      "compute create needs --size and --image",
      "See: omnicloud compute sizes, omnicloud compute images",
    );
  const location = flagString(v, "location");
  const userDataFile = flagString(v, "user-data");
  const auth = await authFrom(v);
  const tags = Object.fromEntries(flagPairs(v, "tag"));
  return withCompute(cli, invocation, async (compute) => {
    const created = await compute.createNode({
      name: name!,
      size,
      image,
      ...(location ? { location } : {}),
      ...(auth ? { auth } : {}),
      ...(userDataFile ? { userData: await readFile(userDataFile) } : {}),
      tags,
      signal: cli.signal,
    });
    show(cli, await settle(cli, compute, created, "running", v), "created");
  });
};

function power(verb: "start" | "stop" | "reboot", state: NodeState): CommandRun {
  return async (cli, invocation) => {
    const [ref] = expectArgs(invocation, 1, 1, `compute ${verb} <node> [--wait]`);
    return withCompute(cli, invocation, async (compute) => {
      const node = await findNode(compute, ref!, cli.signal);
      const force = flagBool(invocation.values, "force");
      if (verb === "start") await compute.startNode(node, { signal: cli.signal });
      else if (verb === "stop") await compute.stopNode(node, { force, signal: cli.signal });
      else await compute.rebootNode(node, { force, signal: cli.signal });
      const waited = flagBool(invocation.values, "wait");
      const after = waited
        ? await settle(cli, compute, node, state, invocation.values)
        : await compute.getNode(node, { signal: cli.signal });
      const words = {
        start: ["starting", "started"],
        stop: ["stopping", "stopped"],
        reboot: ["rebooting", "rebooted"],
      };
      show(cli, after, words[verb][waited ? 1 : 0]!);
    });
  };
}

export const startCommand = power("start", "running");
export const stopCommand = power("stop", "stopped");
export const rebootCommand = power("reboot", "running");

export const destroyCommand: CommandRun = async (cli, invocation) => {
  const [ref] = expectArgs(invocation, 1, 1, "compute destroy <node> [--yes] [--wait]");
  return withCompute(cli, invocation, async (compute) => {
    const node = await findNode(compute, ref!, cli.signal);
    const ok = await confirm(
      cli,
      `Destroy node ${node.name} (${node.id}) on ${compute.provider}, with its disks?`,
      `destroying node ${node.name}`,
      flagBool(invocation.values, "yes"),
    );
    if (!ok) {
      printResult(cli, { id: node.id, destroyed: false }, () => ["Not destroyed; nothing changed."]);
      return;
    }
    await compute.destroyNode(node, { signal: cli.signal });
    const after = await settle(cli, compute, node, "terminated", invocation.values);
    show(cli, after, "destroyed");
  });
};
