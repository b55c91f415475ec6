/**
 * SshSession on top of an ssh2 Client: every failure a typed error, and the connection's own errors (a
 * dropped link, a keepalive timeout) failing the work in flight instead of crashing the process.
 */
import type { Client, ClientChannel, SFTPWrapper } from "ssh2";
import { AbortedError, NetworkError, type OmnicloudError } from "../core/errors.js";
import { abortedBy } from "../core/sleep.js";
import type { VerifiedHostKey } from "./host-keys.js";
import type { DeployLogger } from "./log.js";
import { OutputCapture } from "./output-capture.js";
import type { ExecOptions, ExecResult, RemoteStat, SshSession, UploadSource } from "./session.js";
import * as sftpOps from "./sftp.js";

export interface SessionInfo {
  host: string;
  port: number;
  user: string;
  hostKey: VerifiedHostKey;
}

/** Made by `connectSsh` once the host key is verified and the user logged in. */
export class Ssh2Session implements SshSession {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly hostKey: VerifiedHostKey;
  readonly log: DeployLogger;
  readonly #client: Client;
  #sftp: Promise<SFTPWrapper> | undefined;
  #home: Promise<string> | undefined;
  #broken: OmnicloudError | undefined;
  readonly #closed: Promise<void>;
  readonly #onBroken = new Set<(err: OmnicloudError) => void>();

  /** Internal: sessions come from `connectSsh`. */
  constructor(client: Client, info: SessionInfo, log: DeployLogger) {
    this.#client = client;
    this.host = info.host;
    this.port = info.port;
    this.user = info.user;
    this.hostKey = info.hostKey;
    this.log = log;
    const broken = (err: OmnicloudError): void => {
      this.#broken ??= err;
      for (const listener of this.#onBroken) listener(err);
    };
    client.on("error", (err: Error) => {
      broken(new NetworkError(`SSH connection to ${this.#where()} failed: ${err.message}`, { cause: err }));
    });
    this.#closed = new Promise((resolve) => {
      client.once("close", () => {
        broken(new NetworkError(`SSH connection to ${this.#where()} closed`));
        resolve();
      });
    });
  }

  #where(): string {
    return `${this.user}@${this.host} port ${this.port}`;
  }

  #check(): void {
    if (this.#broken) throw this.#broken;
  }

  /**
   * Runs `command` through the login shell of the remote user. Resolves with the exit code whatever it
   * is; rejects only when the command could not be run or the connection failed.
   */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.#check();
    if (options.signal?.aborted) throw abortedBy(options.signal, "The remote command");
    const started = performance.now();
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      this.#client.exec(command, (err, stream) => {
        if (err)
          reject(
            new NetworkError(`Could not start a command on ${this.#where()}: ${err.message}`, { cause: err }),
          );
        else resolve(stream);
      });
    });
    const limit = options.maxCaptureChars ?? 1024 * 1024;
    const onOutput = options.onOutput;
    const stdout = new OutputCapture(limit, onOutput && ((text) => onOutput({ stream: "stdout", text })));
    const stderr = new OutputCapture(limit, onOutput && ((text) => onOutput({ stream: "stderr", text })));

    return await new Promise<ExecResult>((resolve, reject) => {
      let exitCode: number | undefined;
      let exitSignal: string | undefined;
      let timedOut = false;
      let deadline: NodeJS.Timeout | undefined;
      let killer: NodeJS.Timeout | undefined;
      let failure: OmnicloudError | undefined;

      const cleanup = (): void => {
        clearTimeout(deadline);
        clearTimeout(killer);
        options.signal?.removeEventListener("abort", onAbort);
        this.#onBroken.delete(onBroken);
      };
      const kill = (): void => {
        // Best effort: servers may ignore "signal" requests; closing the channel ends our side regardless.
        try {
          channel.signal("KILL");
        } catch {}
        channel.close();
      };
      const onAbort = (): void => {
        failure = abortedBy(options.signal!, "The remote command");
        kill();
      };
      const onBroken = (err: OmnicloudError): void => {
        failure ??= err;
        cleanup();
        reject(failure);
      };

      channel.on("data", (chunk: Buffer) => stdout.push(chunk));
      channel.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      channel.on("exit", (code: number | null, signal?: string) => {
        if (typeof code === "number") exitCode = code;
        else if (typeof signal === "string") exitSignal = signal.replace(/^SIG/, "");
      });
      channel.on("close", () => {
        cleanup();
        stdout.end();
        stderr.end();
        if (failure) {
          reject(failure);
          return;
        }
        resolve({
          exitCode,
          signal: exitSignal,
          stdout: stdout.text(),
          stderr: stderr.text(),
          timedOut,
          truncated: stdout.truncated || stderr.truncated,
          durationMs: Math.round(performance.now() - started),
        });
      });

      this.#onBroken.add(onBroken);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        deadline = setTimeout(() => {
          timedOut = true;
          killer = setTimeout(kill, options.graceMs ?? 0);
        }, options.timeoutMs);
      }
      if (options.stdin !== undefined) channel.end(Buffer.from(options.stdin));
      else channel.end();
    });
  }

  #sftpChannel(): Promise<SFTPWrapper> {
    this.#check();
    this.#sftp ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.#client.sftp((err, sftp) => {
        if (err) {
          this.#sftp = undefined;
          reject(new NetworkError(`Could not open SFTP on ${this.#where()}: ${err.message}`, { cause: err }));
        } else resolve(sftp);
      });
    });
    return this.#sftp;
  }

  /** The remote user's login directory, where relative paths start. */
  home(): Promise<string> {
    this.#home ??= this.#sftpChannel().then((sftp) => sftpOps.realpath(sftp, "."));
    return this.#home;
  }

  /**
   * Uploads a local file (by path), bytes or a stream to `remotePath` with `mode` (default 0o644),
   * atomically: the target changes only once the whole file is there. Returns the bytes written.
   */
  async writeFile(
    remotePath: string,
    source: UploadSource,
    options: { mode?: number } = {},
  ): Promise<number> {
    return sftpOps.writeFileAtomic(await this.#sftpChannel(), remotePath, source, options.mode ?? 0o644);
  }

  /** A remote file's bytes, or undefined when it does not exist. */
  async readFile(remotePath: string): Promise<Buffer | undefined> {
    return sftpOps.readFile(await this.#sftpChannel(), remotePath);
  }

  /** `stat` of a remote path (following symlinks), or undefined when it does not exist. */
  async stat(remotePath: string): Promise<RemoteStat | undefined> {
    return sftpOps.stat(await this.#sftpChannel(), remotePath);
  }

  async chmod(remotePath: string, mode: number): Promise<void> {
    return sftpOps.chmod(await this.#sftpChannel(), remotePath, mode);
  }

  /** `mkdir -p` with `mode` for the directories it creates. */
  async mkdirs(remotePath: string, mode = 0o755): Promise<void> {
    return sftpOps.mkdirs(await this.#sftpChannel(), remotePath, mode);
  }

  /** Ends the connection and waits until it is closed. */
  async close(): Promise<void> {
    this.#broken ??= new AbortedError(`The SSH session to ${this.#where()} was closed`);
    this.#client.end();
    await this.#closed;
  }
}
