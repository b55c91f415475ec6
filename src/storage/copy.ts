import type { StorageDriver } from "./driver.js";
import type { Storage } from "./storage.js";
import type { CopyOptions, ObjectInfo, ObjectRef } from "./types.js";

/**
 * Copy between two stores (or inside one whose provider cannot copy server-side): the source streams
 * into the target's upload, which checksums it and, when the source's MD5 is known, refuses anything else.
 * Memory stays at the target's multipart window whatever the size.
 */
export async function streamCopy(
  source: Storage<StorageDriver<unknown>>,
  target: Storage<StorageDriver<unknown>>,
  from: ObjectRef,
  to: ObjectRef,
  options: CopyOptions<unknown>,
): Promise<ObjectInfo> {
  const { info, body } = await source.download(from.container, from.name, { signal: options.signal });
  try {
    return await target.upload(to.container, to.name, body, {
      size: info.size,
      contentType: options.contentType ?? info.contentType,
      cacheControl: info.cacheControl,
      contentDisposition: info.contentDisposition,
      metadata: options.metadata ?? info.metadata,
      ...(info.checksums.md5 ? { expect: { md5: info.checksums.md5 } } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.multipart !== undefined ? { multipart: options.multipart } : {}),
      ...(options.extras !== undefined ? { extras: options.extras } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } finally {
    if (!body.destroyed) body.destroy();
  }
}
