/**
 * Every request the azure-blob driver builds, checked against the Blob service's swagger
 * ($OMNICLOUD_SHARED/specs/azure-blob-swagger/blob-storage-2021-10-04.azurite.json): the operation's HTTP
 * method; its path template (service, container or blob); the literal query of its path key
 * ("?restype=container&comp=list"); every query parameter and header being one the operation defines
 * (x-ms-meta-* through the collection prefix); header values inside the swagger's enums; and every
 * required query parameter and header present. Listings are answered with the recorded libcloud fixtures
 * ($OMNICLOUD_SHARED/fixtures/libcloud/storage/azure_blobs), and what the driver read from them is checked.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { MockAgent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AzureBlobDriver } from "../../src/providers/azure/blob.js";
import { openStorage, type Storage } from "../../src/storage/index.js";
import { describeShared, readShared } from "../support/shared.js";
import { type MockBlob, mockBlob, type Recorded } from "./azure-blob-mock.js";
import { ReadingDispatcher } from "./reading-dispatcher.js";

interface Param {
  $ref?: string;
  name?: string;
  in?: string;
  required?: boolean;
  enum?: string[];
  "x-ms-header-collection-prefix"?: string;
}
interface Operation {
  operationId: string;
  parameters?: Param[];
}
type PathItem = Record<string, Operation | Param[]> & { parameters?: Param[] };
interface Swagger {
  "x-ms-paths": Record<string, PathItem>;
  parameters: Record<string, Param>;
}

const ORIGIN = "https://omniacct.blob.core.windows.net";
/** Headers the transport and the authorisation own; not parameters of any operation. */
const TRANSPORT_HEADERS = new Set(["user-agent", "host", "content-length", "authorization", "x-ms-date"]);

interface Resolved {
  path: string;
  method: string;
  params: Param[];
}

/** operationId → its path key, method and parameters (path-level ones included, $refs resolved). */
function index(swagger: Swagger): Map<string, Resolved> {
  const out = new Map<string, Resolved>();
  const resolve = (p: Param): Param => (p.$ref ? (swagger.parameters[p.$ref.split("/").at(-1)!] ?? p) : p);
  for (const [path, item] of Object.entries(swagger["x-ms-paths"])) {
    const shared = ((item.parameters as Param[] | undefined) ?? []).map(resolve);
    for (const [method, op] of Object.entries(item)) {
      if (method === "parameters") continue;
      const o = op as Operation;
      out.set(o.operationId, {
        path,
        method: method.toUpperCase(),
        params: [...shared, ...(o.parameters ?? []).map(resolve)],
      });
    }
  }
  return out;
}

/** Problems with one recorded request against the swagger; empty when it conforms. */
function check(ops: Map<string, Resolved>, req: Recorded): string[] {
  const name = req.operation.replace(/^azure-blob:/, "");
  const op = ops.get(name);
  if (!op) return [`${req.operation}: no such operation in the swagger`];
  const problems: string[] = [];
  if (req.method !== op.method) problems.push(`${name}: method ${req.method}, swagger says ${op.method}`);

  const [template = "", literalQuery = ""] = op.path.split("?");
  const segments = req.url.pathname.split("/").filter((s) => s !== "");
  const want = template === "/" ? 0 : template === "/{containerName}" ? 1 : 2;
  if (want === 2 ? segments.length < 2 : segments.length !== want) {
    problems.push(`${name}: path ${req.url.pathname} does not fit ${template}`);
  }

  // "restype=container&comp=list&flat": a pair is sent literally when the operation declares that query
  // parameter (restype, comp); other pairs and bare words only tell path keys apart ("?comp=copy" of Copy
  // Blob declares no comp, and none is sent).
  const queryParams = new Map(op.params.filter((p) => p.in === "query").map((p) => [p.name!, p]));
  const literal = new Map<string, string>();
  for (const pair of literalQuery.split("&").filter((p) => p.includes("="))) {
    const [k = "", v = ""] = pair.split("=");
    if (!queryParams.has(k)) continue;
    literal.set(k, v);
    if (req.url.searchParams.get(k) !== v) problems.push(`${name}: missing literal query "${pair}"`);
  }
  for (const key of new Set(req.url.searchParams.keys())) {
    const param = queryParams.get(key);
    if (!param) {
      problems.push(`${name}: query "${key}" is not in the swagger`);
      continue;
    }
    const value = req.url.searchParams.get(key) ?? "";
    if (param.enum && !param.enum.includes(value)) {
      problems.push(`${name}: query "${key}" is "${value}", swagger allows ${param.enum.join(", ")}`);
    }
  }

  const headerParams = new Map(
    op.params.filter((p) => p.in === "header").map((p) => [p.name!.toLowerCase(), p]),
  );
  const prefixes = op.params
    .map((p) => p["x-ms-header-collection-prefix"]?.toLowerCase())
    .filter((p): p is string => p !== undefined);
  const hasBody = op.params.some((p) => p.in === "body");
  for (const [header, value] of Object.entries(req.headers)) {
    const h = header.toLowerCase();
    if (TRANSPORT_HEADERS.has(h) || prefixes.some((p) => h.startsWith(p))) continue;
    // A body's media type (the swagger's "consumes"), where the operation has a body.
    if (h === "content-type" && hasBody) continue;
    const param = headerParams.get(h);
    if (!param) {
      problems.push(`${name}: header "${h}" is not in the swagger`);
      continue;
    }
    if (param.enum && !param.enum.includes(value)) {
      problems.push(`${name}: header "${h}" is "${value}", swagger allows ${param.enum.join(", ")}`);
    }
  }
  for (const p of op.params) {
    if (!p.required || (p.in !== "query" && p.in !== "header")) continue;
    const key = p.name!;
    if (TRANSPORT_HEADERS.has(key.toLowerCase())) continue;
    const present =
      p.in === "query"
        ? req.url.searchParams.has(key) || literal.has(key)
        : Object.keys(req.headers).some((h) => h.toLowerCase() === key.toLowerCase());
    if (!present) problems.push(`${name}: required ${p.in} "${key}" is missing`);
  }
  return problems;
}

