/**
 * The ONE storage suite with the `s3` driver against Ceph's radosgw: the S3 implementation production
 * Ceph clusters serve, here on a single-node cluster (monitor, memstore OSD, radosgw) started for this file.
 * The cluster is started at collection time, so one that cannot run here is registered as one loudly
 * skipped test naming the reason (a failure under CI, where startCephRgwOrSkip throws).
 */
import { describe, it } from "vitest";
import { openStorage } from "../../src/storage/index.js";
import { startCephRgwOrSkip } from "../support/ceph-rgw.js";
import { storageSuite } from "./storage-suite.js";

const { rgw, skipped } = await startCephRgwOrSkip();

if (!rgw) {
  describe("storage conformance: ceph-rgw", () => {
    it.skip(`all cases [skipped: ${skipped}]`, () => {});
  });
} else {
  console.info(`[ceph-rgw] cluster ready in ${(rgw.startupMs / 1000).toFixed(1)} s at ${rgw.endpoint}`);
  storageSuite({
    name: "ceph-rgw",
    minPartSize: 5 * 1024 * 1024,
    open: () =>
      openStorage("s3", {
        endpoint: rgw.endpoint,
        region: "us-east-1",
        addressing: "path",
        credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      }),
    close: () => rgw.stop(),
  });
}
