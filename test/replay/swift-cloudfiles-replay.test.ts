/**
 * The swift driver against libcloud's recorded Rackspace Cloud Files answers
 * ($OMNICLOUD_SHARED/fixtures/libcloud/storage/cloudfiles), replayed through an undici MockAgent: account
 * and container listings, marker pagination that runs to the end, and the account HEAD. Each answer is
 * registered once for the exact request the driver must send (method, path, query, X-Auth-Token), and
 * every test ends by checking that no registered answer went unasked.
 *
 * How the recordings are used, and where they do not fit our API:
 * - _v2_0__auth.json is a Keystone v2.0 token. Our Keystone path is v3 only (v2.0 is gone since Queens),
 *   so the driver is opened the way a v2 client ends up anyway: with the catalog's "object-store" URL
 *   (region ORD, its origin swapped for a local fake) and the token id from that answer.
 * - list_containers.json carries each container's count and bytes; ContainerInfo has no field for them,
 *   so only the names can be checked (and are, against the recording).
 * - the two "empty" recordings hold `{}`, libcloud's placeholder body: Swift answers an empty listing with
 *   `[]` (200) or, as libcloud recorded for the account, 204 No Content. A `{}` under 200 is not a listing,
 *   and the driver refuses it rather than reading it as empty.
 * - meta_data.json is libcloud's view of the account HEAD (bytes used, containers, objects). Our API has no
 *   account statistics; the one account HEAD the driver makes is the TempURL key lookup of `signedUrl`, so
 *   the recording is replayed there (as the headers Swift sends), and that it has no key is what is used.
 * Answers with no recording (the cluster's /info, the key-setting POST's 204) are written here.
 */
import { createHmac } from "node:crypto";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ProviderError } from "../../src/core/errors.js";
import type { SwiftDriver } from "../../src/providers/openstack/swift.js";
import { openStorage, type Storage } from "../../src/storage/index.js";
import type { ListEntry } from "../../src/storage/types.js";
import { describeShared, readShared } from "../support/shared.js";
import { accountHeadHeaders, type MockSwift, mockSwift } from "./swift-mock.js";

const fixture = (name: string): string => readShared("fixtures/libcloud/storage/cloudfiles", name);

/** A loopback origin nothing listens on: the MockAgent answers, and refuses any real connection. */
const ORIGIN = "http://127.0.0.1:8080";
const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

interface V2Auth {
  access: {
    token: { id: string };
    serviceCatalog: Array<{ type: string; endpoints: Array<{ region?: string; publicURL: string }> }>;
  };
}

