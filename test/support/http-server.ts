/**
 * A real node:http (or node:https) server on 127.0.0.1, port 0, inside the test process, with a handler
 * each test programs. It records every request it saw, so a test can prove what reached the wire (and,
 * above all, what was NOT sent again).
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Bytes of request body read; -1 when the handler read the body itself (`readBody: false`). */
  bodyLength: number;
  /** Hex sha256 of the body, when the server read it. */
  bodySha256: string | undefined;
}

export interface HandlerContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** The whole request body, or an empty buffer with `readBody: false`. */
  body: Buffer;
  /** 0-based index of this request among all the server saw. */
  index: number;
  record: RecordedRequest;
}

export type TestHandler = (ctx: HandlerContext) => void | Promise<void>;

export interface ServerOptions {
  /** Read the request body before calling the handler. Default true; false leaves `req` to the handler. */
  readBody?: boolean;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface TestServer {
  /** Origin, e.g. "http://127.0.0.1:40123". */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Connections accepted so far. */
  connections(): number;
  /** Stop listening and destroy every open socket, so no test hangs on a keep-alive or stalled socket. */
  close(): Promise<void>;
}

export function sha256(data: Buffer | Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Deterministic pseudo-random bytes (xorshift), so a body's hash means something. */
export function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Read a stream to its end. */
export async function readStream(stream: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function readAllBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function startServer(handler: TestHandler, options: ServerOptions = {}): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const readBody = options.readBody ?? true;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const record: RecordedRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      bodyLength: -1,
      bodySha256: undefined,
    };
    const index = requests.length;
    requests.push(record);
    const run = async (): Promise<void> => {
      let body: Buffer = Buffer.alloc(0);
      if (readBody) {
        body = await readAllBody(req);
        record.bodyLength = body.length;
        record.bodySha256 = sha256(body);
      }
      await handler({ req, res, body, index, record });
    };
    run().catch((err: unknown) => {
      // A handler that throws answers 500 if it still can, so the test sees a failure rather than a hang.
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(String(err));
      } else {
        res.destroy();
      }
    });
  };

  const server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : createServer(onRequest);
  // Node's own server timeouts would cut the slow tests short; the tests bound themselves.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 5_000;
  const trackSocket = (socket: Socket): void => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  server.on(options.tls ? "secureConnection" : "connection", trackSocket);
  // A TLS handshake that fails never reaches secureConnection; track the raw socket too.
  if (options.tls) {
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface SilentServer {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A TCP server that accepts connections, reads and discards whatever arrives and never says a word: the
 * peer waits forever for response headers (or, speaking TLS, for the server's half of the handshake).
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createTcpServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
