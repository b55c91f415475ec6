/**
 * Block storage volumes and their snapshots. Volumes live in a region (the one asked for, else the
 * driver's `region` option); attach and detach are volume actions naming the droplet. Volume names are
 * checked against DigitalOcean's rule before any request.
 */
import type { SnapshotDriver, VolumeDriver } from "../../compute/driver.js";
import type { Location, Snapshot, Volume } from "../../compute/types.js";
import { InvalidInputError } from "../../core/errors.js";
import type { DigitalOceanApi } from "./api.js";
import { type DigitalOceanVolumeExtra, parseSnapshot, parseVolume } from "./compute-parse.js";

// Lower-case letters, digits and dashes, starting with a letter, at most 64 (DigitalOcean's volume rule).
const VOLUME_NAME = /^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

const path = (id: string) => `/v2/volumes/${encodeURIComponent(id)}`;

export class DigitalOceanVolumes implements VolumeDriver<DigitalOceanVolumeExtra> {
  constructor(
    private readonly api: DigitalOceanApi,
    private readonly defaultRegion: string | undefined,
  ) {}

  list(signal: AbortSignal | undefined): AsyncIterable<Volume<DigitalOceanVolumeExtra>> {
    return this.api.list("/v2/volumes", "volumes", "volumes_list", (v) => parseVolume(v, this.api.provider), {
      signal,
    });
  }

  async get(volumeId: string, signal: AbortSignal | undefined): Promise<Volume<DigitalOceanVolumeExtra>> {
    const doc = await this.api.call("GET", path(volumeId), "volumes_get", { signal });
    return parseVolume(doc.at("volume"), this.api.provider);
  }

  async create(request: {
    name: string;
    sizeGiB: number;
    location: Location | undefined;
    snapshotId: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<DigitalOceanVolumeExtra>> {
    if (!VOLUME_NAME.test(request.name)) {
      throw new InvalidInputError(`Volume name "${request.name}" is not valid on DigitalOcean`, {
        provider: this.api.provider,
        hint: "Use 1 to 64 lower-case letters, digits and dashes, starting with a letter",
      });
    }
    const region = request.location?.id ?? this.defaultRegion;
    // A volume from a snapshot is made where the snapshot is; otherwise the region must be said.
    if (region === undefined && request.snapshotId === undefined) {
      throw new InvalidInputError("DigitalOcean makes a volume in a region: pass a location", {
        provider: this.api.provider,
        hint: 'Or open the compute with { region: "nyc3" }',
      });
    }
    const doc = await this.api.call("POST", "/v2/volumes", "volumes_create", {
      body: {
        name: request.name,
        size_gigabytes: request.sizeGiB,
        ...(region ? { region } : {}),
        ...(request.snapshotId ? { snapshot_id: request.snapshotId } : {}),
      },
      signal: request.signal,
    });
    return parseVolume(doc.at("volume"), this.api.provider);
  }

  async destroy(volumeId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.api.call("DELETE", path(volumeId), "volumes_delete", { signal });
  }

  async attach(request: {
    volumeId: string;
    nodeId: string;
    device: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<DigitalOceanVolumeExtra>> {
    if (request.device !== undefined) {
      throw new InvalidInputError("DigitalOcean names attached volumes itself; leave the device out", {
        provider: this.api.provider,
      });
    }
    await this.action(
      request.volumeId,
      { type: "attach", droplet_id: dropletId(request.nodeId) },
      request.signal,
    );
    return this.get(request.volumeId, request.signal);
  }

  async detach(request: {
    volumeId: string;
    signal: AbortSignal | undefined;
  }): Promise<Volume<DigitalOceanVolumeExtra>> {
    const volume = await this.get(request.volumeId, request.signal);
    if (volume.attachedTo === undefined) return volume;
    await this.action(
      request.volumeId,
      { type: "detach", droplet_id: dropletId(volume.attachedTo) },
      request.signal,
    );
    return this.get(request.volumeId, request.signal);
  }

  private async action(
    volumeId: string,
    body: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    await this.api.call("POST", `${path(volumeId)}/actions`, "volumeActions_post_byId", { body, signal });
  }
}

function dropletId(id: string): number {
  if (!/^\d+$/.test(id)) throw new InvalidInputError(`"${id}" is not a droplet id (droplet ids are numbers)`);
  return Number(id);
}

export class DigitalOceanSnapshots implements SnapshotDriver {
  constructor(private readonly api: DigitalOceanApi) {}

  /** A volume's snapshots, or every volume snapshot of the account. */
  list(volumeId: string | undefined, signal: AbortSignal | undefined): AsyncIterable<Snapshot> {
    const map = (s: Parameters<typeof parseSnapshot>[0]) => parseSnapshot(s, this.api.provider);
    return volumeId === undefined
      ? this.api.list("/v2/snapshots", "snapshots", "snapshots_list", map, {
          query: { resource_type: "volume" },
          signal,
        })
      : this.api.list(`${path(volumeId)}/snapshots`, "snapshots", "volumeSnapshots_list", map, { signal });
  }

  async create(request: {
    volumeId: string;
    name: string;
    signal: AbortSignal | undefined;
  }): Promise<Snapshot> {
    const doc = await this.api.call("POST", `${path(request.volumeId)}/snapshots`, "volumeSnapshots_create", {
      body: { name: request.name },
      signal: request.signal,
    });
    return parseSnapshot(doc.at("snapshot"), this.api.provider);
  }

  async destroy(snapshotId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.api.call("DELETE", `/v2/snapshots/${encodeURIComponent(snapshotId)}`, "snapshots_delete", {
      signal,
    });
  }
}
