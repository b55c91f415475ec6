/**
 * The public shape of an open SSH connection. Kept free of ssh2's types (its type package is only a
 * development dependency), so omnicloud's published declarations never point into ssh2.
 */
import type { Readable } from "node:stream";
import type { VerifiedHostKey } from "./host-keys.js";
import type { DeployLogger } from "./log.js";

export interface OutputChunk {
  stream: "stdout" | "stderr";
  text: string;
}

export interface ExecOptions {
  /** Written to the command's stdin, which is then closed. Without it stdin is closed at once. */
  stdin?: string | Uint8Array;
  /** Receives output as it arrives, decoded as UTF-8. */
  onOutput?: (chunk: OutputChunk) => void;
  /**
   * The command's time budget. When it passes, the result is marked `timedOut`; after `graceMs` more the
   * process is sent SIGKILL and the channel closed, whether or not the remote side has ended it.
   */
  timeoutMs?: number;
  /** How long to wait after `timeoutMs` for the remote side to end the command itself (default 0). */
  graceMs?: number;
  signal?: AbortSignal;
  /** Characters of each stream to keep in the result; the end is kept (default 1 MiB). */
  maxCaptureChars?: number;
}

export interface ExecResult {
  /** The exit code, when the process exited rather than died of a signal. */
  exitCode: number | undefined;
  /** The signal that ended the process, without "SIG" (e.g. "KILL"), when one did. */
  signal: string | undefined;
  stdout: string;
  stderr: string;
  /** True when the command was still running at its `timeoutMs`. */
  timedOut: boolean;
  /** True when output beyond `maxCaptureChars` was dropped from `stdout` or `stderr`. */
  truncated: boolean;
  durationMs: number;
}

/** What `stat` reports about a remote path. */
export interface RemoteStat {
  type: "file" | "directory" | "symlink" | "other";
  /** Permission bits only (mode & 0o7777), e.g. 0o640. */
  mode: number;
  size: number;
  uid: number;
  gid: number;
  mtime: Date;
}

/** What can be uploaded: a local file path, bytes, or a readable stream. */
export type UploadSource = string | Uint8Array | Readable;

/** An authenticated SSH connection with a verified host key. Close it when done. */
export interface SshSession {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The server's key and what vouched for it. */
  readonly hostKey: VerifiedHostKey;
  /** The deployment logger (redacting) this session reports to; steps log through it. */
  readonly log: DeployLogger;
  /**
   * Runs `command` through the login shell of the remote user. Resolves with the exit code whatever it
   * is; rejects only when the command could not be run or the connection failed.
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** The remote user's login directory, where relative paths start. */
  home(): Promise<string>;
  /**
   * Uploads a local file (by path), bytes or a stream to `remotePath` with `mode` (default 0o644),
   * atomically: the target changes only once the whole file is there. Returns the bytes written.
   */
  writeFile(remotePath: string, source: UploadSource, options?: { mode?: number }): Promise<number>;
  /** A remote file's bytes, or undefined when it does not exist. */
  readFile(remotePath: string): Promise<Buffer | undefined>;
  /** `stat` of a remote path (following symlinks), or undefined when it does not exist. */
  stat(remotePath: string): Promise<RemoteStat | undefined>;
  chmod(remotePath: string, mode: number): Promise<void>;
  /** `mkdir -p` with `mode` for the directories it creates. */
  mkdirs(remotePath: string, mode?: number): Promise<void>;
  /** Ends the connection and waits until it is closed. */
  close(): Promise<void>;
}
