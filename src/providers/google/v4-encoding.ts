/** Encoding rules shared by GCS V4 signed URLs and POST policies. */
import { InvalidInputError } from "../../core/errors.js";

/** RFC 3986 percent-encoding: everything but the unreserved characters, as UTF-8 with upper-case hex. */
export function encodeRfc3986(value: string): string {
  // encodeURIComponent leaves !'()* alone; V4 signing treats them as reserved.
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** An object name as a path: each segment encoded, the slashes kept (they are part of the name). */
export function encodePath(value: string): string {
  return value.split("/").map(encodeRfc3986).join("/");
}

/** "20190201T090000Z": the V4 request timestamp. */
export function goog4DateTime(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** "2020-01-23T04:35:40Z": ISO 8601 without fractions, as a POST policy's `expiration`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export type GcsUrlStyle = "path" | "virtual-hosted" | "bucket-bound";

export interface GcsEndpointOptions {
  /** "https" unless the endpoint says otherwise. */
  scheme?: "http" | "https";
  /** Default "path": https://storage.googleapis.com/BUCKET/OBJECT. */
  urlStyle?: GcsUrlStyle;
  /** Your CNAME for the bucket, with `urlStyle: "bucket-bound"`. */
  bucketBoundHostname?: string;
  /**
   * Another API endpoint: "host[:port]" or "scheme://host[:port]" (an emulator, a private endpoint).
   * Overrides the universe domain.
   */
  endpoint?: string;
  /** The Google Cloud universe; the endpoint becomes storage.<domain>. Default "googleapis.com". */
  universeDomain?: string;
}

/** Where a signed request goes: the URL's scheme and authority, the signed host, and the path prefix. */
export interface ResolvedEndpoint {
  scheme: string;
  /** host[:port] as it appears in the URL. */
  authority: string;
  /** The host without a port: what the `host` canonical header carries. */
  host: string;
  /** "/bucket" for path style, "" when the bucket is in the host name. */
  bucketPath: string;
}

export function resolveEndpoint(bucket: string, o: GcsEndpointOptions): ResolvedEndpoint {
  let scheme = o.scheme;
  let base = `storage.${o.universeDomain ?? "googleapis.com"}`;
  if (o.endpoint) {
    const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(o.endpoint);
    if (m) {
      scheme ??= m[1]!.toLowerCase() as "http" | "https";
      base = m[2]!;
    } else {
      base = o.endpoint;
    }
    base = base.replace(/\/.*$/, "");
  }
  const style = o.urlStyle ?? "path";
  let authority: string;
  let bucketPath = "";
  if (style === "bucket-bound") {
    if (!o.bucketBoundHostname) {
      throw new InvalidInputError('urlStyle "bucket-bound" needs bucketBoundHostname', { provider: "gcs" });
    }
    authority = o.bucketBoundHostname;
  } else if (style === "virtual-hosted") {
    authority = `${bucket}.${base}`;
  } else {
    authority = base;
    bucketPath = `/${encodeRfc3986(bucket)}`;
  }
  return { scheme: scheme ?? "https", authority, host: stripPort(authority), bucketPath };
}

/**
 * The signed host is the name without the port: the conformance vectors sign "localhost" for an
 * endpoint of "localhost:8080" and "storage.googleapis.com" for ":443".
 */
function stripPort(authority: string): string {
  if (authority.startsWith("[")) return authority.slice(0, authority.indexOf("]") + 1);
  return authority.replace(/:\d*$/, "");
}
