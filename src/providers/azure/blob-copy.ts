/**
 * Server-side copy inside one account: Copy Blob (x-ms-copy-source), which the service may finish at once
 * ("success") or run in the background ("pending", common for large blobs), then polled with Get Blob
 * Properties until it ends. Copy Blob cannot set the content type, so a new one is applied afterwards with
 * Set Blob Properties, which replaces every HTTP property: the others are sent again as the source had them.
 */
import { ProviderError, TimeoutError } from "../../core/errors.js";
import { sleep } from "../../core/sleep.js";
import { headerValue } from "../../core/transport/response-error.js";
import type { ResponseHeaders } from "../../core/transport/types.js";
import type { CopyRequest } from "../../storage/driver.js";
import type { ObjectInfo } from "../../storage/types.js";
import { metadataHeaders } from "./blob-metadata.js";
import { type BlobHttp, objectInfoFrom, unquote } from "./blob-requests.js";

/** First wait between polls of a pending copy; doubled each time up to the cap. */
const FIRST_POLL_MS = 200;
const MAX_POLL_MS = 5_000;

export interface CopyContext {
  http: BlobHttp;
  /** How long a pending copy may take before we give up (the copy then goes on at the service). */
  timeoutMs: number;
}

/** The source URL as the service fetches it: ours, carrying the SAS when the store authorises with one. */
function sourceUrl(http: BlobHttp, container: string, name: string): string {
  const url = http.url(container, name);
  const sas = http.sasQuery();
  return sas === undefined ? url : `${url}?${sas}`;
}

export async function copyBlob(ctx: CopyContext, request: CopyRequest): Promise<ObjectInfo> {
  const { http } = ctx;
  const { from, to, signal } = request;
  const head = await http.send("Blob_GetProperties", {
    method: "HEAD",
    container: from.container,
    blob: from.name,
    signal,
  });
  const source = objectInfoFrom(from.container, from.name, head.headers);
  const headers: Record<string, string> = {
    "x-ms-copy-source": sourceUrl(http, from.container, from.name),
    // Copy exactly the version we looked at: a concurrent overwrite fails the copy instead of mixing.
    ...(source.etag ? { "x-ms-source-if-match": `"${source.etag}"` } : {}),
    // With x-ms-meta-* headers the copy gets those instead of the source's metadata.
    ...(request.metadata ? metadataHeaders(request.metadata) : {}),
  };
  const res = await http.send("Blob_StartCopyFromURL", {
    method: "PUT",
    container: to.container,
    blob: to.name,
    headers,
    signal,
  });
  let final = res.headers;
  if (headerValue(res.headers, "x-ms-copy-status") !== "success") {
    final = await waitForCopy(ctx, request, headerValue(res.headers, "x-ms-copy-id"));
  }
  // Replacing metadata with nothing: Copy Blob, given no x-ms-meta-*, would have kept the source's.
  if (request.metadata !== undefined && Object.keys(request.metadata).length === 0) {
    final = (
      await http.send("Blob_SetMetadata", {
        method: "PUT",
        container: to.container,
        blob: to.name,
        query: { comp: "metadata" },
        signal,
      })
    ).headers;
  }
  if (request.contentType !== undefined && request.contentType !== source.contentType) {
    final = (
      await http.send("Blob_SetHTTPHeaders", {
        method: "PUT",
        container: to.container,
        blob: to.name,
        query: { comp: "properties" },
        headers: propertyHeaders(head.headers, request.contentType),
        signal,
      })
    ).headers;
  }
  const etag = unquote(headerValue(final, "etag"));
  const modified = headerValue(final, "last-modified");
  return {
    ...source,
    container: to.container,
    name: to.name,
    ...(etag ? { etag } : {}),
    ...(modified ? { lastModified: new Date(modified) } : {}),
    ...(request.contentType ? { contentType: request.contentType } : {}),
    metadata: { ...(request.metadata ?? source.metadata) },
    checksums: { ...source.checksums },
  };
}

/** The source's HTTP properties as Set Blob Properties headers, with the new content type. */
function propertyHeaders(source: ResponseHeaders, contentType: string): Record<string, string> {
  const out: Record<string, string> = { "x-ms-blob-content-type": contentType };
  for (const [from, to] of [
    ["cache-control", "x-ms-blob-cache-control"],
    ["content-disposition", "x-ms-blob-content-disposition"],
    ["content-encoding", "x-ms-blob-content-encoding"],
    ["content-language", "x-ms-blob-content-language"],
    ["content-md5", "x-ms-blob-content-md5"],
  ] as const) {
    const value = headerValue(source, from);
    if (value) out[to] = value;
  }
  return out;
}

/** Poll the destination until the copy with `copyId` ends; its final headers, or a typed error. */
async function waitForCopy(
  ctx: CopyContext,
  request: CopyRequest,
  copyId: string | undefined,
): Promise<ResponseHeaders> {
  const { http } = ctx;
  const { to, signal } = request;
  const what = `Copy of ${request.from.container}/${request.from.name} to ${to.container}/${to.name}`;
  const deadline = Date.now() + ctx.timeoutMs;
  let wait = FIRST_POLL_MS;
  // Bounded by the deadline: each turn waits at least FIRST_POLL_MS.
  for (;;) {
    await sleep(wait, signal);
    wait = Math.min(wait * 2, MAX_POLL_MS);
    const res = await http.send("Blob_GetProperties", {
      method: "HEAD",
      container: to.container,
      blob: to.name,
      signal,
    });
    const id = headerValue(res.headers, "x-ms-copy-id");
    const status = headerValue(res.headers, "x-ms-copy-status");
    if (copyId !== undefined && id !== undefined && id !== copyId) {
      throw new ProviderError(`${what}: another copy to the same blob replaced this one`, {
        provider: http.provider,
        requestId: res.requestId,
      });
    }
    if (status === "success") return res.headers;
    if (status === "failed" || status === "aborted") {
      throw new ProviderError(
        `${what} ${status}: ${headerValue(res.headers, "x-ms-copy-status-description") ?? "no reason given"}`,
        { provider: http.provider, code: `Copy${status}`, requestId: res.requestId },
      );
    }
    if (Date.now() >= deadline) {
      throw new TimeoutError(`${what} was still pending after ${ctx.timeoutMs} ms`, {
        provider: http.provider,
        hint: "The copy goes on at the service; raise copyTimeoutMs to wait longer",
      });
    }
  }
}
