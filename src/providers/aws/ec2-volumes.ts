/**
 * EBS volumes and snapshots. Volumes are made in a zone (the one asked for, or the region's first), carry
 * their name as the Name tag, and are created with a ClientToken so a retried create makes one volume.
 * AttachVolume needs a device name: the first free one of /dev/sdf…/dev/sdp is chosen, as AWS advises
 * for EBS data volumes.
 */
import { randomUUID } from "node:crypto";
import type { SnapshotDriver, VolumeDriver } from "../../compute/driver.js";
import type { Location, Snapshot, Volume } from "../../compute/types.js";
import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import { paginateByToken } from "../../core/pagination.js";
import type { Ec2Context } from "./ec2-context.js";
import { getInstance } from "./ec2-nodes.js";
import type { Ec2VolumeExtra } from "./ec2-parse.js";
import { itemsOf, NAME_TAG, parseSnapshot, parseVolume } from "./ec2-parse.js";
import { Ec2Params, maxResults } from "./ec2-query.js";

const DATA_DEVICES = "fghijklmnop".split("").map((letter) => `/dev/sd${letter}`);

export class Ec2Volumes implements VolumeDriver<Ec2VolumeExtra> {
  constructor(private readonly ctx: Ec2Context) {}

  list(signal: AbortSignal | undefined): AsyncIterable<Volume<Ec2VolumeExtra>> {
    return paginateByToken<Volume<Ec2VolumeExtra>>({
      what: `${this.ctx.provider} DescribeVolumes`,
      provider: this.ctx.provider,
      signal,
      fetch: async (token, request) => {
        const params = new Ec2Params()
          .set("MaxResults", maxResults(request.pageSize, 5, 500))
          .set("NextToken", token);
        const doc = await this.ctx.http.call("DescribeVolumes", params, {
          signal: request.signal,
          idempotent: true,
        });
        return {
          items: itemsOf(doc, "volumeSet").map((v) => parseVolume(v, this.ctx.provider)),
          nextToken: doc.optStr("nextToken"),
        };
      },
    });
  }

  async get(volumeId: string, signal: AbortSignal | undefined): Promise<Volume<Ec2VolumeExtra>> {
    const doc = await this.ctx.http.call("DescribeVolumes", new Ec2Params().list("VolumeId", [volumeId]), {
      signal,
      idempotent: true,
    });
    const [item] = itemsOf(doc, "volumeSet");
    if (!item) throw new NotFoundError(`Volume ${volumeId} does not exist`, { provider: this.ctx.provider });
    return parseVolume(item, this.ctx.provider);
  }

  async create(request: {
    name: string;
    sizeGiB: number;
    location: Location | undefined;
    snapshotId: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<Ec2VolumeExtra>> {
    const zone = request.location?.id ?? (await this.ctx.zone(request.signal));
    const params = new Ec2Params()
      .set("AvailabilityZone", zone)
      .set("Size", request.sizeGiB)
      .set("SnapshotId", request.snapshotId)
      .set("VolumeType", this.ctx.options.volumeType)
      .set("ClientToken", randomUUID())
      .tagSpecification(["volume"], { [NAME_TAG]: request.name });
    // The ClientToken makes a repeat return the first volume, so the create may be retried.
    const doc = await this.ctx.http.call("CreateVolume", params, {
      signal: request.signal,
      idempotent: true,
    });
    const volume = parseVolume(doc, this.ctx.provider);
    // The answer may not echo the tags the create applied.
    if (volume.name === volume.id) volume.name = request.name;
    return volume;
  }

  async destroy(volumeId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.ctx.http.call("DeleteVolume", new Ec2Params().set("VolumeId", volumeId), {
      signal,
      idempotent: true,
    });
  }

  async attach(request: {
    volumeId: string;
    nodeId: string;
    device: string | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Volume<Ec2VolumeExtra>> {
    const device = request.device ?? (await this.freeDevice(request.nodeId, request.signal));
    const params = new Ec2Params()
      .set("Device", device)
      .set("InstanceId", request.nodeId)
      .set("VolumeId", request.volumeId);
    await this.ctx.http.call("AttachVolume", params, { signal: request.signal });
    return this.get(request.volumeId, request.signal);
  }

  async detach(request: {
    volumeId: string;
    signal: AbortSignal | undefined;
  }): Promise<Volume<Ec2VolumeExtra>> {
    await this.ctx.http.call("DetachVolume", new Ec2Params().set("VolumeId", request.volumeId), {
      signal: request.signal,
    });
    return this.get(request.volumeId, request.signal);
  }

  private async freeDevice(nodeId: string, signal: AbortSignal | undefined): Promise<string> {
    const node = await getInstance(this.ctx, nodeId, signal);
    const taken = new Set(Object.keys(node.extra.blockDevices).map((d) => d.replace("/dev/xvd", "/dev/sd")));
    const free = DATA_DEVICES.find((d) => !taken.has(d));
    if (!free) {
      throw new InvalidInputError(`Instance ${nodeId} has no free device name among /dev/sdf to /dev/sdp`, {
        provider: this.ctx.provider,
        hint: "Pass a device name to attachVolume",
      });
    }
    return free;
  }
}

export class Ec2Snapshots implements SnapshotDriver {
  constructor(private readonly ctx: Ec2Context) {}

  /** The account's own snapshots (EC2 would otherwise list every public one). */
  list(volumeId: string | undefined, signal: AbortSignal | undefined): AsyncIterable<Snapshot> {
    return paginateByToken<Snapshot>({
      what: `${this.ctx.provider} DescribeSnapshots`,
      provider: this.ctx.provider,
      signal,
      fetch: async (token, request) => {
        const params = new Ec2Params()
          .filters(volumeId === undefined ? undefined : { "volume-id": volumeId })
          .set("MaxResults", maxResults(request.pageSize, 5, 1000))
          .set("NextToken", token)
          .list("Owner", ["self"]);
        const doc = await this.ctx.http.call("DescribeSnapshots", params, {
          signal: request.signal,
          idempotent: true,
        });
        return {
          items: itemsOf(doc, "snapshotSet").map((s) => parseSnapshot(s, this.ctx.provider)),
          nextToken: doc.optStr("nextToken"),
        };
      },
    });
  }

  async create(request: {
    volumeId: string;
    name: string;
    signal: AbortSignal | undefined;
  }): Promise<Snapshot> {
    const params = new Ec2Params()
      .set("Description", request.name)
      .set("VolumeId", request.volumeId)
      .tagSpecification(["snapshot"], { [NAME_TAG]: request.name });
    const doc = await this.ctx.http.call("CreateSnapshot", params, { signal: request.signal });
    const snapshot = parseSnapshot(doc, this.ctx.provider);
    return { ...snapshot, name: request.name };
  }

  async destroy(snapshotId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.ctx.http.call("DeleteSnapshot", new Ec2Params().set("SnapshotId", snapshotId), {
      signal,
      idempotent: true,
    });
  }
}
