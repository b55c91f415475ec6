/**
 * The `ec2` compute driver: Amazon EC2 through its Query API (version 2016-11-15), signed with SigV4.
 * Nodes are instances (named by their Name tag), sizes are instance types, images are AMIs, locations are
 * the region's availability zones; key pairs, EBS volumes and snapshots are the optional groups. Creates
 * are idempotent through EC2's ClientToken, so a retried create never launches a second instance.
 */
import type { ComputeDriver, CreateNodeRequest, NodeNameRules, PowerRequest } from "../../compute/driver.js";
import type { Image, Location, Node, NodeAuthKind, Size } from "../../compute/types.js";
import { paginateByToken } from "../../core/pagination.js";
import { awsCredentialChain, staticCredentials } from "./credentials/chain.js";
import { resolveAwsRegion } from "./credentials/region.js";
import type { AwsCredentialProvider } from "./credentials/types.js";
import { Ec2Context } from "./ec2-context.js";
import { Ec2Http } from "./ec2-http.js";
import { describeImages, Ec2Images, getImage, listImages } from "./ec2-images.js";
import { Ec2KeyPairs } from "./ec2-keypairs.js";
import { getInstance, listInstances, powerCall, runInstance } from "./ec2-nodes.js";
import type {
  Ec2ComputeOptions,
  Ec2CreateExtras,
  Ec2ImageListOptions,
  Ec2InstanceListOptions,
} from "./ec2-options.js";
import { type Ec2NodeExtra, itemsOf, parseZone } from "./ec2-parse.js";
import { Ec2Params, maxResults } from "./ec2-query.js";
import { parseInstanceType, priceTable } from "./ec2-sizes.js";
import { Ec2Snapshots, Ec2Volumes } from "./ec2-volumes.js";
import { awsEndpoint } from "./endpoints.js";
import { SigV4Signer } from "./signer.js";

export type {
  Ec2ComputeOptions,
  Ec2CreateExtras,
  Ec2ImageListOptions,
  Ec2InstanceListOptions,
} from "./ec2-options.js";
export type { Ec2NodeExtra, Ec2VolumeExtra } from "./ec2-parse.js";

/**
 * The name is the Name tag's value: up to 256 characters; EC2 accepts any text there, so only leading and
 * trailing spaces (invisible in every listing) are refused besides the control characters checked for all.
 */
const NODE_NAMES: NodeNameRules = {
  maxLength: 256,
  pattern: /^\S(?:[\s\S]*\S)?$/,
  description: "1 to 256 characters without leading or trailing spaces",
};

/** A region as DescribeRegions lists it. */
export interface Ec2Region {
  name: string;
  endpoint: string | undefined;
  /** "opt-in-not-required", "opted-in" or "not-opted-in". */
  optInStatus: string | undefined;
}

export class Ec2Compute implements ComputeDriver<Ec2NodeExtra, Ec2CreateExtras> {
  readonly provider: string;
  readonly region: string;
  readonly nodeNames = NODE_NAMES;
  /** EC2's documented limit: 16 KB of user data before base64 encoding. */
  readonly userDataMaxBytes = 16 * 1024;
  /** EC2 installs a key pair it stores; a bare public key must be imported as a key pair first. */
  readonly authKinds: readonly NodeAuthKind[] = ["keyPair"];
  readonly idempotentCreate = true;
  readonly pollIntervalMs: number;
  readonly images: Ec2Images;
  readonly keyPairs: Ec2KeyPairs;
  readonly volumes: Ec2Volumes;
  readonly snapshots: Ec2Snapshots;

  constructor(private readonly ctx: Ec2Context) {
    this.provider = ctx.provider;
    this.region = ctx.region;
    this.pollIntervalMs = ctx.options.pollIntervalMs ?? 5000;
    this.images = new Ec2Images(ctx);
    this.keyPairs = new Ec2KeyPairs(ctx);
    this.volumes = new Ec2Volumes(ctx);
    this.snapshots = new Ec2Snapshots(ctx);
  }

  // ---- nodes ----

  listNodes(signal: AbortSignal | undefined): AsyncIterable<Node<Ec2NodeExtra>> {
    return listInstances(this.ctx, signal ? { signal } : {});
  }

  getNode(nodeId: string, signal: AbortSignal | undefined): Promise<Node<Ec2NodeExtra>> {
    return getInstance(this.ctx, nodeId, signal);
  }

  createNode(request: CreateNodeRequest<Ec2CreateExtras>): Promise<Node<Ec2NodeExtra>> {
    return runInstance(this.ctx, request);
  }

  destroyNode(nodeId: string, signal: AbortSignal | undefined): Promise<void> {
    return powerCall(this.ctx, "TerminateInstances", nodeId, { signal });
  }

  /** EC2 asks the OS to reboot and resets the instance itself if the OS has not within four minutes. */
  rebootNode(nodeId: string, request: PowerRequest): Promise<void> {
    return powerCall(this.ctx, "RebootInstances", nodeId, { signal: request.signal });
  }

