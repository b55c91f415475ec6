/**
 * The tools the storage bench compares, each behind the same few calls so that every tool does the same
 * work: omnicloud's `s3` and `azure-blob` drivers (from the compiled dist/); what users would pick instead,
 * `@aws-sdk/client-s3` (with `@aws-sdk/lib-storage`'s Upload for multipart), `@azure/storage-blob` and
 * Apache OpenDAL's Node binding (`opendal`, a Rust core); and two bare node:http baselines for small PUTs,
 * one unsigned and one sending the request omnicloud sends (Content-MD5, SigV4 header signature).
 *
 * Each is configured the way its documentation shows for a local endpoint, plus the same multipart shape
 * for all (8 MiB parts, 4 at a time), so the comparison is of the clients and not of their tuning. A tool
 * module is imported only when the tool is made, so a process that makes one tool loads only that one
 * (the cold-start workload relies on it).
 * opendal is installed on demand (opendal-binding.ts) and loaded by opendal-module.ts.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import type * as StorageModule from "../src/storage/index.js";
import { importOpendal, type OpendalModule } from "./opendal-module.js";
import { putSigner } from "./storage-sigv4.js";

export const PART_SIZE = 8 * 1024 * 1024;
export const PART_CONCURRENCY = 4;
/** Sockets the bare node:http baselines may open: the widest small-PUT pass. */
export const HTTP_SOCKETS = 16;

/** Where a tool talks to, and where omnicloud's build is. */
export interface Target {
  protocol: "s3" | "azure";
  /** S3: "http://127.0.0.1:PORT"; Azure: "http://127.0.0.1:PORT/devstoreaccount1". */
  endpoint: string;
  /** The compiled dist/ omnicloud is loaded from (this file also runs transpiled outside bench/). */
  dist: string;
}

/** What the workloads call. A tool leaves out what it is not compared on (the baselines only PUT). */
export interface StorageTool {
  readonly name: string;
  /** One object from memory, in one request. */
  putBuffer(container: string, key: string, body: Buffer): Promise<void>;
  createContainer?(name: string): Promise<void>;
  /** A large object from a file, multipart. */
  putFile?(container: string, key: string, path: string): Promise<void>;
  /** A large object to a file, in one streamed GET. */
  getFile?(container: string, key: string, path: string): Promise<void>;
  /**
   * Every object of the container through the tool's own paginating lister, each name to `visit`; pages of
   * `pageSize` entries when given, else the tool's default.
   */
  list?(container: string, visit: (name: string) => void, pageSize?: number): Promise<void>;
  close(): Promise<void>;
}

export const OMNICLOUD = "omnicloud";
export const AWS_SDK = "@aws-sdk/client-s3";
export const AZURE_SDK = "@azure/storage-blob";
export const OPENDAL = "opendal";
export const NODE_HTTP = "node:http";
export const NODE_HTTP_SIGNED = "node:http+sigv4";

const S3_KEY = "S3RVER";
const S3_REGION = "us-east-1";
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

async function omnicloudTool(target: Target): Promise<StorageTool> {
  const entry = pathToFileURL(join(target.dist, "storage", "index.js")).href;
  const { openStorage } = (await import(entry)) as typeof StorageModule;
  // proxy: false, as the other tools here connect directly whatever HTTP(S)_PROXY says.
  const store =
    target.protocol === "s3"
      ? await openStorage("s3", {
          endpoint: target.endpoint,
          region: S3_REGION,
          credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_KEY },
          transport: { proxy: false },
        })
      : await openStorage("azure-blob", { endpoint: target.endpoint, transport: { proxy: false } });
  const multipart = { partSize: PART_SIZE, threshold: PART_SIZE, concurrency: PART_CONCURRENCY };
  return {
    name: OMNICLOUD,
    async createContainer(name) {
      await store.createContainer(name);
    },
    async putBuffer(container, key, body) {
      await store.upload(container, key, body);
    },
    async putFile(container, key, path) {
      await store.upload(container, key, { path }, { multipart });
    },
    async getFile(container, key, path) {
      await store.downloadToFile(container, key, path);
    },
    async list(container, visit, pageSize) {
      for await (const entry of store.list(container, pageSize ? { pageSize } : {})) visit(entry.name);
    },
    close: () => store.close(),
  };
}

