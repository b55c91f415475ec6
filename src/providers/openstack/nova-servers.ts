/**
 * Nova servers: list (`/servers/detail`, limit and marker pages), get, create, the power actions, delete,
 * and snapshots of a server into an image.
 *
 * Nova has no idempotency token. The portable client token (hashed) goes into the server's metadata, and a
 * create first looks for a server of that name carrying it: a repeated create returns the first server.
 */
import { createHash } from "node:crypto";
import type { CreateNodeRequest } from "../../compute/driver.js";
import type { Image, Node } from "../../compute/types.js";
import type { DocReader } from "../../core/codec/read.js";
import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import { type Paginated, paginateByToken } from "../../core/pagination.js";
import { headerValue } from "../../core/transport/response-error.js";
import { markerOf, nextLink, type OpenStackContext } from "./compute-context.js";
import { type OpenStackNodeExtra, parseServer, TOKEN_METADATA_KEY } from "./nova-parse.js";

/** Create options beyond the portable ones, for `createNode({ …, extras })`. */
export interface OpenStackCreateExtras {
  /** Networks to attach: ids, or "auto"/"none" (Nova's microversion 2.37 words). Default: Nova's choice. */
  networks?: readonly string[] | "auto" | "none";
  securityGroups?: readonly string[];
  /** Config drive for metadata, for clouds without a metadata service. */
  configDrive?: boolean;
  /** Root password, where the hypervisor can set it. */
  adminPass?: string;
}

/** Nova's limits on metadata: 255 characters for keys and values. */
const META_MAX = 255;

const serverPath = (id: string) => `/servers/${encodeURIComponent(id)}`;

export function tokenHash(clientToken: string): string {
  return createHash("sha256").update(clientToken).digest("hex").slice(0, 40);
}

export function listServers(
  ctx: OpenStackContext,
  options: { name?: string; signal?: AbortSignal | undefined } = {},
): Paginated<Node<OpenStackNodeExtra>, string> {
  return paginateByToken<Node<OpenStackNodeExtra>>({
    what: `${ctx.provider} servers`,
    provider: ctx.provider,
    signal: options.signal,
    fetch: async (marker, request) => {
      const { doc } = await ctx.call("compute", "GET", "/servers/detail", "servers_detail", {
        query: {
          limit: request.pageSize ?? 1000,
          marker,
          // Nova filters names by regular expression: anchor and escape for an exact match.
          ...(options.name !== undefined
            ? { name: `^${options.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$` }
            : {}),
        },
        signal: request.signal,
      });
      return {
        items: doc.list("servers").map((s) => parseServer(s, ctx.provider)),
        nextToken: markerOf(nextLink(doc, "servers_links")),
      };
    },
  });
}

export async function getServer(
  ctx: OpenStackContext,
  id: string,
  signal: AbortSignal | undefined,
): Promise<Node<OpenStackNodeExtra>> {
  const { doc } = await ctx.call("compute", "GET", serverPath(id), "servers_get", { signal });
  const node = parseServer(doc.at("server"), ctx.provider);
  // A deleted server can be shown for a moment after its delete; to the portable API it is gone.
  if (node.state === "terminated") {
    throw new NotFoundError(`Server ${id} is deleted`, { provider: ctx.provider, code: "ServerDeleted" });
  }
  return node;
}

function metadata(
  provider: string,
  tags: Record<string, string>,
  clientToken: string,
): Record<string, string> {
  for (const [key, value] of Object.entries(tags)) {
    if (key === TOKEN_METADATA_KEY) {
      throw new InvalidInputError(`The tag "${key}" is omnicloud's own`, { provider });
    }
    if (key.length > META_MAX || value.length > META_MAX) {
      throw new InvalidInputError(
        `Tag "${key}": Nova metadata keys and values are at most ${META_MAX} characters`,
        {
          provider,
        },
      );
    }
  }
  return { ...tags, [TOKEN_METADATA_KEY]: tokenHash(clientToken) };
}

