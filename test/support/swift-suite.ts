/**
 * What both Swift suite files share: start one Swift for the file at collection time, so a Swift that
 * cannot run here is registered as one loudly skipped test naming the reason (a failure under CI, where
 * startSwiftOrSkip throws), instead of a beforeAll error.
 */
import { describe, it } from "vitest";
import { type StorageBackend, storageSuite } from "../conformance/storage-suite.js";
import { type Swift, startSwiftOrSkip } from "./swift.js";

export async function swiftStorageSuite(
  name: string,
  backend: (swift: Swift) => Omit<StorageBackend, "name" | "close">,
): Promise<void> {
  const { swift, skipped } = await startSwiftOrSkip();
  if (!swift) {
    describe(`storage conformance: ${name}`, () => {
      it.skip(`all cases [skipped: ${skipped}]`, () => {});
    });
    return;
  }
  storageSuite({ name, ...backend(swift), close: () => swift.stop() });
}
