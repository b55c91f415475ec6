/**
 * What the azure-blob driver does beyond the portable suite, proved on Azurite (127.0.0.1): SAS-token and
 * anonymous stores, typed errors with request ids, blocks staged in parallel and committed at once, a
 * failed block upload leaving an existing blob untouched, batch delete across several batches, awkward
 * names and metadata keys, and stale-upload listing declared unsupported.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthError,
  InvalidInputError,
  NetworkError,
  NotFoundError,
  PermissionError,
} from "../../src/core/errors.js";
import type { Attempt, Layer } from "../../src/core/transport/types.js";
import { DEV_STORE_ACCOUNT } from "../../src/providers/azure/account-key.js";
import type { AzureBlobDriver } from "../../src/providers/azure/blob.js";
import { accountSas } from "../../src/providers/azure/sas.js";
import type { MultipartDriver } from "../../src/storage/driver.js";
import { openStorage, Storage } from "../../src/storage/index.js";
import { type Azurite, startAzurite } from "../support/azurite.js";

const MiB = 1024 * 1024;
const HOUR = 3_600_000;

/** A transport layer counting requests per operation and the most StageBlock calls in flight at once. */
function counter(): { layer: Layer; ops: Map<string, number>; maxStaging: number; reset(): void } {
  const state = {
    ops: new Map<string, number>(),
    maxStaging: 0,
    staging: 0,
    layer: ((next) => async (attempt: Attempt) => {
      const op = (attempt.operation ?? "").replace(/^azure-blob:/, "");
      state.ops.set(op, (state.ops.get(op) ?? 0) + 1);
      if (op !== "BlockBlob_StageBlock") return next(attempt);
      state.staging++;
      state.maxStaging = Math.max(state.maxStaging, state.staging);
      try {
        return await next(attempt);
      } finally {
        state.staging--;
      }
    }) as Layer,
    reset() {
      state.ops.clear();
      state.maxStaging = 0;
    },
  };
  return state;
}

