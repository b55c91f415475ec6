/**
 * The ONE storage suite with the `swift` driver on a real Swift, authenticated through tempauth's v1.0
 * auth (the driver's Keystone path shares everything after the storage URL and token are known).
 */
import { openStorage } from "../../src/storage/index.js";
import { swiftStorageSuite } from "../support/swift-suite.js";

await swiftStorageSuite("swift", (swift) => ({
  // SLO segments may be small; the suite's multipart cases use S3's 5 MiB so they test the same shapes.
  minPartSize: 5 * 1024 * 1024,
  open: () => openStorage("swift", { v1: { authUrl: swift.authUrl, user: swift.user, key: swift.key } }),
  skip: {},
}));
