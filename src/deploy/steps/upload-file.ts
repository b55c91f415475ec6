/** The uploadFile step: a local file, bytes or text to a remote path with a mode, over SFTP, atomically. */
import { basename, posix } from "node:path";
import { Readable } from "node:stream";
import { InvalidInputError } from "../../core/errors.js";
import type { UploadSource } from "../session.js";
import type { DeployStep, StepContext, StepResult } from "./types.js";

export interface UploadFileOptions {
  name?: string;
  /** Permission bits for the remote file (default 0o644). */
  mode?: number;
  /** Create missing parent directories with mode 0o755 (default true). */
  createDirs?: boolean;
}

/** A local file path, bytes, `{ content }` for text, or a readable stream (which can be uploaded once). */
export type FileSource = string | Uint8Array | { content: string | Uint8Array } | Readable;

export function uploadFile(
  source: FileSource,
  remotePath: string,
  options: UploadFileOptions = {},
): DeployStep {
  const mode = options.mode ?? 0o644;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new InvalidInputError(`uploadFile mode must be permission bits from 0 to 0o7777, not ${mode}`);
  }
  if (remotePath === "" || remotePath.endsWith("/")) {
    throw new InvalidInputError(`uploadFile needs a remote file path, not "${remotePath}"`);
  }
  const from =
    typeof source === "string" ? basename(source) : source instanceof Readable ? "a stream" : "bytes";
  const name = options.name ?? `uploadFile ${from} to ${remotePath}`;

  return {
    name,
    async run({ session }: StepContext): Promise<StepResult> {
      const started = performance.now();
      const dir = posix.dirname(remotePath);
      if (options.createDirs !== false && dir !== "." && dir !== "/") await session.mkdirs(dir, 0o755);
      const data: UploadSource =
        typeof source === "string" || source instanceof Uint8Array || source instanceof Readable
          ? source
          : Buffer.from(source.content);
      const bytes = await session.writeFile(remotePath, data, { mode });
      return { step: name, durationMs: Math.round(performance.now() - started), bytes, mode };
    },
  };
}