describeShared("azure-blob requests against the Blob service swagger", () => {
  let ops: Map<string, Resolved>;
  let mock: MockBlob;
  let store: Storage<AzureBlobDriver>;

  beforeAll(async () => {
    ops = index(
      JSON.parse(readShared("specs/azure-blob-swagger/blob-storage-2021-10-04.azurite.json")) as Swagger,
    );
    mock = mockBlob(ORIGIN, (f) => readShared("fixtures/libcloud/storage/azure_blobs", f));
    store = await openStorage<AzureBlobDriver>("azure-blob", {
      account: "omniacct",
      accountKey: Buffer.alloc(64, 1).toString("base64"),
      multipart: { minPartSize: 1 },
      transport: { dispatcher: new ReadingDispatcher(mock.agent), layers: [mock.recorder], retry: false },
    });
  });
  afterAll(async () => {
    await store?.close();
    await mock?.close();
  });

  it("sends only what the swagger defines, for every operation the driver uses", async () => {
    const c = "model-container";
    const containers = [];
    for await (const info of store.listContainers()) containers.push(info.name);
    // Two pages of the recorded answer, joined by its NextMarker.
    expect(containers).toEqual(["container1", "container2", "container3", "container4"]);
    await store.createContainer(c, { acl: "public-read" });
    await store.getContainer(c);
    const flat = [];
    for await (const e of store.list(c, { prefix: "o", pageSize: 2 })) flat.push(e);
    expect(flat.map((e) => e.name)).toEqual(["object1.txt", "object2.txt", "object3.txt", "object4.txt"]);
    const first = flat[0]!;
    expect(first.kind === "object" && first.checksums.md5).toBe("d41d8cd98f00b204e9800998ecf8427e");
    for await (const _ of store.list(c, { prefix: "a/", delimiter: "/" })) void _;
    await store.upload(c, "dir/small.txt", "hello", {
      contentType: "text/plain",
      cacheControl: "no-cache",
      contentDisposition: "inline",
      metadata: { owner: "ann", "x-note": "größe" },
      extras: { accessTier: "Cool", tags: { t: "1" } },
    });
    // Blocks, then a block list carrying the whole object's MD5 (computed because the caller gave one).
    const big = Buffer.alloc(3000, 1);
    await store.upload(c, "dir/big.bin", big, {
      multipart: { partSize: 1024, threshold: 1024 },
      expect: { md5: createHash("md5").update(big).digest("hex") },
    });
    await store.upload(c, "dir/streamed.bin", Readable.from([Buffer.alloc(100, 3)]), {
      size: 100,
      multipart: false,
    });
    expect((await store.getBytes(c, "dir/small.txt", { range: { start: 1, end: 3 } })).toString()).toBe(
      "123",
    );
    const stat = await store.stat(c, "dir/small.txt");
    expect(stat.metadata).toEqual({ owner: "ann" });
    expect(stat.checksums.md5).toBe("781e5e245d69b566979b86e28d23f2c7");
    // The copy answers "pending", and the next look says "success": the driver polls once.
    await store.copy(c, "dir/small.txt", c, "dir/copy.txt", { contentType: "text/x", metadata: {} });
    await store.delete(c, "dir/small.txt");
    const batch = await store.deleteMany(c, ["a", "b", "c"]);
    expect(batch.failed).toEqual([]);
    await store.signedUrl(c, "dir/x", { method: "PUT" });
    await store.deleteContainer(c);

    const operations = new Set(mock.requests.map((r) => r.operation.replace(/^azure-blob:/, "")));
    expect([...operations].sort()).toEqual(
      [
        "Service_ListContainersSegment",
        "Container_Create",
        "Container_GetProperties",
        "Container_ListBlobFlatSegment",
        "Container_ListBlobHierarchySegment",
        "BlockBlob_Upload",
        "BlockBlob_StageBlock",
        "BlockBlob_CommitBlockList",
        "Blob_Download",
        "Blob_GetProperties",
        "Blob_StartCopyFromURL",
        "Blob_SetMetadata",
        "Blob_SetHTTPHeaders",
        "Blob_Delete",
        "Container_SubmitBatch",
        "Container_Delete",
      ].sort(),
    );
    const problems = mock.requests.flatMap((r) => check(ops, r));
    expect(problems).toEqual([]);
  });

  it("catches a request that strays from the swagger (the checker itself works)", () => {
    const bad: Recorded = {
      operation: "azure-blob:BlockBlob_StageBlock",
      method: "POST",
      url: new URL(`${ORIGIN}/container?comp=blocks&bogus=1`),
      headers: { "x-ms-made-up": "1", "x-ms-version": "1999-01-01" },
    };
    expect(check(ops, bad)).toEqual([
      "BlockBlob_StageBlock: method POST, swagger says PUT",
      "BlockBlob_StageBlock: path /container does not fit /{containerName}/{blob}",
      'BlockBlob_StageBlock: missing literal query "comp=block"',
      'BlockBlob_StageBlock: query "comp" is "blocks", swagger allows block',
      'BlockBlob_StageBlock: query "bogus" is not in the swagger',
      'BlockBlob_StageBlock: header "x-ms-made-up" is not in the swagger',
      'BlockBlob_StageBlock: header "x-ms-version" is "1999-01-01", swagger allows 2021-10-04',
      'BlockBlob_StageBlock: required query "blockid" is missing',
    ]);
  });
});

