import type { Readable } from "node:stream";
import { hexDigest } from "../core/digest.js";
import { IntegrityError, InvalidInputError } from "../core/errors.js";
import type { PutBody, PutRequest, StorageDriver } from "./driver.js";
import { FilePartReader } from "./file-part-reader.js";
import { Meter } from "./meter.js";
import { type MultipartPlan, planMultipart, uploadMultipart } from "./multipart.js";
import { PartReader } from "./part-reader.js";
import { memoryPart, type OutgoingPart, type PartSource } from "./part-source.js";
import { openFileSource, openSource } from "./source.js";
import type { Checksums, ObjectInfo, UploadOptions, UploadSource } from "./types.js";

/** What every path of an upload shares: where it goes and the object's headers. */
interface Target<X> {
  driver: StorageDriver<X>;
  container: string;
  name: string;
  metadata: Record<string, string>;
  options: UploadOptions<X>;
  what: string;
}

/**
 * Choose how to send an upload, then send it:
 * - data already in memory (string, bytes) goes in one request, or multipart above the threshold, the
 *   parts being views on it;
 * - a stream or file no larger than one part is read into memory first, so it is checksummed before the
 *   request (the provider verifies it, a bad `expect` fails before anything is sent) and can be retried;
 * - a larger one goes multipart, a part at a time;
 * - where the driver has no multipart (or the caller said `multipart: false`, or the threshold is
 *   infinite) it streams through in one request, hashed on the way and verified before it becomes visible.
 */
export async function uploadObject<X>(
  target: Target<X>,
  source: UploadSource,
  declaredSize: number | undefined,
): Promise<ObjectInfo> {
  const { driver, options } = target;
  const mp = options.multipart === false ? undefined : driver.multipart;

  if (typeof source === "string" || source instanceof Uint8Array) {
    const bytes = typeof source === "string" ? Buffer.from(source) : source;
    if (declaredSize !== undefined && declaredSize !== bytes.byteLength) {
      throw new IntegrityError(
        `${target.what}: declared ${declaredSize} bytes but the data has ${bytes.byteLength}`,
      );
    }
    const plan = mp && planMultipart(mp.limits, options.multipart || undefined, bytes.byteLength);
    if (plan && bytes.byteLength > plan.threshold) {
      return multipart(target, new PartReader(bytes, wanted(options.expect)), plan, bytes.byteLength);
    }
    return putBytes(target, bytes);
  }

  // A file big enough for multipart is read a part at a time at each part's offset, into reused buffers.
  const file = mp ? await openFileSource(source) : undefined;
  if (file && mp) {
    const plan = planMultipart(mp.limits, options.multipart || undefined, file.size);
    if (plan.threshold !== Number.POSITIVE_INFINITY && file.size > plan.threshold) {
      const handle = await file.open();
      const reader = new FilePartReader(handle, wanted(options.expect));
      try {
        return await multipart(target, reader, plan, file.size);
      } finally {
        reader.close();
      }
    }
  }

  const { stream, size } = await openSource(source, declaredSize);
  try {
    const plan = mp && planMultipart(mp.limits, options.multipart || undefined, size);
    if (!plan || plan.threshold === Number.POSITIVE_INFINITY) return await putStream(target, stream, size);
    if (size !== undefined && size > plan.threshold) {
      return await multipart(target, new PartReader(stream, wanted(options.expect)), plan, size);
    }
    if (size !== undefined && size > plan.partSize) return await putStream(target, stream, size);
    // At most one part: read it, and see whether the source really ends there.
    const reader = new PartReader(stream, wanted(options.expect));
    const first = await reader.next(plan.partSize, size === undefined ? plan.partSize : Math.max(1, size));
    const ended = await reader.atEnd();
    const length = first?.length ?? 0;
    if (size !== undefined && (!ended || length !== size)) {
      throw new IntegrityError(
        `${target.what}: declared ${size} bytes but the source gave ${ended ? length : "more"}`,
      );
    }
    if (ended && length <= plan.threshold) return await putBytes(target, first ?? Buffer.alloc(0));
    return await multipart(target, reader, plan, size, first && memoryPart(first));
  } finally {
    if (!stream.destroyed) stream.destroy();
  }
}

function wanted(expect: Checksums | undefined): { md5: boolean; sha256: boolean } {
  return { md5: Boolean(expect?.md5), sha256: Boolean(expect?.sha256) };
}

function request<X>(
  target: Target<X>,
  body: PutBody,
  meter: Pick<PutRequest<X>, "verify" | "checksums">,
): PutRequest<X> {
  const o = target.options;
  return {
    container: target.container,
    name: target.name,
    body,
    contentType: o.contentType,
    cacheControl: o.cacheControl,
    contentDisposition: o.contentDisposition,
    metadata: target.metadata,
    verify: meter.verify,
    checksums: meter.checksums,
    expected: o.expect,
    extras: o.extras,
    signal: o.signal,
  };
}

/** Bytes in memory: hashed and checked before any request, so a mismatch sends nothing at all. */
async function putBytes<X>(target: Target<X>, bytes: Uint8Array): Promise<ObjectInfo> {
  const expect = target.options.expect;
  const digests: Checksums = { md5: hexDigest("md5", bytes) };
  if (expect?.sha256) digests.sha256 = hexDigest("sha256", bytes);
  for (const algo of ["md5", "sha256"] as const) {
    const want = expect?.[algo]?.toLowerCase();
    if (want && digests[algo] !== want) {
      throw new IntegrityError(`${target.what}: ${algo} is ${digests[algo]} but ${want} was expected`, {
        hint: "Nothing was sent",
      });
    }
  }
  const info = await target.driver.putObject(
    request(target, { kind: "bytes", bytes }, { verify: () => {}, checksums: () => digests }),
  );
  target.options.onProgress?.({ done: bytes.byteLength, total: bytes.byteLength });
  return info;
}

/** One streamed request: the meter hashes and counts on the way, the driver verifies before publishing. */
async function putStream<X>(
  target: Target<X>,
  stream: Readable,
  size: number | undefined,
): Promise<ObjectInfo> {
  const meter = new Meter(size, target.options.expect, target.options.onProgress);
  // The meter sits between the source and the driver; a source error reaches the driver's reads.
  stream.on("error", (err) => meter.destroy(err));
  stream.pipe(meter);
  return target.driver.putObject(
    request(
      target,
      { kind: "stream", stream: meter, size },
      { verify: () => meter.verify(target.what), checksums: () => meter.checksums() },
    ),
  );
}

async function multipart<X>(
  target: Target<X>,
  reader: PartSource,
  plan: MultipartPlan,
  size: number | undefined,
  first?: OutgoingPart,
): Promise<ObjectInfo> {
  const mp = target.driver.multipart;
  if (!mp) throw new InvalidInputError(`${target.what}: the provider has no multipart upload`);
  const o = target.options;
  return uploadMultipart({
    driver: mp,
    init: {
      container: target.container,
      name: target.name,
      contentType: o.contentType,
      cacheControl: o.cacheControl,
      contentDisposition: o.contentDisposition,
      metadata: target.metadata,
      extras: o.extras,
      signal: o.signal,
    },
    reader,
    plan,
    size,
    first,
    expected: o.expect,
    what: target.what,
    onProgress: o.onProgress,
    signal: o.signal,
  });
}
