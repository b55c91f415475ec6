import { IntegrityError, InvalidInputError, isOmnicloudError } from "../core/errors.js";
import { abortedBy } from "../core/sleep.js";
import type { MultipartDriver, MultipartInit, MultipartLimits, UploadedPart } from "./driver.js";
import type { OutgoingPart, PartSource } from "./part-source.js";
import type { Checksums, MultipartOptions, ObjectInfo, Progress } from "./types.js";

const MiB = 1024 * 1024;
const MAX_CONCURRENCY = 64;
/** How long the clean-up abort of a failed upload may take; it runs even when the caller's signal fired. */
const ABORT_TIMEOUT_MS = 60_000;

/** Part size, concurrency and threshold for one upload, checked against the provider's limits. */
export interface MultipartPlan {
  threshold: number;
  partSize: number;
  concurrency: number;
}

export function planMultipart(
  limits: MultipartLimits,
  options: MultipartOptions | undefined,
  size: number | undefined,
): MultipartPlan {
  const concurrency = options?.concurrency ?? 4;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    throw new InvalidInputError(`Multipart concurrency ${concurrency} must be a whole number from 1 to 64`);
  }
  let partSize = options?.partSize ?? limits.defaultPartSize;
  if (!Number.isSafeInteger(partSize) || partSize < limits.minPartSize || partSize > limits.maxPartSize) {
    throw new InvalidInputError(
      `Part size ${partSize} is outside this provider's limits (${limits.minPartSize} to ${limits.maxPartSize} bytes)`,
    );
  }
  // A known size that would need more parts than allowed gets bigger parts, rounded up to whole MiB.
  if (size !== undefined && Math.ceil(size / partSize) > limits.maxParts) {
    partSize = Math.ceil(size / limits.maxParts / MiB) * MiB;
    if (partSize > limits.maxPartSize) {
      throw new InvalidInputError(
        `An object of ${size} bytes needs more than ${limits.maxParts} parts of the largest size this provider allows`,
      );
    }
  }
  const threshold = options?.threshold ?? limits.defaultThreshold ?? partSize;
  if (!(threshold >= 0)) throw new InvalidInputError(`Multipart threshold ${threshold} must be ≥ 0`);
  return { threshold, partSize, concurrency };
}

export interface MultipartRun<X> {
  driver: MultipartDriver<X>;
  init: MultipartInit<X>;
  reader: PartSource;
  plan: MultipartPlan;
  /** The object's size when known ahead; the source must deliver exactly this many bytes. */
  size: number | undefined;
  /** A first part already read (to decide between one request and multipart). */
  first?: OutgoingPart | undefined;
  expected: Checksums | undefined;
  /** Names the upload in errors. */
  what: string;
  onProgress: ((progress: Progress) => void) | undefined;
  signal: AbortSignal | undefined;
}

/**
 * One multipart upload: parts are read in order and uploaded up to `concurrency` at a time, and the next
 * part is read only when a slot is free, so at most `concurrency` parts are in memory. The whole object is
 * verified (size, expected digests) before it is completed. Any failure (source, part, verification,
 * completion, the caller's signal) aborts the upload on the provider, so no parts are left behind.
 */
export async function uploadMultipart<X>(run: MultipartRun<X>): Promise<ObjectInfo> {
  const { driver, plan, reader } = run;
  const upload = await driver.initiate(run.init);
  const stop = new AbortController();
  const signal = run.signal ? AbortSignal.any([run.signal, stop.signal]) : stop.signal;
  const parts: UploadedPart[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let done = 0;
  try {
    let first = run.first;
    for (let partNumber = 1; ; partNumber++) {
      while (inflight.size >= plan.concurrency && failure === undefined) await Promise.race(inflight);
      if (failure !== undefined) break;
      if (run.signal?.aborted) throw abortedBy(run.signal, run.what);
      const part = first ?? (await nextPart(run));
      first = undefined;
      if (part === undefined) break;
      if (partNumber > driver.limits.maxParts) {
        throw new InvalidInputError(
          `${run.what}: the source is longer than ${driver.limits.maxParts} parts of ${plan.partSize} bytes`,
          { hint: "Pass the size, or a larger multipart.partSize" },
        );
      }
      const task = driver.uploadPart(upload, { ...part, partNumber, signal }).then(
        (uploaded) => {
          parts[partNumber - 1] = uploaded;
          done += part.size;
          run.onProgress?.({ done, total: run.size });
        },
        (error: unknown) => {
          failure ??= { error };
          stop.abort(error);
        },
      );
      inflight.add(task);
      void task.finally(() => {
        inflight.delete(task);
        reader.releasePart(part);
      });
    }
    await Promise.all(inflight);
    if (failure !== undefined) throw failure.error;
    reader.verify(run.what, run.size, run.expected);
    return await driver.complete(upload, { parts, checksums: reader.checksums(), signal: run.signal });
  } catch (err) {
    stop.abort(err);
    reader.close();
    await Promise.allSettled([...inflight]);
    try {
      await driver.abort(upload, AbortSignal.timeout(ABORT_TIMEOUT_MS));
    } catch (abortErr) {
      const detail = abortErr instanceof Error ? abortErr.message : String(abortErr);
      const note = `The multipart upload ${upload.uploadId} could not be aborted (${detail}); remove it with abortStaleUploads.`;
      if (isOmnicloudError(err)) err.explain(note);
      else if (err instanceof Error) err.message = `${err.message}. ${note}`;
    }
    throw err;
  }
}

/** The next part, refusing a source that runs past its declared size (it would never match). */
async function nextPart<X>(run: MultipartRun<X>): Promise<OutgoingPart | undefined> {
  const { reader, plan, size } = run;
  if (size === undefined) return reader.nextPart(plan.partSize);
  const remaining = size - reader.bytes;
  if (remaining <= 0) {
    if (await reader.atEnd()) return undefined;
    throw new IntegrityError(`${run.what}: the source gave more than the declared ${size} bytes`);
  }
  return reader.nextPart(plan.partSize, remaining);
}
