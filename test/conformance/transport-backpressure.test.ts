import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Transport } from "../../src/core/transport/transport.js";
import { bytes, startServer, type TestServer } from "../support/http-server.js";

const MiB = 1024 * 1024;
const TOTAL = 64 * MiB;
const CHUNK = 64 * 1024;
/** Bytes in flight allowed between producer and consumer: socket buffers both sides plus stream buffers. */
const BOUND = 16 * MiB;
/** The consumer rests this long after each MiB: far slower than loopback, so without backpressure the
 *  producer would run the whole 64 MiB ahead. */
const REST_MS = 15;

const block = bytes(CHUNK, 11);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("backpressure: memory stays bounded with a slow reader", () => {
  let server: TestServer;
  let written = 0;
  let serverRead = 0;
  let serverHash = "";
  let uploadDone: Promise<void> = Promise.resolve();
  const transports: Transport[] = [];

  beforeAll(async () => {
    server = await startServer(
      ({ req, res }) => {
        if (req.url === "/download") {
          // 64 MiB generated on the fly, honouring write() === false by waiting for 'drain'.
          res.setHeader("content-length", String(TOTAL));
          written = 0;
          const pump = (): void => {
            while (written < TOTAL) {
              written += CHUNK;
              if (!res.write(block)) {
                res.once("drain", pump);
                return;
              }
            }
            res.end();
          };
          res.on("close", () => res.off("drain", pump));
          pump();
          return;
        }
        if (req.url === "/upload") {
          // Reads slowly: pauses REST_MS after each MiB.
          serverRead = 0;
          const hash = createHash("sha256");
          uploadDone = new Promise<void>((resolve, reject) => {
            let sinceRest = 0;
            req.on("data", (chunk: Buffer) => {
              serverRead += chunk.length;
              hash.update(chunk);
              sinceRest += chunk.length;
              if (sinceRest >= MiB) {
                sinceRest = 0;
                req.pause();
                setTimeout(() => req.resume(), REST_MS);
              }
            });
            req.on("end", () => {
              serverHash = hash.digest("hex");
              res.end(JSON.stringify({ read: serverRead }));
              resolve();
            });
            req.on("error", reject);
          });
          return;
        }
        res.statusCode = 404;
        res.end();
      },
      { readBody: false },
    );
  });

  afterEach(async () => {
    for (const t of transports.splice(0)) await t.close();
  });

  afterAll(async () => {
    await server.close();
  });

  it("download via stream(): the server never gets more than 16 MiB ahead of the slow consumer", async () => {
    const t = new Transport({ provider: "bp", proxy: false, retry: false });
    transports.push(t);
    const res = await t.stream({ method: "GET", url: `${server.url}/download` });
    let consumed = 0;
    let maxAhead = 0;
    let sinceRest = 0;
    const slow = new Writable({
      highWaterMark: CHUNK,
      write(chunk: Buffer, _enc, callback) {
        consumed += chunk.length;
        maxAhead = Math.max(maxAhead, written - consumed);
        sinceRest += chunk.length;
        if (sinceRest >= MiB) {
          sinceRest = 0;
          setTimeout(callback, REST_MS);
        } else {
          callback();
        }
      },
    });
    await pipeline(res.body, slow);
    expect(consumed).toBe(TOTAL);
    expect(written).toBe(TOTAL);
    // The producer was held back: it waited on 'drain' instead of buffering the body in memory.
    expect(maxAhead).toBeLessThan(BOUND);
    // ...and it was not a fluke of a tiny transfer: something was in flight at some point.
    expect(maxAhead).toBeGreaterThan(0);
  });

  it("download paused outright: the server stops writing while the client reads nothing", async () => {
    const t = new Transport({ provider: "bp", proxy: false, retry: false });
    transports.push(t);
    const res = await t.stream({ method: "GET", url: `${server.url}/download` });
    res.body.pause();
    // Let the pipes fill; then the server must be stuck well short of the whole body.
    let last = -1;
    for (let i = 0; i < 100 && written !== last; i++) {
      last = written;
      await sleep(50);
    }
    expect(written).toBeLessThan(BOUND);
    expect(written).toBeLessThan(TOTAL);
    res.body.destroy();
  });

  it("upload from a lazy 64 MiB generator: the producer never gets more than 16 MiB ahead of the server", async () => {
    const t = new Transport({ provider: "bp", proxy: false, retry: false });
    transports.push(t);
    let produced = 0;
    let maxAhead = 0;
    const expected = createHash("sha256");
    async function* generate(): AsyncGenerator<Uint8Array> {
      while (produced < TOTAL) {
        maxAhead = Math.max(maxAhead, produced - serverRead);
        produced += CHUNK;
        expected.update(block);
        yield block;
      }
    }
    const res = await t.sendJson({ method: "PUT", url: `${server.url}/upload`, body: generate() });
    await uploadDone;
    expect(res.body).toEqual({ read: TOTAL });
    expect(produced).toBe(TOTAL);
    expect(serverHash).toBe(expected.digest("hex"));
    expect(maxAhead).toBeLessThan(BOUND);
    expect(maxAhead).toBeGreaterThan(0);
  });
});
