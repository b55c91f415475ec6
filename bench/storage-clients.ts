/**
 * The tools the storage bench compares, each behind the same five calls so every tool does the same work:
 * omnicloud's `s3` and `azure-blob` drivers (from the compiled dist/), and what users would pick instead,
 * `@aws-sdk/client-s3` with `@aws-sdk/lib-storage`'s Upload for multipart, and `@azure/storage-blob`.
 *
 * Each is configured the way its documentation shows for a local endpoint, plus the same multipart shape
 * for all (8 MiB parts, 4 at a time), so the comparison is of the clients and not of their tuning.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import type * as StorageModule from "../src/storage/index.js";

export const PART_SIZE = 8 * 1024 * 1024;
export const PART_CONCURRENCY = 4;

/** Where a tool talks to: the server kind and its endpoint; and where omnicloud's build is. */
export interface Target {
  server: "s3rver" | "azurite";
  /** s3rver: "http://127.0.0.1:PORT"; Azurite: "http://127.0.0.1:PORT/devstoreaccount1". */
  endpoint: string;
  /** The compiled dist/ omnicloud is loaded from (this file also runs transpiled outside bench/). */
  dist: string;
}

export interface StorageTool {
  readonly name: string;
  createContainer(name: string): Promise<void>;
  /** One object from memory, in one request. */
  putBuffer(container: string, key: string, body: Buffer): Promise<void>;
  /** The whole object into memory; its size. */
  getBuffer(container: string, key: string): Promise<number>;
  /** A large object from a file, multipart. */
  putFile(container: string, key: string, path: string): Promise<void>;
  /** A large object to a file. */
  getFile(container: string, key: string, path: string): Promise<void>;
  close(): Promise<void>;
}

/** Every tool name per server, omnicloud first (the numerator of every ratio). */
export const TOOLS: Record<Target["server"], readonly string[]> = {
  s3rver: ["omnicloud", "@aws-sdk/client-s3"],
  azurite: ["omnicloud", "@azure/storage-blob"],
};

const S3RVER_KEY = "S3RVER";
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

async function drain(body: AsyncIterable<Uint8Array> | undefined): Promise<number> {
  let size = 0;
  if (body) for await (const chunk of body) size += chunk.byteLength;
  return size;
}

async function omnicloudTool(target: Target): Promise<StorageTool> {
  const entry = pathToFileURL(join(target.dist, "storage", "index.js")).href;
  const { openStorage } = (await import(entry)) as typeof StorageModule;
  // proxy: false, as the SDKs here connect directly whatever HTTP(S)_PROXY says.
  const store =
    target.server === "s3rver"
      ? await openStorage("s3", {
          endpoint: target.endpoint,
          region: "us-east-1",
          credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
          transport: { proxy: false },
        })
      : await openStorage("azure-blob", { endpoint: target.endpoint, transport: { proxy: false } });
  const multipart = { partSize: PART_SIZE, threshold: PART_SIZE, concurrency: PART_CONCURRENCY };
  return {
    name: "omnicloud",
    async createContainer(name) {
      await store.createContainer(name);
    },
    async putBuffer(container, key, body) {
      await store.upload(container, key, body);
    },
    async getBuffer(container, key) {
      const { body } = await store.download(container, key);
      return drain(body);
    },
    async putFile(container, key, path) {
      await store.upload(container, key, { path }, { multipart });
    },
    async getFile(container, key, path) {
      await store.downloadToFile(container, key, path);
    },
    close: () => store.close(),
  };
}

async function awsTool(target: Target): Promise<StorageTool> {
  const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } = await import(
    "@aws-sdk/client-s3"
  );
  const { Upload } = await import("@aws-sdk/lib-storage");
  const client = new S3Client({
    endpoint: target.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
  });
  return {
    name: "@aws-sdk/client-s3",
    async createContainer(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async putBuffer(container, key, body) {
      await client.send(new PutObjectCommand({ Bucket: container, Key: key, Body: body }));
    },
    async getBuffer(container, key) {
      const res = await client.send(new GetObjectCommand({ Bucket: container, Key: key }));
      return drain(res.Body as Readable);
    },
    async putFile(container, key, path) {
      const upload = new Upload({
        client,
        params: { Bucket: container, Key: key, Body: createReadStream(path) },
        partSize: PART_SIZE,
        queueSize: PART_CONCURRENCY,
      });
      await upload.done();
    },
    async getFile(container, key, path) {
      const res = await client.send(new GetObjectCommand({ Bucket: container, Key: key }));
      await pipeline(res.Body as Readable, createWriteStream(path));
    },
    async close() {
      client.destroy();
    },
  };
}

async function azureTool(target: Target): Promise<StorageTool> {
  const { BlobServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
  const service = new BlobServiceClient(
    target.endpoint,
    new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
  );
  const blob = (container: string, key: string) =>
    service.getContainerClient(container).getBlockBlobClient(key);
  return {
    name: "@azure/storage-blob",
    async createContainer(name) {
      await service.getContainerClient(name).create();
    },
    async putBuffer(container, key, body) {
      await blob(container, key).upload(body, body.length);
    },
    async getBuffer(container, key) {
      const res = await blob(container, key).download();
      return drain(res.readableStreamBody as Readable | undefined);
    },
    async putFile(container, key, path) {
      await blob(container, key).uploadFile(path, {
        blockSize: PART_SIZE,
        concurrency: PART_CONCURRENCY,
        // Above this the SDK stages blocks; at its default (256 MiB) a 64 MiB file would go in one request.
        maxSingleShotSize: PART_SIZE,
      });
    },
    async getFile(container, key, path) {
      await blob(container, key).downloadToFile(path);
    },
    async close() {},
  };
}

export function makeTool(name: string, target: Target): Promise<StorageTool> {
  if (name === "omnicloud") return omnicloudTool(target);
  if (name === "@aws-sdk/client-s3" && target.server === "s3rver") return awsTool(target);
  if (name === "@azure/storage-blob" && target.server === "azurite") return azureTool(target);
  throw new Error(`no tool ${name} for ${target.server}`);
}
