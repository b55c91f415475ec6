/**
 * Cinder volumes and snapshots (block storage v2/v3: the catalog's URL carries the project). Attaching is
 * Nova's (`/servers/{id}/os-volume_attachments`): Nova tells the hypervisor and Cinder both.
 */
import type { SnapshotDriver, VolumeDriver } from "../../compute/driver.js";
import type { Location, Snapshot, SnapshotState, Volume, VolumeState } from "../../compute/types.js";
import type { DocReader } from "../../core/codec/read.js";
import { paginateByToken } from "../../core/pagination.js";
import { markerOf, nextLink, type OpenStackContext } from "./compute-context.js";

const VOLUME_STATES: Readonly<Record<string, VolumeState>> = {
  available: "available",
  "in-use": "in-use",
  creating: "creating",
  downloading: "creating",
  attaching: "in-use",
  detaching: "in-use",
  reserved: "in-use",
  deleting: "deleting",
  error: "error",
  error_deleting: "error",
  error_restoring: "error",
  error_extending: "error",
};

const SNAPSHOT_STATES: Readonly<Record<string, SnapshotState>> = {
  available: "available",
  creating: "creating",
  error: "error",
  error_deleting: "error",
};

/** What Cinder says about a volume beyond the portable Volume. */
export interface CinderVolumeExtra {
  volumeType: string | undefined;
  snapshotId: string | undefined;
  bootable: boolean | undefined;
  description: string | undefined;
  /** Every attachment (multi-attach volumes have several). */
  attachments: { serverId: string; device: string | undefined }[];
  metadata: Record<string, string>;
}

function metadataOf(doc: DocReader): Record<string, string> {
  const raw = doc.raw("metadata");
  const out: Record<string, string> = {};
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>))
      if (typeof v === "string") out[k] = v;
  }
  return out;
}

export function parseVolume(doc: DocReader, provider: string): Volume<CinderVolumeExtra> {
  const id = doc.str("id");
  const status = doc.optStr("status") ?? "";
  const attachments = doc.list("attachments").map((a) => ({
    serverId: a.str("server_id"),
    device: a.optStr("device"),
  }));
  const [first] = attachments;
  return {
    provider,
    id,
    // v2 and v3 say "name"; v1 said "display_name".
    name: doc.optStr("name") || doc.optStr("display_name") || id,
    sizeGiB: doc.int("size"),
    state: VOLUME_STATES[status] ?? "unknown",
    attachedTo: first?.serverId,
    device: first?.device,
    locationId: doc.optStr("availability_zone"),
    createdAt: doc.optDate("created_at"),
    extra: {
      volumeType: doc.optStr("volume_type"),
      snapshotId: doc.optStr("snapshot_id"),
      // Cinder sends "true"/"false" as strings here.
      bootable: doc.optBool("bootable"),
      description: doc.optStr("description") ?? doc.optStr("display_description"),
      attachments,
      metadata: metadataOf(doc),
    },
  };
}

export function parseSnapshot(doc: DocReader, provider: string): Snapshot {
  const id = doc.str("id");
  return {
    provider,
    id,
    name: doc.optStr("name") || doc.optStr("display_name") || id,
    volumeId: doc.optStr("volume_id"),
    sizeGiB: doc.optInt("size"),
    state: SNAPSHOT_STATES[doc.optStr("status") ?? ""] ?? "unknown",
    createdAt: doc.optDate("created_at"),
  };
}

const volumePath = (id: string) => `/volumes/${encodeURIComponent(id)}`;

export class CinderVolumes implements VolumeDriver<CinderVolumeExtra> {
  constructor(private readonly ctx: OpenStackContext) {}

  list(signal: AbortSignal | undefined): AsyncIterable<Volume<CinderVolumeExtra>> {
    return paginateByToken<Volume<CinderVolumeExtra>>({
      what: `${this.ctx.provider} volumes`,
      provider: this.ctx.provider,
      signal,
      fetch: async (marker, request) => {
        const { doc } = await this.ctx.call("volume", "GET", "/volumes/detail", "volumes_detail", {
          query: { limit: request.pageSize ?? 1000, marker },
          signal: request.signal,
        });
        return {
          items: doc.list("volumes").map((v) => parseVolume(v, this.ctx.provider)),
          nextToken: markerOf(nextLink(doc, "volumes_links")),
        };
      },
    });
  }

