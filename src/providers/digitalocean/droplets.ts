/**
 * Droplets: list (page by page), get, create, power actions and delete.
 *
 * DigitalOcean has no idempotency token, so the portable client token becomes a tag on the droplet
 * ("omnicloud-token:" and a hash of the token): a create first looks for a droplet carrying that tag and
 * returns it instead of making a second one. The POST itself is never resent by the retry layer.
 */
import { createHash } from "node:crypto";
import type { CreateNodeRequest } from "../../compute/driver.js";
import type { Node } from "../../compute/types.js";
import { InvalidInputError } from "../../core/errors.js";
import type { Paginated } from "../../core/pagination.js";
import type { DigitalOceanApi } from "./api.js";
import type { DigitalOceanKeys } from "./compute-keys.js";
import { type DigitalOceanNodeExtra, parseDroplet, recordToTags, TOKEN_TAG_PREFIX } from "./compute-parse.js";

/** Create options beyond the portable ones, for `createNode({ …, extras })`. */
export interface DigitalOceanCreateExtras {
  backups?: boolean;
  ipv6?: boolean;
  monitoring?: boolean;
  vpcUuid?: string;
  /** Volume ids to attach at creation. */
  volumes?: readonly string[];
  /** Install the droplet agent (DigitalOcean's default: yes where the image supports it). */
  withDropletAgent?: boolean;
}

// Letters, digits, colons, dashes and underscores, up to 255: DigitalOcean's tag rule.
const TAG = /^[A-Za-z0-9:_-]{1,255}$/;

export function tokenTag(clientToken: string): string {
  return `${TOKEN_TAG_PREFIX}${createHash("sha256").update(clientToken).digest("hex").slice(0, 32)}`;
}

export function dropletTags(provider: string, tags: Record<string, string>, clientToken: string): string[] {
  const out = recordToTags(tags);
  for (const tag of out) {
    if (!TAG.test(tag)) {
      throw new InvalidInputError(
        `Tag "${tag}" is not valid on DigitalOcean: tags are "key:value" made of letters, digits, ":", "-" and "_"`,
        { provider },
      );
    }
    if (tag.startsWith(TOKEN_TAG_PREFIX)) {
      throw new InvalidInputError(`Tags starting "${TOKEN_TAG_PREFIX}" are omnicloud's own`, { provider });
    }
  }
  return [...out, tokenTag(clientToken)];
}

export function listDroplets(
  api: DigitalOceanApi,
  options: { tagName?: string; signal?: AbortSignal | undefined } = {},
): Paginated<Node<DigitalOceanNodeExtra>, string> {
  return api.list("/v2/droplets", "droplets", "droplets_list", (d) => parseDroplet(d, api.provider), {
    ...(options.tagName ? { query: { tag_name: options.tagName } } : {}),
    signal: options.signal,
  });
}

export async function getDroplet(
  api: DigitalOceanApi,
  id: string,
  signal: AbortSignal | undefined,
): Promise<Node<DigitalOceanNodeExtra>> {
  const doc = await api.call("GET", `/v2/droplets/${encodeURIComponent(id)}`, "droplets_get", { signal });
  return parseDroplet(doc.at("droplet"), api.provider);
}

/** An id as the API takes it: numeric ids (images, keys) as numbers, slugs and fingerprints as text. */
function idRef(id: string): string | number {
  return /^\d+$/.test(id) ? Number(id) : id;
}

/** DigitalOcean takes user data as a JSON string, so it must be text. */
function userDataText(provider: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidInputError("DigitalOcean takes user data as UTF-8 text; these bytes are not", {
      provider,
    });
  }
}

export async function createDroplet(
  api: DigitalOceanApi,
  keys: DigitalOceanKeys,
  request: CreateNodeRequest<DigitalOceanCreateExtras>,
): Promise<Node<DigitalOceanNodeExtra>> {
  const tags = dropletTags(api.provider, request.tags, request.clientToken);
  const marker = tags.at(-1)!;
  // A create already made with this token (a repeat after a lost answer) is returned, not made again.
  for await (const existing of listDroplets(api, { tagName: marker, signal: request.signal })) {
    if (existing.providerState !== "archive") return existing;
  }
  const sshKeys: (string | number)[] = [];
  const auth = request.auth;
  if (auth && "keyPair" in auth) sshKeys.push(idRef((await keys.get(auth.keyPair, request.signal)).id));
  if (auth && "sshKey" in auth) sshKeys.push(idRef(await keys.ensure(auth.sshKey, request.signal)));
  const extras = request.extras ?? {};
  const body: Record<string, unknown> = {
    name: request.name,
    size: request.size.id,
    image: idRef(request.image.id),
    tags,
    ...(request.location ? { region: request.location.id } : {}),
    ...(sshKeys.length > 0 ? { ssh_keys: sshKeys } : {}),
    ...(request.userData ? { user_data: userDataText(api.provider, request.userData) } : {}),
    ...(extras.backups !== undefined ? { backups: extras.backups } : {}),
    ...(extras.ipv6 !== undefined ? { ipv6: extras.ipv6 } : {}),
    ...(extras.monitoring !== undefined ? { monitoring: extras.monitoring } : {}),
    ...(extras.vpcUuid !== undefined ? { vpc_uuid: extras.vpcUuid } : {}),
    ...(extras.volumes !== undefined ? { volumes: [...extras.volumes] } : {}),
    ...(extras.withDropletAgent !== undefined ? { with_droplet_agent: extras.withDropletAgent } : {}),
  };
  const doc = await api.call("POST", "/v2/droplets", "droplets_create", {
    body,
    signal: request.signal,
    // Never resent: without a provider token a repeat could make a second droplet; the tag check above
    // makes a caller's own repeat safe instead.
    idempotent: false,
  });
  return parseDroplet(doc.at("droplet"), api.provider);
}

export type DropletActionType = "reboot" | "power_cycle" | "power_on" | "shutdown" | "power_off";

/** A power action: accepted and run in the background (wait for the state to see it done). */
export async function dropletAction(
  api: DigitalOceanApi,
  id: string,
  type: DropletActionType,
  signal: AbortSignal | undefined,
): Promise<void> {
  await api.call("POST", `/v2/droplets/${encodeURIComponent(id)}/actions`, "dropletActions_post", {
    body: { type },
    signal,
    // Asking for a power state again has the same effect.
    idempotent: true,
  });
}

export async function deleteDroplet(
  api: DigitalOceanApi,
  id: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  await api.call("DELETE", `/v2/droplets/${encodeURIComponent(id)}`, "droplets_destroy", { signal });
}
