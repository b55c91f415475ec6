/**
 * Instances: DescribeInstances (NextToken pages, filters), RunInstances with the portable client token as
 * EC2's ClientToken, and the power calls. A terminated instance stays visible in EC2 for about an hour;
 * to the portable API it no longer exists (NotFound), as on every other provider.
 */
import type { CreateNodeRequest } from "../../compute/driver.js";
import type { Node } from "../../compute/types.js";
import type { DocReader } from "../../core/codec/read.js";
import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import { type Paginated, paginateByToken } from "../../core/pagination.js";
import type { Ec2Context } from "./ec2-context.js";
import type { Ec2CreateExtras, Ec2InstanceListOptions } from "./ec2-options.js";
import { type Ec2NodeExtra, instancesOfReservations, NAME_TAG, parseInstance } from "./ec2-parse.js";
import { Ec2Params, type Ec2TaggableType, maxResults } from "./ec2-query.js";

/** EC2's tag limits: 50 per resource, and the "aws:" prefix is AWS's own. */
const MAX_TAGS = 50;

export function listInstances(
  ctx: Ec2Context,
  options: Ec2InstanceListOptions = {},
): Paginated<Node<Ec2NodeExtra>, string> {
  const listing = paginateByToken<Node<Ec2NodeExtra>>({
    what: `${ctx.provider} DescribeInstances`,
    provider: ctx.provider,
    signal: options.signal,
    fetch: async (token, request) => {
      const params = new Ec2Params().list("InstanceId", options.instanceIds).filters(options.filters);
      // EC2 refuses MaxResults together with instance ids (it answers all of them in one page).
      if (!options.instanceIds?.length) params.set("MaxResults", maxResults(request.pageSize, 5, 1000));
      params.set("NextToken", token);
      const doc = await ctx.http.call("DescribeInstances", params, {
        signal: request.signal,
        idempotent: true,
      });
      const all = instancesOfReservations(doc, ctx.provider);
      return {
        items: options.includeTerminated ? all : all.filter((n) => n.providerState !== "terminated"),
        nextToken: doc.optStr("nextToken"),
      };
    },
  });
  return listing;
}

export async function getInstance(
  ctx: Ec2Context,
  nodeId: string,
  signal: AbortSignal | undefined,
): Promise<Node<Ec2NodeExtra>> {
  const doc = await ctx.http.call("DescribeInstances", new Ec2Params().list("InstanceId", [nodeId]), {
    signal,
    idempotent: true,
  });
  const node = instancesOfReservations(doc, ctx.provider).find((n) => n.id === nodeId);
  if (!node) throw new NotFoundError(`Instance ${nodeId} does not exist`, { provider: ctx.provider });
  if (node.providerState === "terminated") {
    throw new NotFoundError(`Instance ${nodeId} is terminated`, {
      provider: ctx.provider,
      code: "InstanceTerminated",
    });
  }
  return node;
}

/** The tags a create applies: the node's name as the Name tag, then the caller's tags. */
export function tagsWithName(
  provider: string,
  name: string,
  tags: Record<string, string>,
): Record<string, string> {
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith("aws:")) {
      throw new InvalidInputError(`Tag key "${key}" is reserved: EC2 keeps the "aws:" prefix for AWS`, {
        provider,
      });
    }
    if (key === NAME_TAG) {
      throw new InvalidInputError(`The "${NAME_TAG}" tag holds the node's name on EC2; pass it as name`, {
        provider,
      });
    }
  }
  if (Object.keys(tags).length + 1 > MAX_TAGS) {
    throw new InvalidInputError(
      `EC2 allows ${MAX_TAGS} tags per resource, the name's included; ${Object.keys(tags).length} were given`,
      { provider },
    );
  }
  return { [NAME_TAG]: name, ...tags };
}

