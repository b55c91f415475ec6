import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { AlreadyExistsError } from "../core/errors.js";
import { openStorage } from "../storage/open.js";

/**
 * The main job on the embedded default: real work on the local providers, no credentials, no network.
 * It leaves its results in a folder the user can inspect. Each service adds its part as it lands.
 */
export async function demoCommand(args: string[], flags: { json: boolean }): Promise<void> {
  const { values } = parseArgs({ args, options: { root: { type: "string" } }, strict: true });
  const root = resolve(values.root ?? "omnicloud-demo");
  const say = (line: string): void => {
    if (!flags.json) process.stdout.write(`${line}\n`);
  };
  const report: Record<string, unknown> = { root };

  say(`omnicloud demo: local providers in ${root}`);
  const storage = await openStorage("local", { root: join(root, "storage") });
  try {
    await storage.createContainer("site");
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
    });
    say(`  uploaded ${name.padEnd(14)} ${String(info.size).padStart(8)} bytes  md5 ${info.etag}`);
  }

  say("  listing site/ with delimiter '/':");
  const listing: string[] = [];
  for await (const entry of storage.list("site", { delimiter: "/" })) {
    listing.push(entry.kind === "prefix" ? `${entry.name} (prefix)` : `${entry.name} ${entry.size} bytes`);
    say(`    ${listing[listing.length - 1]}`);
  }
  report.listing = listing;

  const downloads = join(root, "downloads");
  await mkdir(downloads, { recursive: true });
  const target = join(downloads, "blob.bin");
  const info = await storage.downloadToFile("site", "data/blob.bin", target);
  const md5 = createHash("md5")
    .update(await readFile(target))
    .digest("hex");
  say(
    `  downloaded data/blob.bin atomically to ${target}: md5 ${md5 === info.etag ? "verified" : "MISMATCH"}`,
  );
  const head = await storage.getBytes("site", "index.html", { range: { start: 0, end: 14 } });
  say(`  ranged read of index.html bytes 0-14: ${JSON.stringify(head.toString())}`);
  report.storage = { container: "site", objects: files.length, downloadVerified: md5 === info.etag };
  await storage.close();

  await writeFile(join(root, "demo-report.json"), `${JSON.stringify(report, null, 2)}\n`);
  say(`done. Inspect the results: ls -R ${root}`);
  if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
}
