/**
 * The `openstack` compute driver: Keystone v3 for tokens and the service catalog, Nova for servers,
 * flavors, key pairs and zones, Glance v2 for images, Cinder for volumes and snapshots. Endpoints come from
 * the token's catalog, each looked up on first use, so a cloud (or a test bed) without Cinder or Nova still
 * serves what it has.
 */
import type { ComputeDriver, CreateNodeRequest, NodeNameRules, PowerRequest } from "../../compute/driver.js";
import type { Image, Location, Node, NodeAuthKind, Size } from "../../compute/types.js";
import { InvalidInputError } from "../../core/errors.js";
import { Transport, type TransportOptions } from "../../core/transport/transport.js";
import type { KeystoneAuth, KeystoneScope } from "./auth-request.js";
import type { EndpointInterface } from "./catalog.js";
import { CinderSnapshots, CinderVolumes } from "./cinder-volumes.js";
import { OpenStackContext, type OpenStackService } from "./compute-context.js";
import { parseOpenStackServiceError } from "./compute-errors.js";
import {
  type GlanceImage,
  GlanceImages,
  type GlanceUploadOptions,
  getGlanceImage,
  listGlanceImages,
} from "./glance-images.js";
import { KeystoneTokenProvider } from "./keystone.js";
import { listFlavors, listZones } from "./nova-flavors.js";
import { NovaKeyPairs } from "./nova-keypairs.js";
import type { OpenStackNodeExtra } from "./nova-parse.js";
import {
  createServer,
  deleteServer,
  getServer,
  listServers,
  type OpenStackCreateExtras,
  serverAction,
} from "./nova-servers.js";

export type { CinderVolumeExtra } from "./cinder-volumes.js";
export type { GlanceImage, GlanceUploadOptions } from "./glance-images.js";
export type { OpenStackNodeExtra } from "./nova-parse.js";
export type { OpenStackCreateExtras } from "./nova-servers.js";

/** Transport settings a caller may tune (tests pass a MockAgent as `dispatcher`). */
export type OpenStackTransportOptions = Omit<
  TransportOptions,
  "provider" | "authorize" | "parseError" | "layers"
>;

export interface OpenStackComputeOptions {
  /** Keystone's URL, e.g. "https://keystone.example.com:5000/v3". */
  authUrl: string;
  auth: KeystoneAuth;
  /** The project (or domain) to work in; application credentials carry their own. */
  scope?: KeystoneScope;
  /** Region of the endpoints to use; needed when the catalog has several. */
  region?: string;
  /** Which endpoints: "public" (default), "internal" or "admin". */
  interface?: EndpointInterface;
  /** Endpoint URLs that replace the catalog's, by service ("compute", "image", "volume"). */
  endpoints?: Partial<Record<OpenStackService, string>>;
  /** First waiter poll interval. Default 2000 ms. */
  pollIntervalMs?: number;
  transport?: OpenStackTransportOptions;
  /** The provider id in errors and `compute.as(…)`. Default "openstack". */
  provider?: string;
}

/** Nova takes 1 to 255 characters; leading or trailing spaces are trimmed by some clients, so refused. */
const NODE_NAMES: NodeNameRules = {
  maxLength: 255,
  pattern: /^\S(?:[\s\S]*\S)?$/,
  description: "1 to 255 characters without leading or trailing spaces",
};

export class OpenStackCompute implements ComputeDriver<OpenStackNodeExtra, OpenStackCreateExtras> {
  readonly provider: string;
  readonly nodeNames = NODE_NAMES;
  /** Nova takes 65535 bytes of base64, which is 49149 bytes before encoding. */
  readonly userDataMaxBytes = 49_149;
  readonly authKinds: readonly NodeAuthKind[] = ["keyPair"];
  /** Through a token in the server's metadata; see nova-servers.ts. */
  readonly idempotentCreate = true;
  readonly pollIntervalMs: number;
  readonly images: GlanceImages;
  readonly keyPairs: NovaKeyPairs;
  readonly volumes: CinderVolumes;
  readonly snapshots: CinderSnapshots;

  constructor(
    private readonly ctx: OpenStackContext,
    options: { pollIntervalMs?: number } = {},
  ) {
    this.provider = ctx.provider;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.images = new GlanceImages(ctx);
    this.keyPairs = new NovaKeyPairs(ctx);
    this.volumes = new CinderVolumes(ctx);
    this.snapshots = new CinderSnapshots(ctx);
  }