async function awsTool(target: Target): Promise<StorageTool> {
  const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, paginateListObjectsV2 } =
    await import("@aws-sdk/client-s3");
  const client = new S3Client({
    endpoint: target.endpoint,
    region: S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_KEY },
  });
  return {
    name: AWS_SDK,
    async createContainer(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async putBuffer(container, key, body) {
      await client.send(new PutObjectCommand({ Bucket: container, Key: key, Body: body }));
    },
    async putFile(container, key, path) {
      // Loaded here, not with the client: it is a package of its own, needed only for multipart.
      const { Upload } = await import("@aws-sdk/lib-storage");
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
    async list(container, visit, pageSize) {
      const paging = { client, ...(pageSize ? { pageSize } : {}) };
      for await (const page of paginateListObjectsV2(paging, { Bucket: container })) {
        for (const object of page.Contents ?? []) visit(object.Key!);
      }
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
    name: AZURE_SDK,
    async createContainer(name) {
      await service.getContainerClient(name).create();
    },
    async putBuffer(container, key, body) {
      await blob(container, key).upload(body, body.length);
    },
    async putFile(container, key, path) {
      await blob(container, key).uploadFile(path, {
        blockSize: PART_SIZE,
        concurrency: PART_CONCURRENCY,
        // Above this the SDK stages blocks; at its default (256 MiB) a smaller file would go in one request.
        maxSingleShotSize: PART_SIZE,
      });
    },
    async getFile(container, key, path) {
      await blob(container, key).downloadToFile(path);
    },
    async list(container, visit, pageSize) {
      const blobs = service.getContainerClient(container).listBlobsFlat();
      if (!pageSize) {
        for await (const item of blobs) visit(item.name);
        return;
      }
      for await (const page of blobs.byPage({ maxPageSize: pageSize })) {
        for (const item of page.segment.blobItems) visit(item.name);
      }
    },
    async close() {},
  };
}

/** Bytes OpenDAL's read stream asks its reader for at a time (Node's default, 16 KiB, is one FFI call each). */
const OPENDAL_READ_CHUNK = 1024 * 1024;

async function opendalTool(target: Target): Promise<StorageTool> {
  const { Operator } = await importOpendal();
  // An OpenDAL operator is bound to one bucket or container.
  const operators = new Map<string, InstanceType<OpendalModule["Operator"]>>();
  const op = (container: string): InstanceType<OpendalModule["Operator"]> => {
    let operator = operators.get(container);
    if (!operator) {
      operator =
        target.protocol === "s3"
          ? new Operator("s3", {
              bucket: container,
              endpoint: target.endpoint,
              region: S3_REGION,
              access_key_id: S3_KEY,
              secret_access_key: S3_KEY,
              disable_config_load: "true",
              disable_ec2_metadata: "true",
            })
          : new Operator("azblob", {
              container,
              endpoint: target.endpoint,
              account_name: DEV_ACCOUNT,
              account_key: DEV_KEY,
            });
      operators.set(container, operator);
    }
    return operator;
  };
  return {
    name: OPENDAL,
    async putBuffer(container, key, body) {
      await op(container).write(key, body);
    },
    async putFile(container, key, path) {
      const writer = await op(container).writer(key, {
        chunk: BigInt(PART_SIZE),
        concurrent: PART_CONCURRENCY,
      });
      await pipeline(createReadStream(path), writer.createWriteStream());
    },
    async getFile(container, key, path) {
      const reader = await op(container).reader(key);
      await pipeline(reader.createReadStream({ highWaterMark: OPENDAL_READ_CHUNK }), createWriteStream(path));
    },
    async list(container, visit, pageSize) {
      const lister = await op(container).lister("", {
        recursive: true,
        ...(pageSize ? { limit: pageSize } : {}),
      });
      for (let entry = await lister.next(); entry !== null; entry = await lister.next()) {
        const path = entry.path();
        // The listing may include the root itself ("/"); objects never end with a slash here.
        if (!path.endsWith("/")) visit(path);
      }
    },
    async close() {},
  };
}

/** PUTs with node:http alone, on a keep-alive agent; `signed` adds what omnicloud sends (see storage-sigv4). */
function nodeHttpTool(target: Target, signed: boolean): StorageTool {
  const url = new URL(target.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: HTTP_SOCKETS });
  const sign = signed
    ? putSigner({ accessKeyId: S3_KEY, secretAccessKey: S3_KEY, region: S3_REGION }, url.host)
    : undefined;
  const name = signed ? NODE_HTTP_SIGNED : NODE_HTTP;
  return {
    name,
    putBuffer(container, key, body) {
      const path = `/${container}/${key}`;
      const headers: Record<string, string> = {
        "content-length": String(body.length),
        ...sign?.(path, body),
      };
      return new Promise<void>((resolve, reject) => {
        const req = httpRequest(
          { agent, host: url.hostname, port: url.port, method: "PUT", path, headers },
          (res) => {
            res.resume();
            res.on("end", () => {
              if (res.statusCode === 200 && res.headers.etag) resolve();
              else reject(new Error(`${name}: PUT ${path} answered ${res.statusCode}`));
            });
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

/** Which tools speak which protocol, omnicloud first (the numerator of every ratio). */
export const TOOLS: Record<Target["protocol"], readonly string[]> = {
  s3: [OMNICLOUD, AWS_SDK, OPENDAL, NODE_HTTP_SIGNED, NODE_HTTP],
  azure: [OMNICLOUD, AZURE_SDK, OPENDAL],
};

export function makeTool(name: string, target: Target): Promise<StorageTool> {
  const s3 = target.protocol === "s3";
  if (name === OMNICLOUD) return omnicloudTool(target);
  if (name === OPENDAL) return opendalTool(target);
  if (name === AWS_SDK && s3) return awsTool(target);
  if (name === AZURE_SDK && !s3) return azureTool(target);
  if ((name === NODE_HTTP || name === NODE_HTTP_SIGNED) && s3) {
    return Promise.resolve(nodeHttpTool(target, name === NODE_HTTP_SIGNED));
  }
  throw new Error(`no tool ${name} for ${target.protocol}`);
}
