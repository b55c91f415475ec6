import { openStorage } from "../../src/storage/index.js";
import { S3RVER_KEY, type S3rver, startS3rver } from "../support/s3rver.js";
import { storageSuite } from "./storage-suite.js";

let server: S3rver | undefined;

storageSuite({
  name: "s3rver",
  // S3's minimum part size, which s3rver does not enforce but real S3 does: the suite uses real sizes.
  minPartSize: 5 * 1024 * 1024,
  async open() {
    server = await startS3rver();
    return openStorage("s3", {
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
    });
  },
  async close() {
    await server?.stop();
  },
  skip: {
    "no-open-uploads":
      "s3rver 3.7.1 implements neither ListMultipartUploads (GET ?uploads answers NotImplemented) nor AbortMultipartUpload (DELETE ?uploadId answers MethodNotAllowed)",
    "stale-uploads": "s3rver 3.7.1 does not implement ListMultipartUploads or AbortMultipartUpload",
  },
});
