/**
 * Images: public distributions and applications plus the account's snapshots and custom images, one
 * by id or slug, snapshots of droplets, and deletion.
 *
 * A droplet snapshot is an action; the image it makes has no id until the action completes. So creating
 * an image waits for the action (polling it with backoff, bounded by `snapshotTimeoutMs`), then finds the
 * new image among the droplet's snapshots by name.
 *
 * DigitalOcean cannot copy an image under a new name; its "transfer" makes the same image available in
 * another region. That is `transferImage` (through `compute.as("digitalocean")`), not the portable copy.
 */
import type { ImageDriver } from "../../compute/driver.js";
import type { Image } from "../../compute/types.js";
import { ProviderError } from "../../core/errors.js";
import { waitFor } from "../../core/waiter.js";
import type { DigitalOceanApi } from "./api.js";
import { parseImage } from "./compute-parse.js";

export function listImages(api: DigitalOceanApi, signal: AbortSignal | undefined): AsyncIterable<Image> {
  return api.list("/v2/images", "images", "images_list", (i) => parseImage(i, api.provider), { signal });
}

/** By numeric id or by a public image's slug: the API takes both at the same path. */
export async function getImage(
  api: DigitalOceanApi,
  idOrSlug: string,
  signal: AbortSignal | undefined,
): Promise<Image> {
  const doc = await api.call("GET", `/v2/images/${encodeURIComponent(idOrSlug)}`, "images_get", { signal });
  return parseImage(doc.at("image"), api.provider);
}

/** Wait until the action with this id completes; an errored action is a ProviderError. */
export async function waitForAction(
  api: DigitalOceanApi,
  actionId: string,
  options: { timeoutMs: number; intervalMs: number; signal: AbortSignal | undefined },
): Promise<void> {
  await waitFor<string>({
    what: `DigitalOcean action ${actionId} to complete`,
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs,
    signal: options.signal,
    check: async (signal) => {
      const doc = await api.call("GET", `/v2/actions/${encodeURIComponent(actionId)}`, "actions_get", {
        signal,
      });
      const status = doc.str("action.status");
      if (status === "errored") {
        throw new ProviderError(
          `DigitalOcean action ${actionId} (${doc.optStr("action.type") ?? "?"}) failed`,
          {
            provider: api.provider,
            code: "ActionErrored",
          },
        );
      }
      return { done: status === "completed", value: status, state: status };
    },
  });
}

export class DigitalOceanImages implements ImageDriver {
  constructor(
    private readonly api: DigitalOceanApi,
    private readonly timing: { snapshotTimeoutMs: number; pollIntervalMs: number },
  ) {}

  /** Snapshot the droplet (best powered off: a running one is snapshotted live) and wait for the image. */
  async createFromNode(request: {
    nodeId: string;
    name: string;
    signal: AbortSignal | undefined;
  }): Promise<Image> {
    const droplet = `/v2/droplets/${encodeURIComponent(request.nodeId)}`;
    const doc = await this.api.call("POST", `${droplet}/actions`, "dropletActions_post", {
      body: { type: "snapshot", name: request.name },
      signal: request.signal,
    });
    await waitForAction(this.api, doc.id("action.id"), {
      timeoutMs: this.timing.snapshotTimeoutMs,
      intervalMs: this.timing.pollIntervalMs,
      signal: request.signal,
    });
    // The droplet's snapshots, newest last; the one just made carries the name asked for.
    const snapshots = this.api.list(`${droplet}/snapshots`, "snapshots", "droplets_list_snapshots", (s) =>
      parseImage(s, this.api.provider),
    );
    let made: Image | undefined;
    for await (const image of snapshots) if (image.name === request.name) made = image;
    if (!made) {
      throw new ProviderError(
        `The snapshot "${request.name}" of droplet ${request.nodeId} completed but is not listed`,
        {
          provider: this.api.provider,
        },
      );
    }
    return made;
  }

  async delete(imageId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.api.call("DELETE", `/v2/images/${encodeURIComponent(imageId)}`, "images_delete", { signal });
  }

  /** Make the image available in another region as well (it keeps its id). Returns the action's id. */
  async transfer(imageId: string, region: string, signal?: AbortSignal): Promise<string> {
    const doc = await this.api.call(
      "POST",
      `/v2/images/${encodeURIComponent(imageId)}/actions`,
      "imageActions_post",
      {
        body: { type: "transfer", region },
        signal,
      },
    );
    return doc.id("action.id");
  }
}