  startNode(nodeId: string, signal: AbortSignal | undefined): Promise<void> {
    return powerCall(this.ctx, "StartInstances", nodeId, { signal });
  }

  stopNode(nodeId: string, request: PowerRequest): Promise<void> {
    return powerCall(this.ctx, "StopInstances", nodeId, { force: request.force, signal: request.signal });
  }

  // ---- sizes, images, locations ----

  listSizes(signal: AbortSignal | undefined): AsyncIterable<Size> {
    const prices = priceTable(this.region, this.ctx.options.prices);
    return paginateByToken<Size>({
      what: `${this.provider} DescribeInstanceTypes`,
      provider: this.provider,
      signal,
      fetch: async (token, request) => {
        const params = new Ec2Params()
          .set("MaxResults", maxResults(request.pageSize, 5, 100))
          .set("NextToken", token);
        const doc = await this.ctx.http.call("DescribeInstanceTypes", params, {
          signal: request.signal,
          idempotent: true,
        });
        return {
          items: itemsOf(doc, "instanceTypeSet").map((t) => parseInstanceType(t, this.provider, prices)),
          nextToken: doc.optStr("nextToken"),
        };
      },
    });
  }

  listImages(signal: AbortSignal | undefined): AsyncIterable<Image> {
    return listImages(this.ctx, signal);
  }

  getImage(imageId: string, signal: AbortSignal | undefined): Promise<Image> {
    return getImage(this.ctx, imageId, signal);
  }

  /** The region's availability zones that are available (zone names, e.g. "eu-west-1a"). */
  async *listLocations(signal: AbortSignal | undefined): AsyncIterable<Location> {
    const doc = await this.ctx.http.call("DescribeAvailabilityZones", new Ec2Params(), {
      signal,
      idempotent: true,
    });
    for (const item of itemsOf(doc, "availabilityZoneInfo")) yield parseZone(item, this.provider);
  }

  // ---- EC2 extras, through compute.as("ec2") ----

  /** DescribeInstances with EC2's own filters and ids, optionally with terminated instances. */
  listInstances(options: Ec2InstanceListOptions = {}): AsyncIterable<Node<Ec2NodeExtra>> {
    return listInstances(this.ctx, options);
  }

  /** DescribeImages with owners, ids and filters of the caller's choosing. */
  describeImages(options: Ec2ImageListOptions = {}): Promise<Image[]> {
    return describeImages(this.ctx, options);
  }

  /** The regions the account can use (DescribeRegions). */
  async listRegions(options: { all?: boolean; signal?: AbortSignal } = {}): Promise<Ec2Region[]> {
    const params = new Ec2Params().set("AllRegions", options.all);
    const doc = await this.ctx.http.call("DescribeRegions", params, {
      signal: options.signal,
      idempotent: true,
    });
    return itemsOf(doc, "regionInfo").map((r) => ({
      name: r.str("regionName"),
      endpoint: r.optStr("regionEndpoint"),
      optInStatus: r.optStr("optInStatus"),
    }));
  }

  /** Add or overwrite tags on any EC2 resources (instances, volumes, snapshots, images). */
  async tagResources(
    resourceIds: readonly string[],
    tags: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<void> {
    const params = new Ec2Params().list("ResourceId", resourceIds);
    Object.entries(tags).forEach(([key, value], i) => {
      params.set(`Tag.${i + 1}.Key`, key).set(`Tag.${i + 1}.Value`, value);
    });
    await this.ctx.http.call("CreateTags", params, { signal, idempotent: true });
  }

  async close(): Promise<void> {
    await this.ctx.close();
  }
}

function isProvider(c: NonNullable<Ec2ComputeOptions["credentials"]>): c is AwsCredentialProvider {
  return typeof (c as AwsCredentialProvider).get === "function";
}

/** The registry's factory: region and credentials are resolved now, so a misconfiguration fails at open. */
export async function createEc2Compute(options: Ec2ComputeOptions = {}): Promise<Ec2Compute> {
  const region =
    options.region ?? (await resolveAwsRegion(options.profile ? { profile: options.profile } : {})).region;
  const endpoint =
    options.endpoint ??
    awsEndpoint("ec2", region, {
      ...(options.fips ? { fips: true } : {}),
      ...(options.dualstack ? { dualstack: true } : {}),
    }).url;
  const c = options.credentials;
  const credentials = c
    ? isProvider(c)
      ? c
      : staticCredentials(c)
    : awsCredentialChain(options.profile ? { profile: options.profile } : {});
  const provider = options.provider ?? "ec2";
  const signer = new SigV4Signer({ service: "ec2", region, credentials });
  const http = new Ec2Http(provider, endpoint, signer, options.transport);
  return new Ec2Compute(new Ec2Context(provider, region, http, options, credentials));
}
