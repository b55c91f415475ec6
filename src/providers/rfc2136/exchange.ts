/**
 * Sending DNS messages to a server and reading its answers: over UDP, one datagram each way, retried a
 * bounded number of times; over TCP, each message framed by a two-octet length (RFC 1035 4.2.2, RFC 7766),
 * which carries answers of any size and the many messages of a zone transfer.
 */
import { createSocket, type SocketType } from "node:dgram";
import { connect, isIPv6 } from "node:net";
import { NetworkError, TimeoutError } from "../../core/errors.js";
import { abortedBy } from "../../core/sleep.js";

export interface Server {
  host: string;
  port: number;
}

export interface ExchangeOptions {
  /** Per UDP attempt, and the longest silence on a TCP connection. */
  timeoutMs: number;
  /** UDP sends before giving up. */
  udpAttempts: number;
  signal?: AbortSignal | undefined;
  provider: string;
}

/** The classic UDP limit without EDNS (RFC 1035 4.2.1); anything larger goes over TCP. */
export const UDP_MAX = 512;

function where(server: Server): string {
  return isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/** Send `packet` over UDP and return the first datagram from the server that carries the same id. */
export function udpExchange(server: Server, packet: Buffer, o: ExchangeOptions): Promise<Buffer> {
  const id = packet.readUInt16BE(0);
  const type: SocketType = isIPv6(server.host) ? "udp6" : "udp4";
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(abortedBy(o.signal, `DNS exchange with ${where(server)}`));
      return;
    }
    const socket = createSocket(type);
    let tries = 0;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (err: Error | undefined, reply?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const onAbort = (): void => finish(abortedBy(o.signal!, `DNS exchange with ${where(server)}`));
    const send = (): void => {
      tries++;
      socket.send(packet, server.port, server.host, (err) => {
        if (err)
          finish(
            new NetworkError(`sending to ${where(server)} failed: ${err.message}`, {
              provider: o.provider,
              cause: err,
            }),
          );
      });
      timer = setTimeout(() => {
        if (tries < o.udpAttempts) send();
        else {
          finish(
            new TimeoutError(`no DNS answer from ${where(server)} over UDP after ${tries} tries`, {
              provider: o.provider,
              hint: "Check the server's address and port, and that it listens on UDP",
            }),
          );
        }
      }, o.timeoutMs);
    };
    o.signal?.addEventListener("abort", onAbort, { once: true });
    socket.on("error", (err) =>
      finish(
        new NetworkError(`UDP to ${where(server)} failed: ${err.message}`, {
          provider: o.provider,
          cause: err,
        }),
      ),
    );
    socket.on("message", (msg, from) => {
      // Only the server's own answer to this message counts; anything else is ignored (RFC 5452 9.1).
      if (from.port !== server.port || msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      finish(undefined, msg);
    });
    send();
  });
}

/**
 * Send `packet` over a TCP connection and hand each framed answer to `onMessage` until it returns true
 * (one answer for a query, every message up to the closing SOA for a transfer).
 */
export function tcpExchange(
  server: Server,
  packet: Buffer,
  o: ExchangeOptions,
  onMessage: (message: Buffer) => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(abortedBy(o.signal, `DNS exchange with ${where(server)}`));
      return;
    }
    if (packet.length > 0xffff) {
      reject(new RangeError(`a DNS message of ${packet.length} bytes is over the 65535 TCP allows`));
      return;
    }
    const socket = connect({ host: server.host, port: server.port });
    let buffered: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | undefined): void => {
      if (done) return;
      done = true;
      o.signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => finish(abortedBy(o.signal!, `DNS exchange with ${where(server)}`));
    o.signal?.addEventListener("abort", onAbort, { once: true });
    socket.setTimeout(o.timeoutMs, () =>
      finish(
        new TimeoutError(`the DNS server at ${where(server)} sent nothing over TCP for ${o.timeoutMs} ms`, {
          provider: o.provider,
        }),
      ),
    );
    socket.on("connect", () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(packet.length, 0);
      socket.write(Buffer.concat([length, packet]));
    });
    socket.on("data", (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (!done && buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const size = buffered.readUInt16BE(0);
        const message = buffered.subarray(2, 2 + size);
        buffered = buffered.subarray(2 + size);
        try {
          if (onMessage(message)) finish(undefined);
        } catch (err) {
          finish(err as Error);
        }
      }
    });
    socket.on("end", () =>
      finish(
        new NetworkError(
          `the DNS server at ${where(server)} closed the TCP connection before it had answered`,
          {
            provider: o.provider,
          },
        ),
      ),
    );
    socket.on("error", (err) =>
      finish(
        new NetworkError(`TCP to ${where(server)} failed: ${err.message}`, {
          provider: o.provider,
          cause: err,
          hint: "Check the server's address and port, and that it listens on TCP",
        }),
      ),
    );
  });
}