  /** The Keystone token provider, for callers that reach other OpenStack services themselves. */
  get keystone(): KeystoneTokenProvider {
    return this.ctx.keystone;
  }

  // ---- nodes ----

  listNodes(signal: AbortSignal | undefined): AsyncIterable<Node<OpenStackNodeExtra>> {
    return listServers(this.ctx, { signal });
  }

  getNode(nodeId: string, signal: AbortSignal | undefined): Promise<Node<OpenStackNodeExtra>> {
    return getServer(this.ctx, nodeId, signal);
  }

  createNode(request: CreateNodeRequest<OpenStackCreateExtras>): Promise<Node<OpenStackNodeExtra>> {
    return createServer(this.ctx, request);
  }

  destroyNode(nodeId: string, signal: AbortSignal | undefined): Promise<void> {
    return deleteServer(this.ctx, nodeId, signal);
  }

  /** A soft reboot asks the OS; `force` resets the server (HARD). */
  async rebootNode(nodeId: string, request: PowerRequest): Promise<void> {
    await serverAction(
      this.ctx,
      nodeId,
      { reboot: { type: request.force ? "HARD" : "SOFT" } },
      {
        signal: request.signal,
      },
    );
  }

  async startNode(nodeId: string, signal: AbortSignal | undefined): Promise<void> {
    await serverAction(this.ctx, nodeId, { "os-start": null }, { signal, idempotent: true });
  }

  /** Nova's stop asks the guest to shut down and powers it off after a grace period, force or not. */
  async stopNode(nodeId: string, request: PowerRequest): Promise<void> {
    await serverAction(this.ctx, nodeId, { "os-stop": null }, { signal: request.signal, idempotent: true });
  }

  // ---- sizes, images, locations ----

  listSizes(signal: AbortSignal | undefined): AsyncIterable<Size> {
    return listFlavors(this.ctx, signal);
  }

  listImages(signal: AbortSignal | undefined): AsyncIterable<GlanceImage> {
    return listGlanceImages(this.ctx, { signal });
  }

  getImage(imageId: string, signal: AbortSignal | undefined): Promise<Image> {
    return getGlanceImage(this.ctx, imageId, signal);
  }

  listLocations(signal: AbortSignal | undefined): AsyncIterable<Location> {
    return listZones(this.ctx, signal);
  }

  // ---- OpenStack extras, through compute.as("openstack") ----

  /** Upload an image's bytes into Glance (the portable API makes images only from nodes). */
  uploadImage(options: GlanceUploadOptions): Promise<GlanceImage> {
    return this.images.upload(options);
  }

  /** Glance's own list filters, e.g. `{ visibility: "public", status: "active" }`, and its page size. */
  listImagesWhere(
    filters: Record<string, string>,
    options: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncIterable<GlanceImage> {
    return listGlanceImages(this.ctx, { filters, ...options });
  }

  /** The URL the driver uses for a service, from the catalog. */
  endpoint(service: OpenStackService, signal?: AbortSignal): Promise<string> {
    return this.ctx.endpoint(service, signal);
  }

  async close(): Promise<void> {
    await this.ctx.close();
  }
}

/** The registry's factory. Nothing is asked of Keystone until the first call. */
export function createOpenStackCompute(options: OpenStackComputeOptions): OpenStackCompute {
  if (typeof options !== "object" || options === null || typeof options.authUrl !== "string") {
    throw new InvalidInputError("openstack needs { authUrl, auth, scope }", { provider: "openstack" });
  }
  const provider = options.provider ?? "openstack";
  // Keystone's own requests go through a transport of the same settings (a MockAgent in tests).
  const keystoneTransport = new Transport({ ...options.transport, provider });
  const keystone = new KeystoneTokenProvider({
    authUrl: options.authUrl,
    auth: options.auth,
    ...(options.scope ? { scope: options.scope } : {}),
    transport: keystoneTransport,
  });
  const auth = keystone.transportOptions();
  const transport = new Transport({
    ...options.transport,
    provider,
    authorize: auth.authorize,
    layers: auth.layers,
    parseError: parseOpenStackServiceError,
  });
  const ctx = new OpenStackContext(
    provider,
    keystone,
    transport,
    { region: options.region, interface: options.interface, overrides: options.endpoints },
    [keystoneTransport],
  );
  return new OpenStackCompute(
    ctx,
    options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {},
  );
}
