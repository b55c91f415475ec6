/**
 * Promise forms of the SFTP calls the steps use, with SFTP status codes turned into typed errors.
 * Uploads land in a temporary name beside the target and are renamed into place, so the target is
 * never seen half-written, and the mode is set explicitly because the server's umask trims it at create.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { SFTPWrapper, Stats } from "ssh2";
import {
  IntegrityError,
  NotFoundError,
  OmnicloudError,
  PermissionError,
  ProviderError,
} from "../core/errors.js";
import type { RemoteStat, UploadSource } from "./session.js";

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7) that map to our error classes. */
const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

function sftpError(err: unknown, what: string): OmnicloudError {
  if (err instanceof OmnicloudError) return err;
  const code = (err as { code?: unknown }).code;
  const message = `SFTP ${what} failed: ${err instanceof Error ? err.message : String(err)}`;
  if (code === NO_SUCH_FILE) return new NotFoundError(message, { cause: err });
  if (code === PERMISSION_DENIED) return new PermissionError(message, { cause: err });
  return new ProviderError(message, {
    cause: err,
    ...(typeof code === "number" ? { code: `SFTP_${code}` } : {}),
  });
}

function call<T>(
  what: string,
  run: (done: (err: Error | undefined | null, value?: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    run((err, value) => (err ? reject(sftpError(err, what)) : resolve(value as T)));
  });
}

function toRemoteStat(s: Stats): RemoteStat {
  const type = s.isFile() ? "file" : s.isDirectory() ? "directory" : s.isSymbolicLink() ? "symlink" : "other";
  return {
    type,
    mode: s.mode & 0o7777,
    size: s.size,
    uid: s.uid,
    gid: s.gid,
    mtime: new Date(s.mtime * 1000),
  };
}

/** `stat` of a remote path, or undefined when it does not exist. */
export async function stat(sftp: SFTPWrapper, path: string): Promise<RemoteStat | undefined> {
  try {
    return toRemoteStat(await call<Stats>(`stat ${path}`, (done) => sftp.stat(path, done)));
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

export function chmod(sftp: SFTPWrapper, path: string, mode: number): Promise<void> {
  return call<void>(`chmod ${path}`, (done) => sftp.chmod(path, mode, done));
}

export function realpath(sftp: SFTPWrapper, path: string): Promise<string> {
  return call<string>(`realpath ${path}`, (done) => sftp.realpath(path, done));
}

/** A remote file's bytes, or undefined when it does not exist. */
export async function readFile(sftp: SFTPWrapper, path: string): Promise<Buffer | undefined> {
  try {
    return await call<Buffer>(`read ${path}`, (done) => sftp.readFile(path, done));
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/**
 * Creates `path` and missing parents with `mode` (like `mkdir -p`); existing directories keep their mode.
 * Relative paths are relative to the login directory, as everywhere in SFTP.
 */
export async function mkdirs(sftp: SFTPWrapper, path: string, mode: number): Promise<void> {
  const existing = await stat(sftp, path);
  if (existing?.type === "directory") return;
  if (existing !== undefined)
    throw new ProviderError(`SFTP mkdir ${path} failed: it exists and is not a directory`);
  const parent = posix.dirname(path);
  if (parent !== path && parent !== "." && parent !== "/") await mkdirs(sftp, parent, mode);
  try {
    await call<void>(`mkdir ${path}`, (done) => sftp.mkdir(path, { mode }, done));
  } catch (err) {
    // Another writer may have made it meanwhile; only a directory that still is not there is a failure.
    if ((await stat(sftp, path))?.type !== "directory") throw err;
  }
  await chmod(sftp, path, mode);
}

/**
 * Writes `source` to `remotePath` with `mode`: streamed into a temporary file in the same directory, its
 * mode set, its size checked, then renamed over the target. Returns the bytes written.
 */
export async function writeFileAtomic(
  sftp: SFTPWrapper,
  remotePath: string,
  source: UploadSource,
  mode: number,
): Promise<number> {
  const dir = posix.dirname(remotePath);
  const temp = posix.join(dir, `.${posix.basename(remotePath)}.omnicloud-${randomBytes(6).toString("hex")}`);
  const input =
    typeof source === "string"
      ? createReadStream(source)
      : source instanceof Readable
        ? source
        : Readable.from([Buffer.from(source)]);
  let bytes = 0;
  input.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
  });
  try {
    // Mode 0600 until the end: the file must not be readable by others while it is still incomplete.
    const output = sftp.createWriteStream(temp, { mode: 0o600, flags: "w" });
    try {
      await pipeline(input, output);
    } catch (err) {
      throw sftpError(err, `upload to ${remotePath}`);
    }
    await chmod(sftp, temp, mode);
    const written = await stat(sftp, temp);
    if (written?.size !== bytes) {
      throw new IntegrityError(
        `SFTP upload to ${remotePath} is incomplete: sent ${bytes} bytes, the server has ${written?.size ?? "none"}`,
      );
    }
    await renameOver(sftp, temp, remotePath);
    return bytes;
  } catch (err) {
    await call<void>("cleanup", (done) => sftp.unlink(temp, done)).catch(() => undefined);
    throw err;
  }
}

/**
 * Replaces `to` with `from`. Plain SFTP rename refuses an existing target, so the OpenSSH
 * posix-rename extension is used where the server has it (every OpenSSH since 4.8).
 */
async function renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await call<void>(`rename to ${to}`, (done) => sftp.ext_openssh_rename(from, to, done));
    return;
  } catch (err) {
    if (!/does not support/i.test((err as Error).message)) throw err;
  }
  await call<void>(`unlink ${to}`, (done) => sftp.unlink(to, done)).catch((err: unknown) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
  await call<void>(`rename to ${to}`, (done) => sftp.rename(from, to, done));
}
