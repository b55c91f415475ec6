/**
 * S3-compatible services as named providers: each is the `s3` driver with the service's endpoint
 * template, region convention, addressing style and multipart limits filled in, so users name the
 * service and its region instead of working those out. Facts from each service's documentation.
 */
import { InvalidInputError } from "../../core/errors.js";
import type { MultipartLimits } from "../../storage/driver.js";
import { createS3Storage, type S3Driver } from "./s3.js";
import type { S3Addressing } from "./s3-addressing.js";
import type { S3StorageOptions } from "./s3-options.js";

export interface S3CompatibleOptions extends Omit<S3StorageOptions, "provider" | "dualstack" | "fips"> {
  /** Cloudflare R2: the account id from the dashboard. */
  accountId?: string;
  /** Cloudflare R2: a jurisdiction-restricted bucket's jurisdiction, e.g. "eu". */
  jurisdiction?: string;
}

interface Spec {
  title: string;
  /** The endpoint for a region (and account); undefined when the user must give one. */
  endpoint?: (region: string, o: S3CompatibleOptions) => string;
  /** The region to sign for when the user names none; undefined when one is required. */
  defaultRegion?: string;
  addressing: S3Addressing;
  multipart?: Partial<MultipartLimits>;
  /** The public (CDN) URL template, where the service has one. */
  publicBaseUrl?: (region: string) => string;
  /** Example regions, for the error when one is missing. */
  regions?: string;
}

/** Region names go into host names: letters, digits and dashes only, so no option can redirect a request. */
function label(value: string, what: string): string {
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(value)) {
    throw new InvalidInputError(`${what} "${value}" may only contain lower-case letters, digits and dashes`);
  }
  return value;
}

export const S3_COMPATIBLE: Readonly<Record<string, Spec>> = {
  minio: { title: "MinIO", addressing: "path", defaultRegion: "us-east-1" },
  ceph: { title: "Ceph Object Gateway (RGW)", addressing: "path", defaultRegion: "us-east-1" },
  r2: {
    title: "Cloudflare R2",
    // R2 signs with region "auto" (us-east-1 and "" are aliases of it).
    defaultRegion: "auto",
    endpoint: (_region, o) => {
      if (!o.accountId) {
        throw new InvalidInputError(
          'Cloudflare R2 needs options.accountId (the S3 endpoint is "https://<accountId>.r2.cloudflarestorage.com")',
        );
      }
      const jurisdiction = o.jurisdiction ? `.${label(o.jurisdiction, "R2 jurisdiction")}` : "";
      return `https://${label(o.accountId, "R2 account id")}${jurisdiction}.r2.cloudflarestorage.com`;
    },
    addressing: "path",
  },
  "digitalocean-spaces": {
    title: "DigitalOcean Spaces",
    endpoint: (region) => `https://${region}.digitaloceanspaces.com`,
    addressing: "path",
    publicBaseUrl: (region) => `https://{container}.${region}.cdn.digitaloceanspaces.com`,
    regions: "nyc3, sfo3, ams3, sgp1, fra1, syd1",
  },
  "backblaze-b2": {
    title: "Backblaze B2 (S3-compatible API)",
    endpoint: (region) => `https://s3.${region}.backblazeb2.com`,
    addressing: "path",
    regions: "us-west-004, us-east-005, eu-central-003 (shown with the bucket's endpoint)",
  },
  wasabi: {
    title: "Wasabi",
    defaultRegion: "us-east-1",
    endpoint: (region) => `https://s3.${region}.wasabisys.com`,
    addressing: "path",
  },
  scaleway: {
    title: "Scaleway Object Storage",
    endpoint: (region) => `https://s3.${region}.scw.cloud`,
    addressing: "path",
    // Scaleway takes at most 1000 parts per upload.
    multipart: { maxParts: 1000 },
    regions: "fr-par, nl-ams, pl-waw",
  },
  ovh: {
    title: "OVHcloud Object Storage",
    endpoint: (region) => `https://s3.${region}.io.cloud.ovh.net`,
    addressing: "path",
    regions: "gra, sbg, rbx, de, uk, waw, bhs",
  },
  linode: {
    title: "Linode (Akamai) Object Storage",
    endpoint: (region) => `https://${region}.linodeobjects.com`,
    // Buckets are served as <bucket>.<region>.linodeobjects.com.
    addressing: "virtual",
    regions: "us-east-1, eu-central-1, us-sea-1, fr-par-1",
  },
  "alibaba-oss": {
    title: "Alibaba Cloud OSS (S3-compatible mode)",
    endpoint: (region) => `https://s3.oss-${region}.aliyuncs.com`,
    // OSS refuses path-style requests.
    addressing: "virtual",
    regions: "cn-hangzhou, cn-shanghai, ap-southeast-1, eu-central-1",
  },
};

/** The options the `s3` driver gets for a named S3-compatible service. */
export function compatibleOptions(name: string, options: S3CompatibleOptions): S3StorageOptions {
  const spec = S3_COMPATIBLE[name];
  if (!spec) throw new InvalidInputError(`Unknown S3-compatible provider "${name}"`);
  const region = options.region ?? spec.defaultRegion;
  if (region === undefined) {
    throw new InvalidInputError(`${spec.title} needs options.region`, {
      ...(spec.regions ? { hint: `For example: ${spec.regions}` } : {}),
    });
  }
  let endpoint = options.endpoint;
  if (endpoint === undefined) {
    if (!spec.endpoint) {
      throw new InvalidInputError(`${spec.title} needs options.endpoint, e.g. "http://127.0.0.1:9000"`);
    }
    endpoint = spec.endpoint(label(region, `${spec.title} region`), options);
  }
  const { accountId: _a, jurisdiction: _j, ...rest } = options;
  const publicBaseUrl = options.publicBaseUrl ?? spec.publicBaseUrl?.(region);
  return {
    ...rest,
    provider: name,
    region,
    endpoint,
    addressing: options.addressing ?? spec.addressing,
    awsBucketRules: false,
    ...(spec.multipart || options.multipart
      ? { multipart: { ...spec.multipart, ...options.multipart } }
      : {}),
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
  };
}

/** The registry factory for one named service. */
export function s3CompatibleFactory(name: string): (options: S3CompatibleOptions) => Promise<S3Driver> {
  if (!S3_COMPATIBLE[name]) throw new InvalidInputError(`Unknown S3-compatible provider "${name}"`);
  return (options) => createS3Storage(compatibleOptions(name, options ?? {}));
}
