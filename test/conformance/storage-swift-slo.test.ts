/**
 * Static Large Object segments on a real Swift (test/support/swift.ts): a multipart upload is stored as an
 * SLO whose segments are objects of `<container>_segments`, and Swift removes them only when asked. These
 * cases prove that deleting (one object, a batch, a container by force), overwriting and aborting leave
 * no segment behind, and that the driver never deletes segments that are still some object's bytes.
 *
 * Every HTTP request the driver sends is logged (an undici interceptor on the real connection) so the
 * cost of each path is checked too: a plain delete is a HEAD and a DELETE, an SLO's a HEAD and one
 * `?multipart-manifest=delete`.
 */
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { Agent, type Dispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntegrityError, NotFoundError } from "../../src/core/errors.js";
import type { SwiftDriver } from "../../src/providers/openstack/swift.js";
import { parseBulkReport } from "../../src/providers/openstack/swift-requests.js";
import { isStaticLargeObject } from "../../src/providers/openstack/swift-slo.js";
import { openStorage, type Storage } from "../../src/storage/index.js";
import { startSwiftOrSkip } from "../support/swift.js";

const MiB = 1024 * 1024;
// The suite's multipart size (S3's 5 MiB): 11 MiB goes up as three segments.
const PART = 5 * MiB;
const multipart = { partSize: PART, threshold: PART, concurrency: 3 };

const md5 = (b: Uint8Array): string => createHash("md5").update(b).digest("hex");

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const { swift, skipped } = await startSwiftOrSkip();

