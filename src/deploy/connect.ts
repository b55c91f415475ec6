/**
 * One SSH connection attempt: credentials resolved, the host key checked against the policy before
 * anything secret is sent, every failure typed. Retrying while a server boots is `deploy`'s job
 * (see wait-for-ssh.ts); this file makes exactly one attempt.
 */
import type {
  AuthenticationType,
  ConnectConfig,
  KeyboardInteractiveCallback,
  ServerHostKeyAlgorithm,
} from "ssh2";
import ssh2 from "ssh2";
import { InvalidInputError, type OmnicloudError } from "../core/errors.js";
import { registerSecret } from "../core/redact.js";
import { abortedBy } from "../core/sleep.js";
import { closedEarly, connectError } from "./connect-errors.js";
import {
  type HostKeyPolicy,
  orderHostKeyAlgorithms,
  prepareHostKeyCheck,
  type VerifiedHostKey,
} from "./host-keys.js";
import { PrivateKey, parsePrivateKey, readPrivateKeyFile } from "./keys.js";
import { type DeployLogger, type DeployLogSink, makeLogger } from "./log.js";
import type { SshSession } from "./session.js";
import { Ssh2Session } from "./ssh2-session.js";

/** Where to connect and how to log in. */
export interface SshTarget {
  host: string;
  /** Default 22. */
  port?: number;
  /** Default "root", as cloud images with key injection mostly expect. */
  user?: string;
  /** A private key: its text (OpenSSH or PEM), bytes, or one loaded with `parsePrivateKey`. */
  privateKey?: string | Uint8Array | PrivateKey;
  /** A private key file to read instead of `privateKey`. */
  privateKeyPath?: string;
  /** The private key's passphrase, when it is encrypted. */
  passphrase?: string;
  password?: string;
  /**
   * An ssh-agent socket path, or true for $SSH_AUTH_SOCK. When no credentials are given at all,
   * $SSH_AUTH_SOCK is used if set.
   */
  agent?: string | boolean;
  /** What vouches for the server's key; default: the user's known_hosts. See HostKeyPolicy. */
  hostKey?: HostKeyPolicy;
}

export interface ConnectOptions {
  /** Time for one attempt's TCP connect, handshake and authentication (default 20 000 ms). */
  readyTimeoutMs?: number;
  /** Send SSH keepalives this often while connected (default 15 000 ms; 0 turns them off). */
  keepaliveIntervalMs?: number;
  signal?: AbortSignal;
  /** Receives redacted log lines; by default warnings go to stderr, the rest only with OMNICLOUD_DEBUG=1. */
  log?: DeployLogSink;
}

/** ssh2's host-key algorithms in its own default order (ssh-dss left out, as OpenSSH does). */
const HOST_KEY_ALGORITHMS = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
] as const;

interface ResolvedAuth {
  config: Pick<ConnectConfig, "privateKey" | "password" | "agent" | "tryKeyboard">;
  methods: AuthenticationType[];
  /** For messages: "publickey (ssh-ed25519 SHA256:…)", "agent", "password". */
  described: string[];
}

async function resolveAuth(target: SshTarget): Promise<ResolvedAuth> {
  registerSecret(target.password);
  registerSecret(target.passphrase);
  const auth: ResolvedAuth = { config: {}, methods: [], described: [] };
  const loaded = await withLoadedKey(target);
  const key = loaded.privateKey instanceof PrivateKey ? loaded.privateKey : undefined;
  if (key) {
    Object.assign(auth.config, key.forSsh2());
    auth.methods.push("publickey");
    auth.described.push(`publickey (${key.type} ${key.fingerprint})`);
  }

  const noCredentials = key === undefined && target.password === undefined && target.agent === undefined;
  const agentSocket =
    typeof target.agent === "string"
      ? target.agent
      : target.agent === true || (noCredentials && process.env.SSH_AUTH_SOCK)
        ? process.env.SSH_AUTH_SOCK
        : undefined;
  if (target.agent === true && !agentSocket) {
    throw new InvalidInputError(
      "agent: true needs SSH_AUTH_SOCK to name the ssh-agent socket, and it is not set",
    );
  }
  if (agentSocket) {
    auth.config.agent = agentSocket;
    auth.methods.push("agent");
    auth.described.push("agent");
  }

  if (target.password !== undefined) {
    auth.config.password = target.password;
    // Servers that check passwords through PAM often offer only keyboard-interactive.
    auth.config.tryKeyboard = true;
    auth.methods.push("password", "keyboard-interactive");
    auth.described.push("password");
  }
  if (auth.methods.length === 0) {
    throw new InvalidInputError(
      "No SSH credentials: give privateKey, privateKeyPath, password or agent (or set SSH_AUTH_SOCK)",
    );
  }
  return auth;
}