/** The token id and the ORD object-store endpoint's path, as the recorded Keystone v2 answer gives them. */
function recordedAccount(): { token: string; accountPath: string } {
  const auth = JSON.parse(fixture("_v2_0__auth.json")) as V2Auth;
  const store = auth.access.serviceCatalog.find((s) => s.type === "object-store");
  const ord = store?.endpoints.find((e) => e.region === "ORD");
  if (!ord) throw new Error("_v2_0__auth.json has no ORD object-store endpoint");
  return { token: auth.access.token.id, accountPath: new URL(ord.publicURL).pathname };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describeShared("swift driver on libcloud's recorded Cloud Files answers", () => {
  const { token, accountPath } = recordedAccount();
  let mock: MockSwift;
  let store: Storage<SwiftDriver>;

  beforeEach(async () => {
    mock = mockSwift(ORIGIN, token);
    store = await openStorage<SwiftDriver>("swift", {
      storageUrl: `${ORIGIN}${accountPath}`,
      token,
      transport: { dispatcher: mock.agent, retry: false },
    });
  });
  afterEach(async () => {
    await store.close();
    try {
      // Every answer registered was asked for (a driver that stopped early leaves one pending).
      mock.agent.assertNoPendingInterceptors();
    } finally {
      await mock.close();
    }
  });

  it("takes the account from the recorded catalog: ORD's object-store path and the token id", () => {
    expect(accountPath).toBe("/v1/MossoCloudFS");
    expect(token).toBe("aaaaaaaaaaaa-bbb-cccccccccccccc");
    // Opening with a storage URL and token makes no request at all.
    expect(mock.seen).toEqual([]);
    expect(store.driver.storageUrl).toBe(`${ORIGIN}/v1/MossoCloudFS`);
  });

  it("lists the recorded containers by name, in the recorded order", async () => {
    mock.expect(
      { method: "GET", path: accountPath, query: { format: "json", limit: "10000" } },
      { status: 200, body: fixture("list_containers.json"), headers: JSON_TYPE },
    );
    const containers = await collect(store.listContainers());
    // ContainerInfo has no object count or bytes: the recording's are not surfaced (see the header).
    expect(containers).toEqual([{ name: "container1" }, { name: "container2" }, { name: "container3" }]);
    const recorded = JSON.parse(fixture("list_containers.json")) as Array<{ name: string }>;
    expect(containers.map((c) => c.name)).toEqual(recorded.map((c) => c.name));
    expect(mock.seen).toHaveLength(1);
    expect(mock.seen[0]?.headers["x-auth-token"]).toBe(token);
  });

  it("reads an empty account as Swift answers one, and refuses the recorded `{}` as a listing", async () => {
    // libcloud's recorded empty account: 204 No Content (no body can ride on a 204).
    mock.expect(
      { method: "GET", path: accountPath, query: { format: "json", limit: "10000" } },
      { status: 204 },
    );
    expect(await collect(store.listContainers())).toEqual([]);
    // What Swift 2.x sends for an empty JSON listing.
    mock.expect(
      { method: "GET", path: accountPath, query: { format: "json", limit: "10000" } },
      { status: 200, body: "[]", headers: JSON_TYPE },
    );
    expect(await collect(store.listContainers())).toEqual([]);
    // list_containers_empty.json under 200: an object where the array belongs, so not "empty" but wrong.
    mock.expect(
      { method: "GET", path: accountPath, query: { format: "json", limit: "10000" } },
      { status: 200, body: fixture("list_containers_empty.json"), headers: JSON_TYPE },
    );
    const err = await collect(store.listContainers()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/expected a JSON array/);
    expect(mock.seen).toHaveLength(3);
  });

  it("parses every field of the recorded object listing", async () => {
    mock.expect(
      { method: "GET", path: `${accountPath}/test_container`, query: { format: "json", limit: "10000" } },
      { status: 200, body: fixture("list_container_objects.json"), headers: JSON_TYPE },
    );
    const entries = await collect(store.list("test_container"));
    const object = (name: string, hash: string, contentType: string, modified: string): ListEntry => ({
      kind: "object",
      container: "test_container",
      name,
      size: 1160520,
      etag: hash,
      contentType,
      // Swift's listing times are UTC without a zone; the microseconds end at JavaScript's milliseconds.
      lastModified: new Date(modified),
      metadata: {},
      // A listing's hash is not claimed as the MD5: for a large object it is the manifest's.
      checksums: {},
    });
    // Server order is kept (the recording is not sorted: "foo tes 3" sits between the tests).
    expect(entries).toEqual([
      object("foo test 1", "16265549b5bda64ecdaa5156de4c97cc", "application/zip", "2011-01-25T22:01:50.351Z"),
      object("foo test 2", "16265549b5bda64ecdaa5156de4c97bb", "application/zip", "2011-01-25T22:01:50.351Z"),
      object("foo tes 3", "16265549b5bda64ecdaa5156de4c97ee", "application/zip", "2011-01-25T22:01:46.549Z"),
      object(
        "foo test 3",
        "16265549b5bda64ecdaa5156de4c97ff",
        "application/text",
        "2011-01-25T22:01:50.351Z",
      ),
    ]);
  });

  it("sends the prefix, and percent-encodes a container name with spaces", async () => {
    mock.expect(
      {
        method: "GET",
        path: `${accountPath}/test_container`,
        query: { format: "json", prefix: "foo test", limit: "10000" },
      },
      { status: 200, body: fixture("list_container_objects.json"), headers: JSON_TYPE },
    );
    // Swift filters by prefix on the server; the recording is replayed as the answer, whatever it holds.
    expect(await collect(store.list("test_container", { prefix: "foo test" }))).toHaveLength(4);
    // libcloud's name-encoding case: the container "test container 1", answered with an empty listing.
    mock.expect(
      {
        method: "GET",
        path: `${accountPath}/test%20container%201`,
        query: { format: "json", limit: "10000" },
      },
      { status: 200, body: "[]", headers: JSON_TYPE },
    );
    expect(await collect(store.list("test container 1"))).toEqual([]);
    expect(mock.seen.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([
      "GET /v1/MossoCloudFS/test_container?format=json&prefix=foo+test&limit=10000",
      "GET /v1/MossoCloudFS/test%20container%201?format=json&limit=10000",
    ]);
  });

  it("reads an empty container, and refuses the recorded `{}` as its listing", async () => {
    mock.expect(
      { method: "GET", path: `${accountPath}/test_container`, query: { format: "json", limit: "10000" } },
      { status: 204 },
    );
    expect(await collect(store.list("test_container"))).toEqual([]);
    mock.expect(
      { method: "GET", path: `${accountPath}/test_container`, query: { format: "json", limit: "10000" } },
      { status: 200, body: fixture("list_container_objects_empty.json"), headers: JSON_TYPE },
    );
    const err = await collect(store.list("test_container")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(/test_container: expected a JSON array/);
  });

  it("follows the marker from not_exhausted1 to not_exhausted2 and stops at the short page", async () => {
    // Both recorded pages fit a limit of 3: a full first page (3 names), a short second one (2).
    mock.expect(
      { method: "GET", path: `${accountPath}/test_container`, query: { format: "json", limit: "3" } },
      { status: 200, body: fixture("list_container_objects_not_exhausted1.json"), headers: JSON_TYPE },
    );
    mock.expect(
      {
        method: "GET",
        path: `${accountPath}/test_container`,
        query: { format: "json", marker: "foo-test-3", limit: "3" },
      },
      { status: 200, body: fixture("list_container_objects_not_exhausted2.json"), headers: JSON_TYPE },
    );
    const entries = await collect(store.list("test_container", { pageSize: 3 }));
    expect(entries.map((e) => e.name)).toEqual([
      "foo-test-1",
      "foo-test-2",
      "foo-test-3",
      "foo-test-4",
      "foo-test-5",
    ]);
    expect(entries.map((e) => (e.kind === "object" ? [e.size, e.etag, e.contentType] : []))).toEqual([
      [1160520, "16265549b5bda64ecdaa5156de4c97cc", "application/zip"],
      [1160520, "16265549b5bda64ecdaa5156de4c97bb", "application/zip"],
      [1160520, "16265549b5bda64ecdaa5156de4c97ee", "application/zip"],
      [1160520, "16265549b5bda64ecdaa5156de4c97cc", "application/zip"],
      [1160520, "16265549b5bda64ecdaa5156de4c97bb", "application/zip"],
    ]);
    expect(entries.map((e) => (e.kind === "object" ? e.lastModified?.toISOString() : undefined))).toEqual([
      "2011-01-25T22:01:50.351Z",
      "2011-01-25T22:01:50.351Z",
      "2011-01-25T22:01:46.549Z",
      "2011-01-25T22:01:50.351Z",
      "2011-01-25T22:01:50.351Z",
    ]);
    expect(mock.seen.map((r) => [r.url.searchParams.get("marker"), r.headers["x-auth-token"]])).toEqual([
      [null, token],
      ["foo-test-3", token],
    ]);
  });

  it("asks again after a page that fills the limit, and ends at libcloud's recorded 204", async () => {
    // libcloud answered list_container_objects.json first and 204 No Content to any request with a marker.
    mock.expect(
      { method: "GET", path: `${accountPath}/test_container`, query: { format: "json", limit: "4" } },
      { status: 200, body: fixture("list_container_objects.json"), headers: JSON_TYPE },
    );
    mock.expect(
      {
        method: "GET",
        path: `${accountPath}/test_container`,
        query: { format: "json", marker: "foo test 3", limit: "4" },
      },
      { status: 204 },
    );
    const names = (await collect(store.list("test_container", { pageSize: 4 }))).map((e) => e.name);
    expect(names).toEqual(["foo test 1", "foo test 2", "foo tes 3", "foo test 3"]);
    expect(mock.seen).toHaveLength(2);
  });

  it("replays meta_data.json as the account HEAD that looks for a TempURL key, and sets one", async () => {
    const meta = JSON.parse(fixture("meta_data.json")) as {
      bytes_used: number;
      container_count: number;
      object_count: number;
    };
    expect(meta).toEqual({ bytes_used: 1234567, container_count: 10, object_count: 400 });
    // Scripted: the cluster's capabilities (beside /v1 at the root), allowing SHA-256 TempURLs.
    mock.expect(
      { method: "GET", path: "/info" },
      {
        status: 200,
        body: JSON.stringify({
          tempurl: { methods: ["GET", "HEAD", "PUT"], allowed_digests: ["sha1", "sha256"] },
        }),
        headers: JSON_TYPE,
      },
    );
    // Recorded: the account's statistics and no X-Account-Meta-Temp-URL-Key.
    mock.expect({ method: "HEAD", path: accountPath }, { status: 204, headers: accountHeadHeaders(meta) });
    // So the driver sets a key of its own (scripted 204, what Swift answers an account POST).
    mock.expect({ method: "POST", path: accountPath }, { status: 204 });

    const before = Math.floor(Date.now() / 1000);
    const url = await store.signedUrl("test_container", "test_object", { expiresIn: 60 });
    const post = mock.seen.find((r) => r.method === "POST");
    const key = post?.headers["x-account-meta-temp-url-key"];
    expect(key).toMatch(/^[0-9a-f]{48}$/);
    expect(`${url.origin}${url.pathname}`).toBe(`${ORIGIN}/v1/MossoCloudFS/test_container/test_object`);
    const expires = Number(url.searchParams.get("temp_url_expires"));
    expect(expires).toBeGreaterThanOrEqual(before + 60);
    expect(expires).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 60);
    const sig = createHmac("sha256", key!)
      .update(`GET\n${expires}\n/v1/MossoCloudFS/test_container/test_object`)
      .digest("hex");
    expect(url.searchParams.get("temp_url_sig")).toBe(sig);
    expect(mock.seen.map((r) => `${r.method} ${r.url.pathname}`).sort()).toEqual([
      "GET /info",
      "HEAD /v1/MossoCloudFS",
      "POST /v1/MossoCloudFS",
    ]);
    // The token rides on every request, /info included (the transport authorises them all).
    expect(mock.seen.every((r) => r.headers["x-auth-token"] === token)).toBe(true);
  });
});