describe("azure-blob on Azurite", () => {
  let azurite: Azurite;
  let store: Storage<AzureBlobDriver>;
  const count = counter();
  const container = `az-${Date.now().toString(36)}`;

  beforeAll(async () => {
    azurite = await startAzurite();
    store = await openStorage<AzureBlobDriver>("azure", {
      endpoint: azurite.accountUrl,
      transport: { layers: [count.layer] },
    });
    await store.createContainer(container);
  });
  afterAll(async () => {
    await store?.close();
    await azurite?.stop();
  });

  it("opens by its aliases and says what it can do", () => {
    expect(store.provider).toBe("azure-blob");
    expect(store.as<AzureBlobDriver>("azure-blob").account).toBe("devstoreaccount1");
    expect(store.capabilities).toEqual({
      multipart: true,
      serverSideCopy: true,
      batchDelete: true,
      signedUrls: true,
      publicUrls: true,
      verifiedChecksums: ["md5"],
    });
  });

  it("stages blocks in parallel and commits them in one request", async () => {
    count.reset();
    const data = randomBytes(20 * MiB);
    const info = await store.upload(container, "par/big.bin", data, {
      multipart: { partSize: 4 * MiB, threshold: 4 * MiB, concurrency: 4 },
    });
    expect(info.size).toBe(data.length);
    expect(count.ops.get("BlockBlob_StageBlock")).toBe(5);
    expect(count.ops.get("BlockBlob_CommitBlockList")).toBe(1);
    expect(count.maxStaging).toBeGreaterThan(1);
    expect(Buffer.compare(await store.getBytes(container, "par/big.bin"), data)).toBe(0);
  });

  it("keeps an existing blob whole when a block upload over it fails", async () => {
    await store.upload(container, "keep.txt", "original");
    const driver = store.driver;
    // A driver whose third block fails on the network, like a connection reset mid-upload.
    const blocks = driver.multipart;
    const failing = new Proxy(blocks, {
      get(target, prop, receiver) {
        if (prop !== "uploadPart") return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<MultipartDriver<never>["uploadPart"]>) => {
          if (args[1].partNumber === 3) throw new NetworkError("injected reset", { code: "ECONNRESET" });
          return target.uploadPart(...args);
        };
      },
    });
    const broken = new Storage(
      new Proxy(driver, { get: (t, p, r) => (p === "multipart" ? failing : Reflect.get(t, p, r)) }),
    );
    await expect(
      broken.upload(container, "keep.txt", randomBytes(12 * MiB), {
        multipart: { partSize: 2 * MiB, threshold: 2 * MiB, concurrency: 2 },
      }),
    ).rejects.toBeInstanceOf(NetworkError);
    expect((await store.getBytes(container, "keep.txt")).toString()).toBe("original");
    // And an upload that never existed before stays invisible.
    await expect(
      broken.upload(container, "never.bin", randomBytes(12 * MiB), {
        multipart: { partSize: 2 * MiB, threshold: 2 * MiB },
      }),
    ).rejects.toBeInstanceOf(NetworkError);
    await expect(store.stat(container, "never.bin")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("declares stale-upload listing unsupported, and a forced delete still works", async () => {
    const err = await (async () => {
      for await (const _ of store.listMultipartUploads(container)) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).code).toBe("NotImplemented");
    expect((err as Error).message).toMatch(/7 days/);
    const c = `${container}-force`;
    await store.createContainer(c);
    await store.upload(c, "x", "x");
    await store.deleteContainer(c, { force: true });
    await expect(store.getContainer(c)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("deletes more names than one batch holds, in several batches", async () => {
    const names = Array.from({ length: 300 }, (_, i) => `many/${String(i).padStart(3, "0")}`);
    await Promise.all(names.map((n) => store.upload(container, n, n)));
    count.reset();
    const result = await store.deleteMany(container, [...names, "many/missing"]);
    expect(result.failed).toEqual([]);
    expect(result.deleted).toHaveLength(301);
    expect(count.ops.get("Container_SubmitBatch")).toBe(2);
    expect(count.ops.get("Blob_Delete")).toBeUndefined();
    const left = [];
    for await (const e of store.list(container, { prefix: "many/" })) left.push(e);
    expect(left).toEqual([]);
  });

  it("round-trips awkward names and metadata keys", async () => {
    const names = ["sp ace/é ü.txt", "q?uery#hash%25", "a+b=c&d", "日本/語", "trailing space "];
    const metadata = { "x-note": "Grüße", "a.b": " padded ", _under: "u", "1st": "", plain: "p" };
    for (const name of names) await store.upload(container, `odd/${name}`, name, { metadata });
    for (const name of names) {
      expect((await store.getBytes(container, `odd/${name}`)).toString(), name).toBe(name);
      expect((await store.stat(container, `odd/${name}`)).metadata, name).toEqual(metadata);
    }
    const listed = [];
    for await (const e of store.list(container, { prefix: "odd/" })) listed.push(e.name);
    expect(listed.sort()).toEqual(names.map((n) => `odd/${n}`).sort());
    const signed = await store.signedUrl(container, `odd/${names[0]}`, { expiresIn: 60 });
    expect(await (await fetch(signed)).text()).toBe(names[0]);
  });

  it("gives typed errors that carry the request id", async () => {
    const missing = await store.stat(container, "nope").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).requestId).toMatch(/\S/);
    const noContainer = await store.getBytes("no-such-container", "x").catch((e: unknown) => e);
    expect(noContainer).toBeInstanceOf(NotFoundError);
    expect((noContainer as NotFoundError).code).toBe("ContainerNotFound");
    const wrong = await openStorage("azure-blob", {
      endpoint: azurite.accountUrl,
      accountKey: Buffer.alloc(64, 7).toString("base64"),
    });
    try {
      // A GET: Azurite answers a HEAD's refused signature with AuthorizationFailure and no body, which
      // reads as a permission problem; the body of a GET says the signature was refused.
      const err = await wrong.getContainer(container).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
    } finally {
      await wrong.close();
    }
    // An expired SAS URL is refused.
    const url = await store.signedUrl(container, "keep.txt", { expiresIn: 1 });
    url.searchParams.set("se", "2020-01-01T00:00:00Z");
    expect((await fetch(url)).status).toBe(403);
  });

  it("works with a SAS token instead of the key", async () => {
    const sas = accountSas({
      credentials: DEV_STORE_ACCOUNT,
      permissions: "rwdlac",
      resourceTypes: "sco",
      expiresOn: new Date(Date.now() + HOUR),
    });
    const viaSas = await openStorage<AzureBlobDriver>("azure-blob", {
      endpoint: azurite.accountUrl,
      sasToken: sas.query,
    });
    try {
      // No key, so no signed URLs and no batch (deletes go one by one): the capabilities say so.
      expect(viaSas.capabilities.signedUrls).toBe(false);
      expect(viaSas.capabilities.batchDelete).toBe(false);
      await viaSas.upload(container, "sas/a.txt", "via sas", { metadata: { k: "v" } });
      await viaSas.upload(container, "sas/big.bin", randomBytes(3 * MiB), {
        multipart: { partSize: MiB, threshold: MiB },
      });
      expect((await viaSas.getBytes(container, "sas/a.txt")).toString()).toBe("via sas");
      await viaSas.copy(container, "sas/a.txt", container, "sas/b.txt");
      expect((await viaSas.stat(container, "sas/b.txt")).metadata).toEqual({ k: "v" });
      const names = [];
      for await (const e of viaSas.list(container, { prefix: "sas/" })) names.push(e.name);
      expect(names).toEqual(["sas/a.txt", "sas/b.txt", "sas/big.bin"]);
      const result = await viaSas.deleteMany(container, names);
      expect(result.failed).toEqual([]);
    } finally {
      await viaSas.close();
    }
  });

  it("reads public containers anonymously and refuses private ones", async () => {
    const pub = `${container}-pub`;
    await store.createContainer(pub, { acl: "public-read" });
    await store.upload(pub, "p.txt", "public");
    await store.upload(container, "private.txt", "private");
    const anon = await openStorage("azure-blob", { endpoint: azurite.accountUrl, anonymous: true });
    try {
      expect((await anon.getBytes(pub, "p.txt")).toString()).toBe("public");
      const err = await anon.getBytes(container, "private.txt").catch((e: unknown) => e);
      expect(err instanceof PermissionError || err instanceof NotFoundError || err instanceof AuthError).toBe(
        true,
      );
    } finally {
      await anon.close();
      await store.deleteContainer(pub, { force: true });
    }
  });

  it("refuses a container region: containers live in their account's", async () => {
    await expect(store.createContainer(`${container}-r`, { region: "westeurope" })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});
