import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStorage } from "../../src/storage/index.js";
import { storageSuite } from "./storage-suite.js";

let dir: string | undefined;

storageSuite({
  name: "local",
  minPartSize: 5 * 1024 * 1024,
  async open() {
    dir = await mkdtemp(join(tmpdir(), "omnicloud-local-suite-"));
    return openStorage("local", { root: join(dir, "root") });
  },
  async close() {
    if (dir) await rm(dir, { recursive: true, force: true });
  },
  skip: {
    "signed-urls": "a folder has no HTTP endpoint to sign URLs for",
  },
});
