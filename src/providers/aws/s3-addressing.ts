/**
 * Where an S3 bucket and key live: virtual-hosted style (`https://bucket.s3.region.amazonaws.com/key`)
 * when the bucket name can be a DNS label and the TLS certificate will match, path style
 * (`https://s3.region.amazonaws.com/bucket/key`) otherwise, and path style by default against custom
 * endpoints (MinIO, Ceph, LocalStack), which rarely have wildcard DNS.
 */
import { isIP } from "node:net";
import { InvalidInputError } from "../../core/errors.js";
import { awsEndpoint } from "./endpoints.js";
import { uriEncode } from "./sigv4-canonical.js";

export type S3Addressing = "auto" | "path" | "virtual";

export interface S3AddressOptions {
  region: string;
  /** A custom endpoint, e.g. "http://127.0.0.1:9000"; default AWS's for the region. */
  endpoint?: string;
  /**
   * "auto" (default): virtual-hosted on AWS when the bucket allows it, path style on custom endpoints.
   * "path" always; "virtual" always (an error when the bucket name cannot work that way).
   */
  addressing?: S3Addressing;
  dualstack?: boolean;
  fips?: boolean;
}

export interface S3Address {
  url: URL;
  style: "path" | "virtual";
  /** The region for the signature's scope. */
  signingRegion: string;
}

/**
 * Why a bucket name cannot be a DNS label under the endpoint, or undefined when it can: 3-63 characters of
 * a-z 0-9 . -, each dot-separated label starting and ending with a letter or digit, not an IP address.
 */
export function virtualHostProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return "it is not 3 to 63 characters long";
  if (!/^[a-z0-9.-]+$/.test(bucket)) return "it has characters other than a-z, 0-9, '.' and '-'";
  if (bucket.split(".").some((label) => !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(label))) {
    return "a dot-separated part is empty or starts or ends with '-'";
  }
  if (isIP(bucket) !== 0) return "it looks like an IP address";
  return undefined;
}

/** Whether the bucket can be addressed virtual-hosted style over this scheme. */
export function canUseVirtualHost(bucket: string, tls: boolean): boolean {
  // *.s3.amazonaws.com certificates cover one label: "my.bucket.s3..." fails TLS name checks.
  return virtualHostProblem(bucket) === undefined && !(tls && bucket.includes("."));
}

/**
 * A key as a URL path: each byte outside the unreserved set encoded, slashes kept. Keys with "." or ".."
 * segments are refused, because URL parsing (WHATWG, in undici too) would resolve them to another key.
 */
export function encodeS3Key(key: string): string {
  if (key.split("/").some((s) => s === "." || s === ".." || s.toLowerCase() === "%2e")) {
    throw new InvalidInputError(
      `The object key "${key}" has a "." or ".." path segment, which URLs cannot carry`,
    );
  }
  return uriEncode(key, true);
}

function isLocalHost(hostname: string): boolean {
  return isIP(hostname.replace(/^\[|\]$/g, "")) !== 0 || hostname === "localhost";
}

/** The URL for a bucket (key omitted) or an object. */
export function s3Address(options: S3AddressOptions, bucket: string, key?: string): S3Address {
  if (bucket === "") throw new InvalidInputError("The bucket name is empty");
  const mode = options.addressing ?? "auto";
  const { base, signingRegion } = endpointOf(options);
  const tls = base.protocol === "https:";
  let style: "path" | "virtual";
  if (mode === "path") style = "path";
  else if (mode === "virtual") {
    const problem =
      virtualHostProblem(bucket) ??
      (isLocalHost(base.hostname) ? "the endpoint is an IP address or localhost" : undefined);
    if (problem) {
      throw new InvalidInputError(`Bucket "${bucket}" cannot be addressed virtual-hosted style: ${problem}`, {
        hint: 'Use addressing "path"',
      });
    }
    style = "virtual";
  } else {
    style = !options.endpoint && canUseVirtualHost(bucket, tls) ? "virtual" : "path";
  }

  // Perf: the address is written as one string and parsed once (URL setters each re-parse the URL).
  const prefix = base.pathname.replace(/\/+$/, "");
  const keyPath = key === undefined ? "" : encodeS3Key(key);
  const auth = base.username ? `${base.username}${base.password ? `:${base.password}` : ""}@` : "";
  const href =
    style === "virtual"
      ? `${base.protocol}//${auth}${bucket}.${base.host}${prefix}/${keyPath}`
      : `${base.protocol}//${auth}${base.host}${prefix}/${uriEncode(bucket)}${key === undefined ? "" : `/${keyPath}`}`;
  return { url: new URL(href), style, signingRegion };
}

/** Parsed endpoints by what determines them; a store uses one, so a few entries are plenty. */
const endpoints = new Map<string, { base: URL; signingRegion: string }>();

function endpointOf(options: S3AddressOptions): { base: URL; signingRegion: string } {
  const key = `${options.endpoint ?? ""} ${options.region} ${options.dualstack} ${options.fips}`;
  const known = endpoints.get(key);
  if (known) return known;
  let found: { base: URL; signingRegion: string };
  if (options.endpoint) {
    try {
      found = { base: new URL(options.endpoint), signingRegion: options.region };
    } catch (err) {
      throw new InvalidInputError(`The S3 endpoint "${options.endpoint}" is not a URL`, { cause: err });
    }
  } else {
    const e = awsEndpoint("s3", options.region, { dualstack: options.dualstack, fips: options.fips });
    found = { base: new URL(e.url), signingRegion: e.signingRegion };
  }
  if (endpoints.size >= 64) endpoints.clear();
  endpoints.set(key, found);
  return found;
}