/**
 * The target with its private key read and decrypted once, so that repeated connection attempts (while
 * a server boots) neither re-read the file nor re-run the passphrase's key derivation.
 */
export async function withLoadedKey(target: SshTarget): Promise<SshTarget> {
  registerSecret(target.passphrase);
  if (target.privateKey instanceof PrivateKey) return target;
  if (target.privateKey !== undefined && target.privateKeyPath !== undefined) {
    throw new InvalidInputError("Give privateKey or privateKeyPath, not both");
  }
  const { privateKeyPath, passphrase, ...rest } = target;
  if (target.privateKey !== undefined)
    return { ...rest, privateKey: parsePrivateKey(target.privateKey, passphrase) };
  if (privateKeyPath !== undefined)
    return { ...rest, privateKey: await readPrivateKeyFile(privateKeyPath, passphrase) };
  return target;
}

function checkTarget(target: SshTarget): { host: string; port: number; user: string } {
  const host = target.host?.trim();
  const port = target.port ?? 22;
  const user = target.user ?? "root";
  if (!host) throw new InvalidInputError("SSH target needs a host");
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidInputError(`SSH port must be an integer from 1 to 65535, not ${port}`);
  }
  if (user === "") throw new InvalidInputError("SSH user must not be empty");
  return { host, port, user };
}

/**
 * Opens one SSH connection. Rejects with a HostKeyError when the server's key is refused, an AuthError
 * when login fails, a NetworkError or TimeoutError when the server could not be reached.
 */
export async function connectSsh(target: SshTarget, options: ConnectOptions = {}): Promise<SshSession> {
  const log = makeLogger(options.log);
  return connectWithLogger(target, options, log);
}

/** `connectSsh` with a logger already made, for callers that log around it. */
export async function connectWithLogger(
  target: SshTarget,
  options: ConnectOptions,
  log: DeployLogger,
): Promise<SshSession> {
  const { host, port, user } = checkTarget(target);
  const auth = await resolveAuth(target);
  const check = await prepareHostKeyCheck(target.hostKey, host, port, log);
  const signal = options.signal;
  if (signal?.aborted) throw abortedBy(signal, "Connecting over SSH");
  const where = `${user}@${host} port ${port}`;
  log.debug(`connecting to ${where} with ${auth.described.join(", ")}`);

  return await new Promise<SshSession>((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    let handshakeDone = false;
    let hostKeyRefusal: OmnicloudError | undefined;
    let verified: VerifiedHostKey | undefined;
    const phase = (): { where: string; handshakeDone: boolean; methods: readonly string[] } => ({
      where,
      handshakeDone,
      methods: auth.described,
    });

    const fail = (err: OmnicloudError): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      client.removeAllListeners("ready");
      // Keep one error listener: ssh2 may still report the teardown, and an unheard 'error' would crash.
      client.on("error", () => undefined);
      client.end();
      reject(err);
    };
    const onAbort = (): void => fail(abortedBy(signal!, "Connecting over SSH"));

    client.on("handshake", () => {
      handshakeDone = true;
    });
    client.on("error", (err: Error & { level?: string }) =>
      fail(hostKeyRefusal ?? connectError(err, phase())),
    );
    client.on("close", () => fail(hostKeyRefusal ?? closedEarly(phase())));
    client.on(
      "keyboard-interactive",
      (_name, _instructions, _lang, prompts, finish: KeyboardInteractiveCallback) => {
        // Answer password prompts only; anything else (a one-time code) cannot be answered unattended.
        finish(prompts.map((p) => (/password/i.test(p.prompt) ? (target.password ?? "") : "")));
      },
    );
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      client.removeAllListeners("error");
      client.removeAllListeners("close");
      const hostKey = verified!;
      log.info(
        `connected to ${where}; host key ${hostKey.type} ${hostKey.fingerprint} (${hostKey.verifiedBy})`,
      );
      resolve(new Ssh2Session(client, { host, port, user, hostKey }, log));
    });
    signal?.addEventListener("abort", onAbort, { once: true });

    const config: ConnectConfig = {
      host,
      port,
      username: user,
      ...auth.config,
      authHandler: auth.methods,
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
      algorithms: {
        serverHostKey: orderHostKeyAlgorithms(
          check.preferredTypes,
          HOST_KEY_ALGORITHMS,
        ) as ServerHostKeyAlgorithm[],
      },
      hostVerifier: (key: Buffer, accept: (ok: boolean) => void) => {
        check.verify(key).then(
          (result) => {
            verified = result;
            accept(true);
          },
          (err: OmnicloudError) => {
            hostKeyRefusal = err;
            log.warn(err.message);
            accept(false);
          },
        );
      },
    };
    try {
      client.connect(config);
    } catch (err) {
      fail(connectError(err as Error, phase()));
    }
  });
}