export function runInstancesParams(provider: string, request: CreateNodeRequest<Ec2CreateExtras>): Ec2Params {
  const extras = request.extras ?? {};
  const params = new Ec2Params()
    .set("ImageId", request.image.id)
    .set("InstanceType", request.size.id)
    .set("MinCount", 1)
    .set("MaxCount", 1)
    // The portable client token: a repeated RunInstances with it returns the first reservation.
    .set("ClientToken", request.clientToken);
  const auth = request.auth;
  if (auth !== undefined && "keyPair" in auth) params.set("KeyName", auth.keyPair);
  if (request.userData !== undefined) {
    params.set("UserData", Buffer.from(request.userData).toString("base64"));
  }
  if (request.location !== undefined) params.set("Placement.AvailabilityZone", request.location.id);
  params
    .set("SubnetId", extras.subnetId)
    .list("SecurityGroupId", extras.securityGroupIds)
    .list("SecurityGroup", extras.securityGroupNames)
    .set("EbsOptimized", extras.ebsOptimized)
    .set("PrivateIpAddress", extras.privateIpAddress)
    .set("InstanceInitiatedShutdownBehavior", extras.shutdownBehavior)
    .set("DisableApiTermination", extras.disableApiTermination);
  if (extras.monitoring !== undefined) params.set("Monitoring.Enabled", extras.monitoring);
  if (extras.iamInstanceProfile !== undefined) {
    const profile = extras.iamInstanceProfile;
    if ("arn" in profile) params.set("IamInstanceProfile.Arn", profile.arn);
    else params.set("IamInstanceProfile.Name", profile.name);
  }
  if (extras.spot) params.set("InstanceMarketOptions.MarketType", "spot");
  const types: Ec2TaggableType[] = extras.tagVolumes === false ? ["instance"] : ["instance", "volume"];
  params.tagSpecification(types, tagsWithName(provider, request.name, request.tags));
  return params;
}

export async function runInstance(
  ctx: Ec2Context,
  request: CreateNodeRequest<Ec2CreateExtras>,
): Promise<Node<Ec2NodeExtra>> {
  const params = runInstancesParams(ctx.provider, request);
  const doc = await ctx.http.call("RunInstances", params, {
    signal: request.signal,
    // Safe ONLY because the ClientToken makes a repeat return the first launch instead of a second one.
    idempotent: true,
  });
  const [item] = doc.list("instancesSet").flatMap((s) => s.list("item"));
  if (!item) throw doc.invalid("instancesSet", "holds no instance");
  const node = parseInstance(item, ctx.provider, { reservationId: doc.optStr("reservationId") });
  // RunInstances' answer may predate the tags being applied; they were applied with the launch itself.
  if (node.name === node.id) node.name = request.name;
  if (Object.keys(node.tags).length === 0) node.tags = { ...request.tags };
  return node;
}

/** The instance state changes of Start/Stop/TerminateInstances: id to [previous, current]. */
function stateChanges(doc: DocReader): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const item of doc.list("instancesSet").flatMap((s) => s.list("item"))) {
    out.set(item.str("instanceId"), [
      item.optStr("previousState.name") ?? "",
      item.optStr("currentState.name") ?? "",
    ]);
  }
  return out;
}

export async function powerCall(
  ctx: Ec2Context,
  action: "StartInstances" | "StopInstances" | "RebootInstances" | "TerminateInstances",
  nodeId: string,
  options: { force?: boolean; signal: AbortSignal | undefined },
): Promise<void> {
  const params = new Ec2Params().list("InstanceId", [nodeId]);
  if (action === "StopInstances" && options.force) params.set("Force", true);
  // Each of these asks for a state, so asking again after a lost answer has the same effect.
  const doc = await ctx.http.call(action, params, { signal: options.signal, idempotent: true });
  if (action === "TerminateInstances") {
    // EC2 accepts terminating a terminated instance; to the portable API it was already gone.
    const [previous] = stateChanges(doc).get(nodeId) ?? [];
    if (previous === "terminated") {
      throw new NotFoundError(`Instance ${nodeId} is already terminated`, {
        provider: ctx.provider,
        code: "InstanceTerminated",
      });
    }
  }
}