if (!swift) {
  describe("swift SLO segments", () => {
    it.skip(`all cases [skipped: ${skipped}]`, () => {});
  });
} else {
  describe("swift SLO segments on a real Swift", () => {
    const account = new URL(swift.storageUrl).pathname;
    /** Requests as "METHOD path?query", the account prefix cut off. */
    const log: string[] = [];
    const agents: Agent[] = [];
    const stores: Storage<SwiftDriver>[] = [];
    let store: Storage<SwiftDriver>;
    let seq = 0;
    const run = Date.now().toString(36);
    const fresh = (): string => `slo-${run}-${++seq}`;

    const open = async (extra: { deleteSegments?: boolean } = {}): Promise<Storage<SwiftDriver>> => {
      const agent = new Agent();
      agents.push(agent);
      const dispatcher: Dispatcher = agent.compose((dispatch) => (opts, handler) => {
        const path = String(opts.path);
        log.push(`${opts.method} ${path.startsWith(account) ? path.slice(account.length) : path}`);
        return dispatch(opts, handler);
      });
      const opened = await openStorage<SwiftDriver>("swift", {
        v1: { authUrl: swift.authUrl, user: swift.user, key: swift.key },
        transport: { dispatcher },
        ...extra,
      });
      stores.push(opened);
      return opened;
    };

    /** What the next steps send, from here on. */
    const record = (): string[] => {
      log.length = 0;
      return log;
    };

    /** Segment object names of `name` (all its upload directories) in the container's segments container. */
    const segmentsOf = async (container: string, name: string): Promise<string[]> => {
      try {
        return (await collect(store.list(`${container}_segments`, { prefix: `${name}/` }))).map(
          (e) => e.name,
        );
      } catch (err) {
        if (err instanceof NotFoundError) return [];
        throw err;
      }
    };

    const isSlo = async (container: string, name: string): Promise<boolean> =>
      isStaticLargeObject(
        (await store.driver.http.send({ method: "HEAD", container, object: name, query: { symlink: "get" } }))
          .headers,
      );

    const uploadSlo = async (container: string, name: string, size = 11 * MiB): Promise<Buffer> => {
      const data = randomBytes(size);
      await store.upload(container, name, data, { multipart });
      expect(await isSlo(container, name)).toBe(true);
      return data;
    };

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      for (const s of stores) await s.close();
      for (const a of agents) await a.close();
      await swift.stop();
    });

    it("finds Swift refusing ?multipart-manifest=delete for a plain object, so the driver looks first", async () => {
      const c = fresh();
      await store.createContainer(c);
      await store.upload(c, "plain.txt", "hello");
      const res = await store.driver.http.send({
        method: "DELETE",
        container: c,
        object: "plain.txt",
        query: { "multipart-manifest": "delete" },
        headers: { accept: "application/json" },
      });
      // A 200 whose report says no, and the object is kept.
      expect(res.status).toBe(200);
      expect(parseBulkReport(res.body)).toEqual({
        status: "400 Bad Request",
        errors: [[`/${c}/plain.txt`, "Not an SLO manifest"]],
        deleted: 0,
        notFound: 0,
      });
      expect((await store.stat(c, "plain.txt")).size).toBe(5);
      await store.deleteContainer(c, { force: true });
    });

    it("deletes an SLO with all its segments: one HEAD, one ?multipart-manifest=delete", async () => {
      const c = fresh();
      await store.createContainer(c);
      const data = await uploadSlo(c, "big.bin");
      const segments = await segmentsOf(c, "big.bin");
      // Three parts, and no marker left by completion.
      expect(segments).toHaveLength(3);
      expect(segments.every((s) => /^big\.bin\/slo-[0-9a-z]+-[0-9a-f]+\/0000000[123]$/.test(s))).toBe(true);
      expect(md5(await store.getBytes(c, "big.bin"))).toBe(md5(data));

      const sent = record();
      await store.delete(c, "big.bin");
      expect(sent).toEqual([
        `HEAD /${c}/big.bin?symlink=get`,
        `DELETE /${c}/big.bin?multipart-manifest=delete`,
      ]);
      await expect(store.stat(c, "big.bin")).rejects.toBeInstanceOf(NotFoundError);
      expect(await segmentsOf(c, "big.bin")).toEqual([]);
      expect(await collect(store.list(`${c}_segments`))).toEqual([]);
      await store.deleteContainer(c);
    });

    it("deletes a plain object with one HEAD more than a bare DELETE; missing names as before", async () => {
      const c = fresh();
      await store.createContainer(c);
      await store.upload(c, "a/b.txt", "small");
      let sent = record();
      await store.delete(c, "a/b.txt");
      expect(sent).toEqual([`HEAD /${c}/a/b.txt?symlink=get`, `DELETE /${c}/a/b.txt`]);
      await expect(store.stat(c, "a/b.txt")).rejects.toBeInstanceOf(NotFoundError);
      // A missing name succeeds (the container is checked); a missing container does not.
      sent = record();
      await store.delete(c, "a/b.txt");
      expect(sent).toEqual([`HEAD /${c}/a/b.txt?symlink=get`, `HEAD /${c}`]);
      await expect(store.delete(fresh(), "x")).rejects.toBeInstanceOf(NotFoundError);
      await store.deleteContainer(c);
    });

    it("batch-deletes SLOs with their segments and the rest in one bulk request", async () => {
      const c = fresh();
      await store.createContainer(c);
      await uploadSlo(c, "one.bin");
      await uploadSlo(c, "two.bin", 6 * MiB);
      await store.upload(c, "p1.txt", "1");
      await store.upload(c, "p2.txt", "2");
      const sent = record();
      const names = ["one.bin", "p1.txt", "missing", "two.bin", "p2.txt"];
      const result = await store.deleteMany(c, names);
      expect(result).toEqual({ deleted: names, failed: [] });
      // The segments container holds objects, so each name is looked at; SLOs go one by one, the rest in bulk.
      const ofKind = (re: RegExp): string[] => sent.filter((r) => re.test(r));
      expect(ofKind(/^HEAD \/[^/]+_segments$/)).toEqual([`HEAD /${c}_segments`]);
      expect(ofKind(/\?symlink=get$/)).toHaveLength(5);
      expect(ofKind(/multipart-manifest=delete/).sort()).toEqual([
        `DELETE /${c}/one.bin?multipart-manifest=delete`,
        `DELETE /${c}/two.bin?multipart-manifest=delete`,
      ]);
      expect(ofKind(/bulk-delete/)).toEqual(["POST ?bulk-delete="]);
      expect(await collect(store.list(c))).toEqual([]);
      expect(await collect(store.list(`${c}_segments`))).toEqual([]);
      await store.deleteContainer(c);
    });

    it("batch-deletes where no segments can be with one bulk request, as before", async () => {
      const c = fresh();
      await store.createContainer(c);
      await store.upload(c, "p1.txt", "1");
      await store.upload(c, "p2.txt", "2");
      const sent = record();
      expect(await store.deleteMany(c, ["p1.txt", "p2.txt"])).toEqual({
        deleted: ["p1.txt", "p2.txt"],
        failed: [],
      });
      expect(sent.filter((r) => !r.startsWith("GET /info"))).toEqual([
        `HEAD /${c}_segments`,
        "POST ?bulk-delete=",
      ]);
      await store.deleteContainer(c);
    });

    it("deletes the replaced SLO's segments when a multipart upload overwrites it", async () => {
      const c = fresh();
      await store.createContainer(c);
      await uploadSlo(c, "same.bin");
      const before = await segmentsOf(c, "same.bin");
      expect(before).toHaveLength(3);
      const second = await uploadSlo(c, "same.bin", 6 * MiB);
      const after = await segmentsOf(c, "same.bin");
      // Only the new upload's two segments, in a directory of its own.
      expect(after).toHaveLength(2);
      expect(after.some((s) => before.includes(s))).toBe(false);
      expect(md5(await store.getBytes(c, "same.bin"))).toBe(md5(second));
      await store.deleteContainer(c, { force: true });
    });

    it("documents: a single-request PUT over an SLO leaves the old segments (a HEAD per write would find them)", async () => {
      const c = fresh();
      await store.createContainer(c);
      await uploadSlo(c, "shrunk.bin");
      await store.upload(c, "shrunk.bin", "now small", { multipart: false });
      expect(await isSlo(c, "shrunk.bin")).toBe(false);
      const orphans = await segmentsOf(c, "shrunk.bin");
      expect(orphans).toHaveLength(3);
      await store.deleteMany(`${c}_segments`, orphans);
      await store.deleteContainer(c, { force: true });
    });

    it("leaves nothing behind when a multipart upload fails, and keeps the object it would have replaced", async () => {
      const c = fresh();
      await store.createContainer(c);
      // The source breaks after 7 MiB, with a segment already stored.
      async function* breaking(): AsyncIterable<Uint8Array> {
        for (let i = 0; i < 7; i++) yield randomBytes(MiB);
        throw new Error("source failed on purpose");
      }
      await expect(store.upload(c, "broken.bin", Readable.from(breaking()), { multipart })).rejects.toThrow(
        "source failed on purpose",
      );
      // The data does not match its expected MD5: found only after every part is stored.
      await expect(
        store.upload(c, "mismatch.bin", randomBytes(11 * MiB), {
          multipart,
          expect: { md5: "f".repeat(32) },
        }),
      ).rejects.toBeInstanceOf(IntegrityError);
      // A failed overwrite of an SLO: the old object and its segments stay as they were.
      const kept = await uploadSlo(c, "kept.bin");
      const keptSegments = await segmentsOf(c, "kept.bin");
      await expect(
        store.upload(c, "kept.bin", randomBytes(11 * MiB), { multipart, expect: { md5: "0".repeat(32) } }),
      ).rejects.toBeInstanceOf(IntegrityError);

      for (const name of ["broken.bin", "mismatch.bin"]) {
        await expect(store.stat(c, name)).rejects.toBeInstanceOf(NotFoundError);
        expect(await segmentsOf(c, name), name).toEqual([]);
      }
      expect(await collect(store.listMultipartUploads(c))).toEqual([]);
      expect(md5(await store.getBytes(c, "kept.bin"))).toBe(md5(kept));
      expect(await segmentsOf(c, "kept.bin")).toEqual(keptSegments);
      // Only kept.bin's segments are left in the segments container.
      expect((await collect(store.list(`${c}_segments`))).map((e) => e.name)).toEqual(keptSegments);
      await store.deleteContainer(c, { force: true });
    });

    it("never deletes the segments of an upload that completed, even when it still looks unfinished", async () => {
      const c = fresh();
      await store.createContainer(c);
      const data = await uploadSlo(c, "done.bin");
      const segments = await segmentsOf(c, "done.bin");
      // As if removing the marker had failed at completion: the upload is listed as open.
      const dir = segments[0]!.replace(/[^/]+$/, "");
      await store.upload(`${c}_segments`, `${dir}init`, "");
      expect((await collect(store.listMultipartUploads(c))).map((u) => u.name)).toEqual(["done.bin"]);
      const aborted = await store.abortStaleUploads(c, { olderThan: 0 });
      expect(aborted.map((u) => u.name)).toEqual(["done.bin"]);
      // Only the marker went: the object still reads whole.
      expect(await collect(store.listMultipartUploads(c))).toEqual([]);
      expect(await segmentsOf(c, "done.bin")).toEqual(segments);
      expect(md5(await store.getBytes(c, "done.bin"))).toBe(md5(data));
      await store.deleteContainer(c, { force: true });
    });

    it("deletes a symlink to an SLO as a link: the target keeps its segments", async () => {
      const c = fresh();
      await store.createContainer(c);
      const data = await uploadSlo(c, "target.bin");
      await store.driver.http.send({
        method: "PUT",
        container: c,
        object: "link",
        headers: { "x-symlink-target": `${c}/target.bin` },
        body: new Uint8Array(0),
      });
      // Followed, the link answers as the SLO it points at: why the driver's HEAD asks for the link itself.
      const followed = await store.driver.http.send({ method: "HEAD", container: c, object: "link" });
      expect(isStaticLargeObject(followed.headers)).toBe(true);
      const sent = record();
      await store.delete(c, "link");
      const deleting = [...sent];
      await expect(store.stat(c, "link")).rejects.toBeInstanceOf(NotFoundError);
      expect(await segmentsOf(c, "target.bin")).toHaveLength(3);
      expect(md5(await store.getBytes(c, "target.bin"))).toBe(md5(data));
      expect(deleting).toEqual([`HEAD /${c}/link?symlink=get`, `DELETE /${c}/link`]);
      await store.deleteContainer(c, { force: true });
    });

    it("with deleteSegments: false sends a bare DELETE, which leaves an SLO's segments (Swift's own way)", async () => {
      const bare = await open({ deleteSegments: false });
      const c = fresh();
      await store.createContainer(c);
      await uploadSlo(c, "left.bin");
      const sent = record();
      await bare.delete(c, "left.bin");
      expect(sent).toEqual([`DELETE /${c}/left.bin`]);
      const orphans = await segmentsOf(c, "left.bin");
      expect(orphans).toHaveLength(3);
      await store.deleteMany(`${c}_segments`, orphans);
      await store.deleteContainer(c);
    });

    it("force-deletes a container with SLOs: their segments and the segments container go too", async () => {
      const c = fresh();
      await store.createContainer(c);
      await uploadSlo(c, "x/one.bin");
      await uploadSlo(c, "x/two.bin", 6 * MiB);
      await store.upload(c, "x/plain.txt", "p");
      await store.deleteContainer(c, { force: true });
      await expect(store.getContainer(c)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.getContainer(`${c}_segments`)).rejects.toBeInstanceOf(NotFoundError);
    });
  });
}
