import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { AlreadyExistsError } from "../core/errors.js";
import { openStorage } from "../storage/open.js";

/** The storage part of the demo: a small site and a larger binary in local storage, listed and read back. */
export async function demoStorage(
  root: string,
  say: (line: string) => void,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const storage = await openStorage("local", { root: join(root, "storage") });
  try {
    try {
      await storage.createContainer("site", { signal });
      say("  created container site");
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      say("  container site exists; reusing it");
    }

    // A small static site plus one larger binary, so streaming and checksums have something to chew on.
    const files: Array<[string, string | Buffer, string]> = [
      ["index.html", "<!doctype html><title>omnicloud</title><h1>Hello from omnicloud</h1>\n", "text/html"],
      ["css/site.css", "h1 { font-family: sans-serif; }\n", "text/css"],
      ["data/blob.bin", randomBytes(4 * 1024 * 1024), "application/octet-stream"],
    ];
    for (const [name, data, contentType] of files) {
      const info = await storage.upload("site", name, data, {
        contentType,
        metadata: { origin: "omnicloud-demo" },
        signal,
      });
      say(`  uploaded ${name.padEnd(14)} ${String(info.size).padStart(8)} bytes  md5 ${info.etag}`);
    }

    say("  listing site/ with delimiter '/':");
    const listing: string[] = [];
    for await (const entry of storage.list("site", { delimiter: "/", signal })) {
      listing.push(entry.kind === "prefix" ? `${entry.name} (prefix)` : `${entry.name} ${entry.size} bytes`);
      say(`    ${listing[listing.length - 1]}`);
    }

    const downloads = join(root, "downloads");
    await mkdir(downloads, { recursive: true });
    const target = join(downloads, "blob.bin");
    const info = await storage.downloadToFile("site", "data/blob.bin", target, { signal });
    const md5 = createHash("md5")
      .update(await readFile(target))
      .digest("hex");
    say(
      `  downloaded data/blob.bin atomically to ${target}: md5 ${md5 === info.etag ? "verified" : "MISMATCH"}`,
    );
    const head = await storage.getBytes("site", "index.html", { range: { start: 0, end: 14 }, signal });
    say(`  ranged read of index.html bytes 0-14: ${JSON.stringify(head.toString())}`);
    return { container: "site", objects: files.length, listing, downloadVerified: md5 === info.etag };
  } finally {
    await storage.close();
  }
}
