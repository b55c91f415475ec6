/**
 * A TCP-level proxy on 127.0.0.1 in front of one upstream server, injecting scripted faults.
 *
 * Faults are queued with `plan()` and each new client connection takes the next one (no fault once the
 * queue is empty). A fault acts on the first response of its connection only; every fault except `stall`
 * ends that connection, so the client's retry opens a fresh one and takes the next planned fault. Tests
 * give each case its own Transport (its own connection pool), so a kept-alive socket never skips a fault.
 *
 * - `reset`:    forward the response head and `afterBodyBytes` bytes of its body, then send a TCP RST.
 * - `stall`:    forward the head and `afterBodyBytes` body bytes, then forward nothing more; the socket
 *               stays open until the proxy closes.
 * - `truncate`: forward the head (with upstream's Content-Length) and `afterBodyBytes` body bytes, then
 *               close cleanly (FIN).
 * - `burst5xx`: answer the request itself with `status` (default 503) and an optional Retry-After,
 *               without contacting upstream, then close the connection.
 */
import { type AddressInfo, connect, createServer, type Socket } from "node:net";

export type Fault =
  | { kind: "reset"; afterBodyBytes: number }
  | { kind: "stall"; afterBodyBytes: number }
  | { kind: "truncate"; afterBodyBytes: number }
  | { kind: "burst5xx"; status?: number; retryAfter?: string };

export interface FaultProxy {
  /** Origin of the proxy, e.g. "http://127.0.0.1:40125". */
  url: string;
  port: number;
  /** Queue `fault` for each of the next `times` connections. */
  plan(fault: Fault, times?: number): void;
  /** Faults still queued. */
  pending(): number;
  stats: {
    /** Client connections accepted. */
    clientConnections: number;
    /** Connections opened to upstream (a `burst5xx` connection never opens one). */
    upstreamConnections: number;
    /** Request bytes forwarded to upstream. */
    bytesToUpstream: number;
    /** Faults that fired. */
    faultsFired: number;
  };
  close(): Promise<void>;
}

const HEAD_END = Buffer.from("\r\n\r\n");

export async function startFaultProxy(upstreamPort: number): Promise<FaultProxy> {
  const queue: Fault[] = [];
  const sockets = new Set<Socket>();
  const stats = { clientConnections: 0, upstreamConnections: 0, bytesToUpstream: 0, faultsFired: 0 };

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // Errors are the point of this proxy; they must not crash the test process.
    socket.on("error", () => {});
  };

  const server = createServer((client) => {
    stats.clientConnections++;
    track(client);
    const fault = queue.shift();
    if (fault?.kind === "burst5xx") {
      answerItself(client, fault);
      return;
    }
    stats.upstreamConnections++;
    const upstream = connect(upstreamPort, "127.0.0.1");
    track(upstream);
    client.on("data", (chunk: Buffer) => {
      stats.bytesToUpstream += chunk.length;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on("drain", () => client.resume());
    client.on("end", () => upstream.end());
    client.on("close", () => upstream.destroy());

    // Upstream -> client, watching the first response: where its head ends and how much body followed.
    let head: Buffer | undefined = Buffer.alloc(0);
    let bodySent = 0;
    let fired = false;
    upstream.on("close", () => {
      // After a fault the fault alone decides how the client's socket ends.
      if (!fired && !client.destroyed) client.end();
    });
    upstream.on("data", (chunk: Buffer) => {
      if (fired) return; // After a fault, nothing more of upstream's answer gets through.
      if (!fault) {
        if (!client.write(chunk)) upstream.pause();
        return;
      }
      let body = chunk;
      if (head !== undefined) {
        const joined = Buffer.concat([head, chunk]);
        const end = joined.indexOf(HEAD_END);
        if (end < 0) {
          head = joined;
          return;
        }
        client.write(joined.subarray(0, end + HEAD_END.length));
        body = joined.subarray(end + HEAD_END.length);
        head = undefined;
      }
      const room = fault.afterBodyBytes - bodySent;
      if (body.length < room) {
        bodySent += body.length;
        if (!client.write(body)) upstream.pause();
        return;
      }
      fired = true;
      stats.faultsFired++;
      const last = body.subarray(0, room);
      bodySent += last.length;
      client.write(last, () => {
        if (fault.kind === "reset") client.resetAndDestroy();
        else if (fault.kind === "truncate") client.end();
        // stall: keep the socket open and silent.
      });
      upstream.destroy();
    });
    client.on("drain", () => upstream.resume());
  });

  /** Answer one request with a 5xx without going upstream, read what the client still sends, then close. */
  function answerItself(client: Socket, fault: Extract<Fault, { kind: "burst5xx" }>): void {
    let seen = Buffer.alloc(0);
    let answered = false;
    client.on("data", (chunk: Buffer) => {
      if (answered) return; // Keep reading (and dropping) a request body, so closing sends FIN, not RST.
      seen = Buffer.concat([seen, chunk]);
      if (seen.indexOf(HEAD_END) < 0) return;
      answered = true;
      stats.faultsFired++;
      const status = fault.status ?? 503;
      const body = `{"error":{"code":"SlowDown","message":"injected ${status}"}}`;
      const lines = [
        `HTTP/1.1 ${status} Injected`,
        "content-type: application/json",
        `content-length: ${Buffer.byteLength(body)}`,
        "connection: close",
        "x-request-id: fault-proxy",
      ];
      if (fault.retryAfter !== undefined) lines.push(`retry-after: ${fault.retryAfter}`);
      client.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    plan(fault, times = 1) {
      for (let i = 0; i < times; i++) queue.push(fault);
    },
    pending: () => queue.length,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
