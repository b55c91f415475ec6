/**
 * The HTTP server the transport bench talks to. It runs in its own child process so that its CPU time is
 * not counted in the client's `process.cpuUsage()`.
 *
 * - PUT: reads the whole body, answers 200 with an ETag and an empty body.
 * - GET: answers 200 with BENCH_GET_BYTES bytes (default 4 KiB).
 *
 * Listens on 127.0.0.1 only, on a port the OS picks, and prints `listening <port>` on stdout. It exits when
 * its stdin closes (the parent went away, however it ended), on SIGTERM, or after a fixed lifetime at most.
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const GET_BYTES = Number(process.env.BENCH_GET_BYTES ?? 4096);
/** A hard cap on the server's life, in case both the parent and its kill were lost. */
const MAX_LIFETIME_MS = 15 * 60_000;

const payload = Buffer.alloc(GET_BYTES, 0x61);
let served = 0;

const server = createServer((req, res) => {
  if (req.method === "PUT") {
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
    });
    req.on("end", () => {
      served++;
      res.writeHead(200, { etag: `"${served.toString(16)}-${size.toString(16)}"`, "content-length": "0" });
      res.end();
    });
    return;
  }
  if (req.method === "GET") {
    served++;
    res.writeHead(200, {
      "content-type": "application/octet-stream",
      "content-length": String(payload.length),
      etag: `"get-${payload.length.toString(16)}"`,
    });
    res.end(payload);
    return;
  }
  req.resume();
  res.writeHead(405, { "content-length": "0" });
  res.end();
});

// Clients keep their connection open across the whole run; never let the server be the one to drop it.
server.keepAliveTimeout = 120_000;

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening ${port}\n`);
});

const stop = (): void => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
};

process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
setTimeout(stop, MAX_LIFETIME_MS).unref();