  async get(volumeId: string, signal: AbortSignal | undefined): Promise<Volume<CinderVolumeExtra>> {
    const { doc } = await this.ctx.call("volume", "GET", volumePath(volumeId), "volumes_get", { signal });
    return parseVolume(doc.at("volume"), this.ctx.provider);
  }

  async create(request: {
    name: string;
    sizeGiB: number;
    location: Location | undefined;
    snapshotId: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<CinderVolumeExtra>> {
    const { doc } = await this.ctx.call("volume", "POST", "/volumes", "volumes_create", {
      json: {
        volume: {
          name: request.name,
          size: request.sizeGiB,
          ...(request.location ? { availability_zone: request.location.id } : {}),
          ...(request.snapshotId ? { snapshot_id: request.snapshotId } : {}),
        },
      },
      signal: request.signal,
    });
    return parseVolume(doc.at("volume"), this.ctx.provider);
  }

  async destroy(volumeId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.ctx.call("volume", "DELETE", volumePath(volumeId), "volumes_delete", { signal });
  }

  async attach(request: {
    volumeId: string;
    nodeId: string;
    device: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<CinderVolumeExtra>> {
    await this.ctx.call(
      "compute",
      "POST",
      `/servers/${encodeURIComponent(request.nodeId)}/os-volume_attachments`,
      "volume_attachments_create",
      {
        json: {
          volumeAttachment: {
            volumeId: request.volumeId,
            ...(request.device ? { device: request.device } : {}),
          },
        },
        signal: request.signal,
      },
    );
    return this.get(request.volumeId, request.signal);
  }

  /** Detach from the server it is attached to (found on the volume); a detached volume is left as it is. */
  async detach(request: {
    volumeId: string;
    signal: AbortSignal | undefined;
  }): Promise<Volume<CinderVolumeExtra>> {
    const volume = await this.get(request.volumeId, request.signal);
    if (volume.attachedTo === undefined) return volume;
    await this.ctx.call(
      "compute",
      "DELETE",
      `/servers/${encodeURIComponent(volume.attachedTo)}/os-volume_attachments/${encodeURIComponent(request.volumeId)}`,
      "volume_attachments_delete",
      { signal: request.signal },
    );
    return this.get(request.volumeId, request.signal);
  }
}

export class CinderSnapshots implements SnapshotDriver {
  constructor(private readonly ctx: OpenStackContext) {}

  list(volumeId: string | undefined, signal: AbortSignal | undefined): AsyncIterable<Snapshot> {
    const listing = paginateByToken<Snapshot>({
      what: `${this.ctx.provider} snapshots`,
      provider: this.ctx.provider,
      signal,
      fetch: async (marker, request) => {
        const { doc } = await this.ctx.call("volume", "GET", "/snapshots/detail", "snapshots_detail", {
          query: { limit: request.pageSize ?? 1000, marker, volume_id: volumeId },
          signal: request.signal,
        });
        return {
          items: doc.list("snapshots").map((s) => parseSnapshot(s, this.ctx.provider)),
          nextToken: markerOf(nextLink(doc, "snapshots_links")),
        };
      },
    });
    // Old Cinder ignores the volume_id filter: check each snapshot too.
    return {
      async *[Symbol.asyncIterator]() {
        for await (const s of listing) if (volumeId === undefined || s.volumeId === volumeId) yield s;
      },
    };
  }

  async create(request: {
    volumeId: string;
    name: string;
    signal: AbortSignal | undefined;
  }): Promise<Snapshot> {
    const { doc } = await this.ctx.call("volume", "POST", "/snapshots", "snapshots_create", {
      json: { snapshot: { volume_id: request.volumeId, name: request.name, force: false } },
      signal: request.signal,
    });
    return parseSnapshot(doc.at("snapshot"), this.ctx.provider);
  }

  async destroy(snapshotId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.ctx.call(
      "volume",
      "DELETE",
      `/snapshots/${encodeURIComponent(snapshotId)}`,
      "snapshots_delete",
      {
        signal,
      },
    );
  }
}