describe("azure-blob auth modes put their credentials where the service reads them", () => {
  /** The headers and URL the server received for one Get Container Properties, per auth mode. */
  const received = async (options: object): Promise<{ url: URL; headers: Record<string, string> }> => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    let seen: { url: URL; headers: Record<string, string> } | undefined;
    agent
      .get(ORIGIN)
      .intercept({ path: () => true, method: "GET" })
      .reply((opts) => {
        const headers: Record<string, string> = {};
        const raw = opts.headers as Record<string, string> | string[];
        if (Array.isArray(raw))
          for (let i = 0; i + 1 < raw.length; i += 2) headers[raw[i]!.toLowerCase()] = raw[i + 1]!;
        else for (const [k, v] of Object.entries(raw)) headers[k.toLowerCase()] = String(v);
        seen = { url: new URL(opts.path, ORIGIN), headers };
        return { statusCode: 200, data: "" };
      });
    const store = await openStorage("azure-blob", {
      endpoint: ORIGIN,
      ...options,
      transport: { dispatcher: agent, retry: false },
    });
    try {
      await store.getContainer("cont");
    } finally {
      await store.close();
      await agent.close();
    }
    return seen!;
  };

  it("Shared Key: a signed Authorization header with its date and version", async () => {
    const { headers, url } = await received({ accountKey: Buffer.alloc(64, 1).toString("base64") });
    expect(headers.authorization).toMatch(/^SharedKey omniacct:[A-Za-z0-9+/]+=*$/);
    expect(headers["x-ms-date"]).toMatch(/GMT$/);
    expect(headers["x-ms-version"]).toBe("2021-10-04");
    expect(url.searchParams.get("restype")).toBe("container");
  });

  it("SAS: the token in the query, no Authorization header", async () => {
    const { headers, url } = await received({ sasToken: "?sv=2021-10-04&sp=r&sig=abc%2B%3D" });
    expect(headers.authorization).toBeUndefined();
    expect(url.searchParams.get("sig")).toBe("abc+=");
    expect(url.searchParams.get("restype")).toBe("container");
    expect(headers["x-ms-version"]).toBe("2021-10-04");
  });

  it("bearer: the hook's token, with a date", async () => {
    const { headers } = await received({
      account: "omniacct",
      bearer: {
        authorize: (attempt: { headers: Record<string, string> }) => {
          attempt.headers.authorization = "Bearer tok";
        },
      },
    });
    expect(headers.authorization).toBe("Bearer tok");
    expect(headers["x-ms-date"]).toMatch(/GMT$/);
  });

  it("anonymous: nothing but the version", async () => {
    const { headers } = await received({ anonymous: true });
    expect(headers.authorization).toBeUndefined();
    expect(headers["x-ms-version"]).toBe("2021-10-04");
  });
});
