/**
 * Turns what ssh2 reports while connecting into omnicloud's typed errors, and says which of them are
 * worth another try: refused or reset connections and stalled handshakes happen while a new server's sshd
 * is starting; authentication and host-key failures never get better by retrying.
 */
import { AuthError, NetworkError, type OmnicloudError, TimeoutError } from "../core/errors.js";

/** Errors that another connection attempt may cure. Kept aside so the classes stay the core ones. */
const transient = new WeakSet<object>();

export function isTransientConnectError(err: unknown): boolean {
  return typeof err === "object" && err !== null && transient.has(err);
}

function markTransient<E extends OmnicloudError>(err: E): E {
  transient.add(err);
  return err;
}

/** Socket error codes seen while a server boots or its sshd restarts. */
const TRANSIENT_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EAI_AGAIN",
]);

export interface ConnectPhase {
  where: string;
  /** The key exchange finished (the host key was accepted); authentication was under way. */
  handshakeDone: boolean;
  /** Which authentication methods were offered, for the message. */
  methods: readonly string[];
}

/** The typed error for an ssh2 connection error (host-key refusals are handled before this). */
export function connectError(
  err: Error & { level?: string; code?: unknown },
  phase: ConnectPhase,
): OmnicloudError {
  const level = err.level;
  const code = typeof err.code === "string" ? err.code : undefined;
  const detail = err.message;
  if (level === "client-authentication" || level === "agent") {
    return new AuthError(
      `SSH authentication to ${phase.where} failed (tried: ${phase.methods.join(", ")}): ${detail}`,
      { cause: err, hint: "Check the user name and that the key is in the server's authorized_keys" },
    );
  }
  if (level === "client-timeout") {
    return markTransient(
      new TimeoutError(`SSH connection to ${phase.where} timed out before it was ready: ${detail}`, {
        cause: err,
      }),
    );
  }
  if (level === "client-socket" || level === "client-dns") {
    const error = new NetworkError(`SSH connection to ${phase.where} failed: ${detail}`, {
      cause: err,
      ...(code === undefined ? {} : { code }),
    });
    return level === "client-dns" || (code !== undefined && TRANSIENT_SOCKET_CODES.has(code))
      ? markTransient(error)
      : error;
  }
  if (level === "protocol" && /before handshake/i.test(detail)) {
    return markTransient(
      new NetworkError(`SSH connection to ${phase.where} was dropped: ${detail}`, { cause: err }),
    );
  }
  // A disconnect sent by the server: during authentication it is a refusal, before it a server not ready.
  if (phase.handshakeDone && /auth/i.test(detail)) {
    return new AuthError(`SSH server ${phase.where} ended authentication: ${detail}`, { cause: err });
  }
  const error = new NetworkError(`SSH connection to ${phase.where} failed: ${detail}`, {
    cause: err,
    code: code ?? `SSH_${(level ?? "error").toUpperCase()}`,
  });
  return phase.handshakeDone || level === "handshake" ? error : markTransient(error);
}

/** The server closed the connection before authentication finished, without saying why. */
export function closedEarly(phase: ConnectPhase): OmnicloudError {
  const error = new NetworkError(
    `SSH connection to ${phase.where} was closed by the server before ${phase.handshakeDone ? "authentication finished" : "the handshake finished"}`,
  );
  return phase.handshakeDone ? error : markTransient(error);
}
