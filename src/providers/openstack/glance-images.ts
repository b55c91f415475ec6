/**
 * Glance v2 images: list (limit and marker pages, following the answer's "next"), get, delete, and
 * upload (create the record, then PUT the bytes to its file). Snapshots of servers are Nova's createImage
 * (nova-servers.ts); Glance stores what Nova sends it. Glance has no copy within one cloud, so the portable
 * copy is absent.
 */
import type { ImageDriver } from "../../compute/driver.js";
import type { Image, ImageStatus } from "../../compute/types.js";
import type { DocReader } from "../../core/codec/read.js";
import { InvalidInputError } from "../../core/errors.js";
import { type Paginated, paginateByToken } from "../../core/pagination.js";
import type { FileBody } from "../../core/transport/types.js";
import { markerOf, type OpenStackContext } from "./compute-context.js";
import { snapshotServer } from "./nova-servers.js";

const STATUS: Readonly<Record<string, ImageStatus>> = {
  active: "available",
  queued: "pending",
  saving: "pending",
  uploading: "pending",
  importing: "pending",
  killed: "error",
  deleted: "error",
  pending_delete: "error",
  deactivated: "error",
};

/** What Glance says about an image beyond the portable Image. */
export interface GlanceImage extends Image {
  visibility: string | undefined;
  diskFormat: string | undefined;
  containerFormat: string | undefined;
  checksum: string | undefined;
  owner: string | undefined;
  tags: string[];
}

export function parseGlanceImage(doc: DocReader, provider: string): GlanceImage {
  const id = doc.str("id");
  const status = doc.optStr("status") ?? "";
  const visibility = doc.optStr("visibility");
  const distro = doc.optStr("os_distro");
  const version = doc.optStr("os_version");
  return {
    provider,
    id,
    name: doc.optStr("name") || id,
    status: STATUS[status] ?? "unknown",
    os: distro ? [distro, version].filter(Boolean).join("-") : undefined,
    sizeBytes: doc.optInt("size"),
    minDiskGiB: doc.optInt("min_disk"),
    createdAt: doc.optDate("created_at"),
    public: visibility === undefined ? undefined : visibility === "public",
    visibility,
    diskFormat: doc.optStr("disk_format"),
    containerFormat: doc.optStr("container_format"),
    checksum: doc.optStr("checksum"),
    owner: doc.optStr("owner"),
    tags: doc.strings("tags"),
  };
}

/** The Glance API root: the catalog's URL, with "/v2" added unless it already names a version. */
async function v2(ctx: OpenStackContext): Promise<string> {
  const base = await ctx.endpoint("image");
  return /\/v2(\.\d+)?$/.test(base) ? "" : "/v2";
}

export function listGlanceImages(
  ctx: OpenStackContext,
  options: { filters?: Record<string, string>; pageSize?: number; signal?: AbortSignal | undefined } = {},
): Paginated<GlanceImage, string> {
  return paginateByToken<GlanceImage>({
    what: `${ctx.provider} images`,
    provider: ctx.provider,
    signal: options.signal,
    pageSize: options.pageSize,
    fetch: async (marker, request) => {
      const { doc } = await ctx.call("image", "GET", `${await v2(ctx)}/images`, "images_list", {
        query: { ...options.filters, limit: request.pageSize ?? 100, marker },
        signal: request.signal,
      });
      return {
        items: doc.list("images").map((i) => parseGlanceImage(i, ctx.provider)),
        nextToken: markerOf(doc.optStr("next")),
      };
    },
  });
}

export async function getGlanceImage(
  ctx: OpenStackContext,
  id: string,
  signal: AbortSignal | undefined,
): Promise<GlanceImage> {
  const { doc } = await ctx.call(
    "image",
    "GET",
    `${await v2(ctx)}/images/${encodeURIComponent(id)}`,
    "images_get",
    {
      signal,
    },
  );
  return parseGlanceImage(doc, ctx.provider);
}

/** What an uploaded image is: Glance's disk and container formats and who may see it. */
export interface GlanceUploadOptions {
  name: string;
  /** The bytes, or a file on disk (streamed, and resent on retry). */
  data: Uint8Array | string | FileBody;
  /** "qcow2", "raw", "vmdk", "iso", … Default "raw". */
  diskFormat?: string;
  /** "bare", "ovf", … Default "bare". */
  containerFormat?: string;
  /** "private" (default), "shared", "community" or "public" (admins only). */
  visibility?: "private" | "shared" | "community" | "public";
  minDiskGiB?: number;
  minRamMiB?: number;
  tags?: readonly string[];
  signal?: AbortSignal;
}

export class GlanceImages implements ImageDriver {
  constructor(private readonly ctx: OpenStackContext) {}

  /** Nova snapshots the server into a new Glance image. */
  createFromNode(request: { nodeId: string; name: string; signal: AbortSignal | undefined }): Promise<Image> {
    return snapshotServer(this.ctx, request);
  }

  async delete(imageId: string, signal: AbortSignal | undefined): Promise<void> {
    await this.ctx.call(
      "image",
      "DELETE",
      `${await v2(this.ctx)}/images/${encodeURIComponent(imageId)}`,
      "images_delete",
      {
        signal,
      },
    );
  }

  /**
   * A new image from bytes: the record is made, then its data uploaded. When the upload fails the record
   * is deleted again, so no empty "queued" image is left behind.
   */
  async upload(options: GlanceUploadOptions): Promise<GlanceImage> {
    if (typeof options?.name !== "string" || options.name === "") {
      throw new InvalidInputError("An image upload needs a name", { provider: this.ctx.provider });
    }
    const root = await v2(this.ctx);
    const { doc } = await this.ctx.call("image", "POST", `${root}/images`, "images_create", {
      json: {
        name: options.name,
        disk_format: options.diskFormat ?? "raw",
        container_format: options.containerFormat ?? "bare",
        visibility: options.visibility ?? "private",
        ...(options.minDiskGiB !== undefined ? { min_disk: options.minDiskGiB } : {}),
        ...(options.minRamMiB !== undefined ? { min_ram: options.minRamMiB } : {}),
        ...(options.tags ? { tags: [...options.tags] } : {}),
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const id = doc.str("id");
    const file = `${root}/images/${encodeURIComponent(id)}/file`;
    try {
      await this.ctx.call("image", "PUT", file, "images_upload", {
        body: typeof options.data === "string" ? Buffer.from(options.data) : options.data,
        contentType: "application/octet-stream",
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      await this.delete(id, undefined).catch(() => undefined);
      throw err;
    }
    return getGlanceImage(this.ctx, id, options.signal);
  }
}
