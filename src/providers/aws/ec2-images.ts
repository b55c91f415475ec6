/**
 * AMIs: DescribeImages (by owner, id and filters), CreateImage from an instance, DeregisterImage, and
 * CopyImage, which is sent to the destination region and carries a ClientToken so a retried copy never
 * makes two images.
 */
import { randomUUID } from "node:crypto";
import type { ImageDriver } from "../../compute/driver.js";
import type { Image, Location } from "../../compute/types.js";
import { NotFoundError } from "../../core/errors.js";
import type { Ec2Context } from "./ec2-context.js";
import type { Ec2ImageListOptions } from "./ec2-options.js";
import { itemsOf, NAME_TAG, parseImage } from "./ec2-parse.js";
import { Ec2Params } from "./ec2-query.js";

/** DescribeImages in this API version answers in one page (it has no NextToken). */
export async function describeImages(ctx: Ec2Context, options: Ec2ImageListOptions = {}): Promise<Image[]> {
  const params = new Ec2Params()
    .list("ExecutableBy", options.executableBy)
    .filters(options.filters)
    .list("ImageId", options.imageIds)
    .list("Owner", options.owners);
  const doc = await ctx.http.call("DescribeImages", params, { signal: options.signal, idempotent: true });
  return itemsOf(doc, "imagesSet").map((item) => parseImage(item, ctx.provider));
}

export async function* listImages(ctx: Ec2Context, signal: AbortSignal | undefined): AsyncIterable<Image> {
  const images = await describeImages(ctx, {
    owners: ctx.options.imageOwners ?? ["self"],
    ...(ctx.options.imageFilters ? { filters: ctx.options.imageFilters } : {}),
    ...(signal ? { signal } : {}),
  });
  yield* images;
}

export async function getImage(
  ctx: Ec2Context,
  imageId: string,
  signal: AbortSignal | undefined,
): Promise<Image> {
  const [image] = await describeImages(ctx, { imageIds: [imageId], ...(signal ? { signal } : {}) });
  if (!image) throw new NotFoundError(`Image ${imageId} does not exist`, { provider: ctx.provider });
  return image;
}

/** The region a location lies in: zones name it by their region's name plus a letter ("eu-west-1a"). */
function regionOf(ctx: Ec2Context, location: Location | undefined): string {
  if (location === undefined) return ctx.region;
  return location.id.startsWith(ctx.region) ? ctx.region : location.id.replace(/[a-z]$/, "");
}

export class Ec2Images implements ImageDriver {
  constructor(private readonly ctx: Ec2Context) {}

  /** CreateImage: EC2 reboots the instance for a consistent disk unless it is stopped. */
  async createFromNode(request: {
    nodeId: string;
    name: string;
    signal: AbortSignal | undefined;
  }): Promise<Image> {
    const params = new Ec2Params()
      .set("InstanceId", request.nodeId)
      .set("Name", request.name)
      .tagSpecification(["image"], { [NAME_TAG]: request.name });
    const doc = await this.ctx.http.call("CreateImage", params, { signal: request.signal });
    return { provider: this.ctx.provider, id: doc.str("imageId"), name: request.name, status: "pending" };
  }

  /** DeregisterImage. The EBS snapshots behind the image stay (they may back other images); see snapshots. */
  async delete(imageId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.ctx.http.call("DeregisterImage", new Ec2Params().set("ImageId", imageId), {
      signal,
      idempotent: true,
    });
  }

  async copy(request: {
    imageId: string;
    name: string;
    location: Location | undefined;
    signal: AbortSignal | undefined;
  }): Promise<Image> {
    return this.copyToRegion({ ...request, region: regionOf(this.ctx, request.location) });
  }

  /** CopyImage into any region (the portable copy reaches this region's zones only). */
  async copyToRegion(request: {
    imageId: string;
    name: string;
    region: string;
    description?: string;
    signal?: AbortSignal | undefined;
  }): Promise<Image> {
    const params = new Ec2Params()
      .set("ClientToken", randomUUID())
      .set("Description", request.description)
      .set("Name", request.name)
      .set("SourceImageId", request.imageId)
      .set("SourceRegion", this.ctx.region);
    // The copy is made by the destination region, pulling from the source.
    const doc = await this.ctx.httpFor(request.region).call("CopyImage", params, {
      signal: request.signal,
      idempotent: true,
    });
    return {
      provider: this.ctx.provider,
      id: doc.str("imageId"),
      name: request.name,
      status: "pending",
      locationId: request.region,
    };
  }
}