export async function createServer(
  ctx: OpenStackContext,
  request: CreateNodeRequest<OpenStackCreateExtras>,
): Promise<Node<OpenStackNodeExtra>> {
  const meta = metadata(ctx.provider, request.tags, request.clientToken);
  for await (const existing of listServers(ctx, { name: request.name, signal: request.signal })) {
    if (existing.extra.metadata[TOKEN_METADATA_KEY] === meta[TOKEN_METADATA_KEY]) return existing;
  }
  const extras = request.extras ?? {};
  const auth = request.auth;
  const networks = extras.networks;
  const server: Record<string, unknown> = {
    name: request.name,
    imageRef: request.image.id,
    flavorRef: request.size.id,
    metadata: meta,
    ...(auth && "keyPair" in auth ? { key_name: auth.keyPair } : {}),
    ...(request.userData ? { user_data: Buffer.from(request.userData).toString("base64") } : {}),
    ...(request.location ? { availability_zone: request.location.id } : {}),
    ...(networks === undefined
      ? {}
      : { networks: typeof networks === "string" ? networks : networks.map((uuid) => ({ uuid })) }),
    ...(extras.securityGroups ? { security_groups: extras.securityGroups.map((name) => ({ name })) } : {}),
    ...(extras.configDrive !== undefined ? { config_drive: extras.configDrive } : {}),
    ...(extras.adminPass !== undefined ? { adminPass: extras.adminPass } : {}),
  };
  // Not resent by the retry layer (POST): a repeat is made safe by the metadata check above instead.
  const { doc } = await ctx.call("compute", "POST", "/servers", "servers_create", {
    json: { server },
    signal: request.signal,
  });
  const id = doc.id("server.id");
  const adminPass = doc.optStr("server.adminPass");
  try {
    const node = await getServer(ctx, id, request.signal);
    if (adminPass) node.extra.adminPass = adminPass;
    return node;
  } catch (err) {
    // Just made, possibly not yet readable: describe it from the request rather than fail the create.
    if (!(err instanceof NotFoundError)) throw err;
    return {
      provider: ctx.provider,
      id,
      name: request.name,
      state: "pending",
      providerState: "BUILD",
      publicIps: [],
      privateIps: [],
      sizeId: request.size.id,
      imageId: request.image.id,
      locationId: request.location?.id,
      tags: { ...request.tags },
      extra: {
        flavorId: request.size.id,
        keyName: auth && "keyPair" in auth ? auth.keyPair : undefined,
        hostId: undefined,
        taskState: undefined,
        powerState: undefined,
        networks: {},
        metadata: meta,
        volumeIds: [],
        adminPass,
        updatedAt: undefined,
      },
    };
  }
}

export interface ServerActionAnswer {
  doc: DocReader;
  location: string | undefined;
}

/** A server action (`POST /servers/{id}/action`); Nova accepts it and works in the background. */
export async function serverAction(
  ctx: OpenStackContext,
  id: string,
  action: Record<string, unknown>,
  options: { signal: AbortSignal | undefined; idempotent?: boolean },
): Promise<ServerActionAnswer> {
  const { doc, headers } = await ctx.call(
    "compute",
    "POST",
    `${serverPath(id)}/action`,
    `servers_action_${Object.keys(action)[0]}`,
    {
      json: action,
      signal: options.signal,
      ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
    },
  );
  return { doc, location: headerValue(headers, "location") };
}

export async function deleteServer(
  ctx: OpenStackContext,
  id: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  await ctx.call("compute", "DELETE", serverPath(id), "servers_delete", { signal });
}

/**
 * A snapshot image of the server (Nova's createImage). The image id comes in the body from microversion
 * 2.45 and in the Location header before; the image is "pending" until Glance has the data.
 */
export async function snapshotServer(
  ctx: OpenStackContext,
  request: { nodeId: string; name: string; signal: AbortSignal | undefined },
): Promise<Image> {
  const { doc, location } = await serverAction(
    ctx,
    request.nodeId,
    { createImage: { name: request.name } },
    {
      signal: request.signal,
    },
  );
  const id = doc.optStr("image_id") ?? location?.split("/").filter(Boolean).pop();
  if (!id) throw doc.invalid("image_id", "is missing, and so is the Location header");
  return { provider: ctx.provider, id, name: request.name, status: "pending" };
}
