/**
 * The `digitalocean` compute driver: droplets, sizes (with monthly and hourly prices), images, regions, SSH
 * keys, block storage volumes and their snapshots, through API v2 with a personal access token.
 */
import type { ComputeDriver, CreateNodeRequest, NodeNameRules, PowerRequest } from "../../compute/driver.js";
import type { Image, Location, Node, NodeAuthKind } from "../../compute/types.js";
import { DigitalOceanApi, type DigitalOceanApiOptions } from "./api.js";
import { DigitalOceanImages, getImage, listImages } from "./compute-images.js";
import { DigitalOceanKeys } from "./compute-keys.js";
import {
  type DigitalOceanNodeExtra,
  type DigitalOceanSize,
  parseRegion,
  parseSize,
} from "./compute-parse.js";
import { DigitalOceanSnapshots, DigitalOceanVolumes } from "./compute-volumes.js";
import {
  createDroplet,
  type DigitalOceanCreateExtras,
  deleteDroplet,
  dropletAction,
  getDroplet,
  listDroplets,
} from "./droplets.js";

export type { DigitalOceanNodeExtra, DigitalOceanSize, DigitalOceanVolumeExtra } from "./compute-parse.js";
export type { DigitalOceanCreateExtras } from "./droplets.js";

export interface DigitalOceanComputeOptions extends DigitalOceanApiOptions {
  /** Region slug for volumes made without a location (e.g. "nyc3"). */
  region?: string;
  /** First waiter poll interval. Default 3000 ms. */
  pollIntervalMs?: number;
  /** How long `createImage` waits for the snapshot action. Default 30 minutes. */
  snapshotTimeoutMs?: number;
}

/** The droplet name becomes its hostname: letters, digits, dots and dashes (the spec's pattern). */
const NODE_NAMES: NodeNameRules = {
  maxLength: 255,
  pattern: /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/,
  description: "a hostname: letters, digits, '.' and '-', starting and ending with a letter or digit",
};

export class DigitalOceanCompute implements ComputeDriver<DigitalOceanNodeExtra, DigitalOceanCreateExtras> {
  readonly provider = "digitalocean";
  readonly nodeNames = NODE_NAMES;
  /** DigitalOcean's documented limit for user data. */
  readonly userDataMaxBytes = 64 * 1024;
  /** A stored key by name, or a bare public key (imported on first use, found by fingerprint after). */
  readonly authKinds: readonly NodeAuthKind[] = ["keyPair", "sshKey"];
  /** Through a token tag on the droplet; see droplets.ts. */
  readonly idempotentCreate = true;
  readonly pollIntervalMs: number;
  readonly api: DigitalOceanApi;
  readonly images: DigitalOceanImages;
  readonly keyPairs: DigitalOceanKeys;
  readonly volumes: DigitalOceanVolumes;
  readonly snapshots: DigitalOceanSnapshots;

  constructor(options: DigitalOceanComputeOptions = {}) {
    this.api = new DigitalOceanApi(options);
    this.pollIntervalMs = options.pollIntervalMs ?? 3000;
    this.images = new DigitalOceanImages(this.api, {
      snapshotTimeoutMs: options.snapshotTimeoutMs ?? 30 * 60_000,
      pollIntervalMs: this.pollIntervalMs,
    });
    this.keyPairs = new DigitalOceanKeys(this.api);
    this.volumes = new DigitalOceanVolumes(this.api, options.region);
    this.snapshots = new DigitalOceanSnapshots(this.api);
  }

  // ---- nodes ----

  listNodes(signal: AbortSignal | undefined): AsyncIterable<Node<DigitalOceanNodeExtra>> {
    return listDroplets(this.api, { signal });
  }

  getNode(nodeId: string, signal: AbortSignal | undefined): Promise<Node<DigitalOceanNodeExtra>> {
    return getDroplet(this.api, nodeId, signal);
  }

  createNode(request: CreateNodeRequest<DigitalOceanCreateExtras>): Promise<Node<DigitalOceanNodeExtra>> {
    return createDroplet(this.api, this.keyPairs, request);
  }

  destroyNode(nodeId: string, signal: AbortSignal | undefined): Promise<void> {
    return deleteDroplet(this.api, nodeId, signal);
  }

  /** A reboot asks the OS; `force` power-cycles the droplet. */
  rebootNode(nodeId: string, request: PowerRequest): Promise<void> {
    return dropletAction(this.api, nodeId, request.force ? "power_cycle" : "reboot", request.signal);
  }

  startNode(nodeId: string, signal: AbortSignal | undefined): Promise<void> {
    return dropletAction(this.api, nodeId, "power_on", signal);
  }

  /** A shutdown asks the OS; `force` powers the droplet off. */
  stopNode(nodeId: string, request: PowerRequest): Promise<void> {
    return dropletAction(this.api, nodeId, request.force ? "power_off" : "shutdown", request.signal);
  }

  // ---- sizes, images, locations ----

  listSizes(signal: AbortSignal | undefined): AsyncIterable<DigitalOceanSize> {
    return this.api.list("/v2/sizes", "sizes", "sizes_list", (s) => parseSize(s, this.provider), { signal });
  }

  listImages(signal: AbortSignal | undefined): AsyncIterable<Image> {
    return listImages(this.api, signal);
  }

  getImage(imageId: string, signal: AbortSignal | undefined): Promise<Image> {
    return getImage(this.api, imageId, signal);
  }

  listLocations(signal: AbortSignal | undefined): AsyncIterable<Location> {
    return this.api.list("/v2/regions", "regions", "regions_list", (r) => parseRegion(r, this.provider), {
      signal,
    });
  }

  // ---- DigitalOcean extras, through compute.as("digitalocean") ----

  /** Droplets carrying one tag (DigitalOcean's own filter). */
  listNodesByTag(tag: string, signal?: AbortSignal): AsyncIterable<Node<DigitalOceanNodeExtra>> {
    return listDroplets(this.api, { tagName: tag, signal });
  }

  /** Make an image available in another region too (DigitalOcean's transfer); returns the action id. */
  transferImage(imageId: string, region: string, signal?: AbortSignal): Promise<string> {
    return this.images.transfer(imageId, region, signal);
  }

  async close(): Promise<void> {
    await this.api.close();
  }
}

/** The registry's factory: the token is resolved now, so a missing one fails at open. */
export function createDigitalOceanCompute(options: DigitalOceanComputeOptions = {}): DigitalOceanCompute {
  return new DigitalOceanCompute(options);
}
