/**
 * The files behind the local DNS provider: one RFC 1035 zone file per zone, named "<zone>.zone", written
 * whole into a temp file beside it and renamed into place, so a name server (or a reader) never sees half
 * a zone. Changes to one zone are serialised within the process, so two concurrent calls cannot lose each
 * other's records.
 */
import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { AlreadyExistsError, InvalidInputError, NotFoundError } from "../../core/errors.js";
import { invalid } from "../../dns/invalid.js";
import { splitLabels } from "../../dns/names.js";

export const ZONE_SUFFIX = ".zone";
const PROVIDER = "local";

/** The file of `zone` ("example.com." is "example.com.zone"); names that cannot be file names are refused. */
export function zoneFilePath(root: string, zone: string): string {
  const bare = zone.slice(0, -1);
  // Canonical zone names are already checked; what is left out here is only what a file name cannot hold
  // safely ("/" from RFC 2317 names, escapes), so no zone can write outside the root.
  if (!splitLabels(bare).every((label) => /^[a-z0-9_-]+$/.test(label))) {
    throw invalid(
      `Zone ${zone}`,
      "the local provider keeps zones as files, so zone names may only use letters, digits, '-' and '_'",
    );
  }
  return join(root, `${bare}${ZONE_SUFFIX}`);
}

/** The zone a file name holds, or undefined for other files. */
export function zoneOfFile(file: string): string | undefined {
  if (!file.endsWith(ZONE_SUFFIX) || file.startsWith(".")) return undefined;
  return `${file.slice(0, -ZONE_SUFFIX.length)}.`;
}

export function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export async function readZoneText(path: string, zone: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if (errno(err) === "ENOENT") {
      throw new NotFoundError(`Zone ${zone} does not exist (no file ${path})`, {
        provider: PROVIDER,
        hint: "Create it with createZone",
      });
    }
    throw err;
  }
}

async function writeTemp(path: string, text: string): Promise<string> {
  const temp = join(path, "..", `.${path.split(/[\\/]/).pop()}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx");
  try {
    await handle.writeFile(text, "utf8");
    // Flushed before the rename, so a crash cannot leave an empty zone file where a full one was.
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Replace the file's content in one step. */
export async function replaceFile(path: string, text: string): Promise<void> {
  const temp = await writeTemp(path, text);
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Create the file with this content; AlreadyExistsError (and nothing written) if it exists. */
export async function createFile(path: string, text: string, zone: string): Promise<void> {
  const temp = await writeTemp(path, text);
  try {
    // link() fails when the target exists, where rename() would overwrite it.
    await link(temp, path);
  } catch (err) {
    if (errno(err) === "EEXIST") {
      throw new AlreadyExistsError(`Zone ${zone} already exists (${path})`, { provider: PROVIDER });
    }
    throw err;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Re-raise a parse error of a stored file with the file named, since the user may have edited it. */
export function inFile(err: unknown, path: string): unknown {
  if (err instanceof InvalidInputError) {
    return new InvalidInputError(`${path}: ${err.message}`, {
      cause: err,
      hint: "The zone file was changed outside omnicloud; fix the line named",
    });
  }
  return err;
}

/**
 * The next SOA serial: today's date as YYYYMMDD00 if that is ahead, else one more (RFC 1982 arithmetic
 * wraps at 2^32). Date-based serials are what people expect to read in a zone file.
 */
export function nextSerial(current: number, now: Date = new Date()): number {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() + 1;
  const d = now.getUTCDate();
  const dated = (y * 10_000 + m * 100 + d) * 100;
  return current < dated ? dated : (current + 1) % 2 ** 32;
}
