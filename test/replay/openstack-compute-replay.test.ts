/**
 * The openstack compute driver's Nova and Cinder parts (and Glance's answers as libcloud recorded them)
 * replayed from $OMNICLOUD_SHARED/fixtures/libcloud/compute/openstack* through an undici MockAgent, via
 * the portable Compute API. Keystone answers with libcloud's recorded v3 token, whose catalog points at
 * the recorded cloud's addresses: the MockAgent answers for them, and refuses any real connection.
 *
 * Changes made here to recorded answers, each said where it is made: the token's expiry is moved into the
 * future (the recording expired in 2014), and answers libcloud has no recording for (availability zones,
 * bodiless 202/204s, a second page of servers) are written here.
 */
import { readFileSync } from "node:fs";
import { MockAgent } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Compute } from "../../src/compute/compute.js";
import { openCompute } from "../../src/compute/open.js";
import {
  AlreadyExistsError,
  InvalidInputError,
  NotFoundError,
  type OmnicloudError,
  PermissionError,
} from "../../src/core/errors.js";
import type { OpenStackCompute } from "../../src/providers/openstack/compute.js";
import { tokenHash } from "../../src/providers/openstack/nova-servers.js";
import { describeShared, sharedPath } from "../support/shared.js";
import { headerRecord } from "./mock-headers.js";

const KEYSTONE = "http://keystone.test:5000";
const PROJECT = "9c4693dce56b493b9b83197d900f7fba";
const NOVA = "http://192.168.18.100:8774";
const CINDER = "http://192.168.18.100:8776";
const GLANCE = "http://192.168.18.100:9292";
const SSH_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHcqpFj9KjvCUtJ5o5Xh0mz2dhIPLLTDgZ5qYqWm9kYh ann@example";

type Json = Record<string, unknown>;

const v11 = (name: string): Json =>
  JSON.parse(readFileSync(sharedPath("fixtures/libcloud/compute/openstack_v1.1", name), "utf8")) as Json;

/** libcloud's v3 token, its expiry moved an hour past now (the recording's lapsed in 2014). */
function token(): Json {
  const doc = JSON.parse(
    readFileSync(sharedPath("fixtures/libcloud/compute/openstack/_v3__auth.json"), "utf8"),
  ) as {
    token: Json;
  };
  doc.token.issued_at = new Date().toISOString();
  doc.token.expires_at = new Date(Date.now() + 3_600_000).toISOString();
  return doc;
}

interface Seen {
  method: string;
  url: URL;
  body: unknown;
  headers: Record<string, string>;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const ok = (body: unknown, status = 200): Answer => ({ status, body });
const none = (status: number): Answer => ({ status });

/** Written here: Nova's availability zones (no libcloud recording). */
const ZONES = {
  availabilityZoneInfo: [
    { zoneName: "nova", zoneState: { available: true }, hosts: null },
    { zoneName: "broken", zoneState: { available: false }, hosts: null },
  ],
};

function route(req: Seen): Answer | undefined {
  const { method: m, url } = req;
  const p = url.pathname;
  if (url.origin === KEYSTONE && m === "POST" && p === "/v3/auth/tokens") {
    return { status: 201, body: token(), headers: { "x-subject-token": "gAAAAAB-replayed-token" } };
  }
  if (url.origin === NOVA) {
    const path = p.replace(`/v2/${PROJECT}`, "");
    if (m === "GET" && path === "/servers/detail") {
      if (url.searchParams.get("name") !== null) return ok({ servers: [] });
      if (url.searchParams.get("marker") === "12064") return ok({ servers: [] });
      // The recording, with a next link added so the listing must follow the marker.
      return ok({
        ...v11("_servers_detail.json"),
        servers_links: [{ rel: "next", href: `${NOVA}/v2/${PROJECT}/servers/detail?limit=2&marker=12064` }],
      });
    }
    if (m === "GET" && path === "/servers/26f7fbee-8ce1-4c28-887a-bfe8e4bb10fe") {
      return ok(v11("_servers_26f7fbee_8ce1_4c28_887a_bfe8e4bb10fe.json"));
    }
    if (m === "GET" && path === "/servers/12064") return ok(v11("_servers_12064.json"));
    if (m === "GET" && path.startsWith("/servers/"))
      return ok({ itemNotFound: { message: "Instance could not be found", code: 404 } }, 404);
    if (m === "POST" && path === "/servers") return ok(v11("_servers_create.json"), 202);
    if (m === "POST" && /^\/servers\/[^/]+\/action$/.test(path)) {
      const body = req.body as Json;
      if ("createImage" in body) {
        return {
          status: 202,
          headers: { location: `${GLANCE}/v2/images/4949f9ee-2421-4c81-8b49-13119446008b` },
        };
      }
      return none(202);
    }
    if (m === "DELETE" && path.startsWith("/servers/") && !path.includes("os-volume")) return none(204);
    if (m === "POST" && /\/os-volume_attachments$/.test(path))
      return ok(v11("_servers_12065_os_volume_attachments.json"));
    if (m === "DELETE" && /\/os-volume_attachments\//.test(path)) return none(202);
    if (m === "GET" && path === "/flavors/detail") return ok(v11("_flavors_detail.json"));
    if (m === "GET" && path === "/os-availability-zone") return ok(ZONES);
    if (m === "GET" && path === "/os-keypairs") return ok(v11("_os_keypairs.json"));
    if (m === "GET" && path === "/os-keypairs/test-key-pair") return ok(v11("_os_keypairs_get_one.json"));
    if (m === "GET" && path.startsWith("/os-keypairs/")) return ok(v11("_os_keypairs_not_found.json"), 404);
    if (m === "POST" && path === "/os-keypairs") {
      const kp = (req.body as { keypair: Json }).keypair;
      return ok(v11(kp.public_key ? "_os_keypairs_create_import.json" : "_os_keypairs_create.json"));
    }
    if (m === "DELETE" && path.startsWith("/os-keypairs/")) return none(202);
  }
  if (url.origin === CINDER) {
    const path = p.replace(`/v2/${PROJECT}`, "");
    if (m === "GET" && path === "/volumes/detail") return ok(v11("_v2_0__volumes.json"));
    if (m === "GET" && path.startsWith("/volumes/")) return ok(v11("_v2_0__volume.json"));
    if (m === "POST" && path === "/volumes") return ok(v11("_v2_0__volume.json"), 202);
    if (m === "DELETE" && path.startsWith("/volumes/")) return none(202);
    if (m === "GET" && path === "/snapshots/detail") {
      return url.searchParams.get("marker") === "abcde279-4cc0-4b47-a4ee-ec9c9e474b1b"
        ? ok(v11("_v2_0__snapshots.json"))
        : ok(v11("_v2_0__snapshots_paginate_start.json"));
    }
    if (m === "POST" && path === "/snapshots") return ok(v11("_v2_0__snapshot.json"), 202);
    if (m === "DELETE" && path.startsWith("/snapshots/")) return none(202);
  }
  if (url.origin === GLANCE) {
    if (m === "GET" && p === "/v2/images") {
      return url.searchParams.get("marker") ? ok(v11("_images_v2_page2.json")) : ok(v11("_images_v2.json"));
    }
    if (m === "GET" && p === "/v2/images/f24a3c1b-d52a-4116-91da-25b3eee8f55e") {
      return ok(v11("_images_f24a3c1b-d52a-4116-91da-25b3eee8f55e.json"));
    }
    if (m === "GET" && p.startsWith("/v2/images/")) {
      return { status: 404, body: "404 Not Found\n\nNo image found with ID x\n\n" };
    }
    if (m === "DELETE" && p.startsWith("/v2/images/")) return none(204);
  }
  return undefined;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describeShared("openstack compute (Keystone, Nova, Cinder, Glance) replayed from libcloud's fixtures", () => {
  let agent: MockAgent;
  const seen: Seen[] = [];
  const unrouted: string[] = [];
  const once: { when: (r: Seen) => boolean; answer: Answer }[] = [];
  let compute: Compute<OpenStackCompute>;

  const since = (from: number, method: string, path: RegExp): Seen[] =>
    seen.slice(from).filter((s) => s.method === method && path.test(s.url.pathname));

  beforeAll(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    for (const origin of [KEYSTONE, NOVA, CINDER, GLANCE]) {
      agent
        .get(origin)
        .intercept({ path: () => true, method: () => true })
        .reply((opts) => {
          const raw = typeof opts.body === "string" ? opts.body : undefined;
          const req: Seen = {
            method: opts.method,
            url: new URL(opts.path, origin),
            body: raw ? (JSON.parse(raw) as unknown) : undefined,
            headers: headerRecord(opts.headers),
          };
          seen.push(req);
          const i = once.findIndex((o) => o.when(req));
          const answer = i >= 0 ? once.splice(i, 1)[0]!.answer : route(req);
          if (!answer) unrouted.push(`${req.method} ${req.url.href}`);
          const given = answer ?? { status: 500, body: { computeFault: { message: "unrouted", code: 500 } } };
          const data =
            given.body === undefined
              ? ""
              : typeof given.body === "string"
                ? given.body
                : JSON.stringify(given.body);
          return {
            statusCode: given.status,
            data,
            responseOptions: {
              headers: {
                "content-type": typeof given.body === "string" ? "text/plain" : "application/json",
                "x-openstack-request-id": "req-replayed",
                ...given.headers,
              },
            },
          };
        })
        .persist();
    }
  });

  beforeEach(async () => {
    compute = await openCompute<OpenStackCompute>("openstack", {
      authUrl: `${KEYSTONE}/v3`,
      auth: { method: "password", user: { name: "admin", domain: { name: "Default" } }, password: "s3cret" },
      scope: { project: { name: "admin", domain: { name: "Default" } } },
      region: "regionOne",
      transport: { dispatcher: agent, retry: false },
    });
  });

  afterAll(async () => {
    await compute?.close();
    await agent?.close();
  });

  describe("Keystone and the catalog", () => {
    it("takes a token once and sends it to every service found in the catalog", async () => {
      const from = seen.length;
      await collect(compute.listSizes());
      await collect(compute.listVolumes());
      await collect(compute.listImages());
      const tokens = since(from, "POST", /\/v3\/auth\/tokens$/);
      expect(tokens).toHaveLength(1);
      const body = tokens[0]!.body as { auth: { identity: { methods: string[] } } };
      expect(body.auth.identity.methods).toEqual(["password"]);
      const os = compute.as<OpenStackCompute>("openstack");
      expect(await os.endpoint("compute")).toBe(`${NOVA}/v2/${PROJECT}`);
      // The catalog has volume (v1) and volumev2: the newer one is used.
      expect(await os.endpoint("volume")).toBe(`${CINDER}/v2/${PROJECT}`);
      for (const s of seen.slice(from).filter((r) => r.url.origin !== KEYSTONE)) {
        expect(s.headers["x-auth-token"]).toBe("gAAAAAB-replayed-token");
      }
    });

    it("fetches a new token after a 401 and repeats the call once", async () => {
      const from = seen.length;
      await collect(compute.listSizes());
      once.push({
        when: (r) => r.url.pathname.endsWith("/flavors/detail"),
        answer: ok({ error: { code: 401, title: "Unauthorized", message: "expired" } }, 401),
      });
      await collect(compute.listSizes());
      expect(since(from, "POST", /\/v3\/auth\/tokens$/)).toHaveLength(2);
    });
  });

  describe("Nova", () => {
    it("lists servers across marker pages, with states, addresses and flavors", async () => {
      const from = seen.length;
      const nodes = await collect(compute.listNodes());
      expect(nodes.map((n) => [n.id, n.state, n.providerState])).toEqual([
        ["12065", "pending", "BUILD (spawning)"],
        ["12064", "running", "ACTIVE (spawning)"],
      ]);
      const pages = since(from, "GET", /\/servers\/detail$/);
      expect(pages[0]!.url.searchParams.get("limit")).toBe("1000");
      expect(pages[1]!.url.searchParams.get("marker")).toBe("12064");
      expect(nodes[0]).toMatchObject({ name: "lc-test-2", sizeId: "2" });
      // Floating addresses and routable fixed ones are public; private ranges are private.
      expect(nodes[0]!.publicIps.sort()).toEqual(
        [
          "12.16.18.28",
          "172.16.1.1",
          "192.168.3.3",
          "1.1.1.1",
          "2.2.2.2",
          "50.57.94.35",
          "2001:4801:7808:52:16:3eff:fe47:788a",
        ].sort(),
      );
      expect(nodes[0]!.privateIps.sort()).toEqual(
        ["10.182.64.34", "10.3.3.3", "fec0:4801:7808:52:16:3eff:fe60:187d"].sort(),
      );
      expect(nodes[0]!.extra.networks.mynetwork).toEqual(["12.16.18.28"]);
    });

    it("gets a server, and NotFound (with Nova's message and request id) for an unknown one", async () => {
      expect((await compute.getNode("12064")).state).toBe("running");
      const err = (await compute.getNode("nope").catch((e: unknown) => e)) as OmnicloudError;
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.code).toBe("itemNotFound");
      expect(err.message).toContain("Instance could not be found");
      expect(err.requestId).toBe("req-replayed");
    });

    it("creates through the portable API: token in metadata, checked by name first, then read back", async () => {
      const from = seen.length;
      const node = await compute.createNode({
        name: "racktest",
        size: "1",
        image: "f24a3c1b-d52a-4116-91da-25b3eee8f55e",
        location: "nova",
        auth: { keyPair: "devstack" },
        userData: "#!/bin/sh\n",
        tags: { team: "a" },
        clientToken: "tok-1",
        extras: { networks: ["net-1"], securityGroups: ["default"] },
      });
      expect(node).toMatchObject({
        id: "26f7fbee-8ce1-4c28-887a-bfe8e4bb10fe",
        name: "racktest",
        state: "pending",
      });
      expect(node.extra.adminPass).toBe("racktestvJq7d3");
      const lookup = since(from, "GET", /\/servers\/detail$/)[0]!;
      expect(lookup.url.searchParams.get("name")).toBe("^racktest$");
      const server = (since(from, "POST", /\/servers$/)[0]!.body as { server: Json }).server;
      expect(server).toEqual({
        name: "racktest",
        imageRef: "f24a3c1b-d52a-4116-91da-25b3eee8f55e",
        flavorRef: "1",
        metadata: { team: "a", "omnicloud-client-token": tokenHash("tok-1") },
        key_name: "devstack",
        user_data: Buffer.from("#!/bin/sh\n").toString("base64"),
        availability_zone: "nova",
        networks: [{ uuid: "net-1" }],
        security_groups: [{ name: "default" }],
      });
    });

    it("returns the server a repeated client token made, without a second POST", async () => {
      const from = seen.length;
      const detail = v11("_servers_detail.json") as { servers: Json[] };
      const mine = {
        ...detail.servers[1]!,
        name: "again",
        metadata: { "omnicloud-client-token": tokenHash("tok-2") },
      };
      once.push({
        when: (r) => r.url.searchParams.get("name") === "^again$",
        answer: ok({ servers: [mine] }),
      });
      const node = await compute.createNode({
        name: "again",
        size: "1",
        image: "f24a3c1b-d52a-4116-91da-25b3eee8f55e",
        clientToken: "tok-2",
      });
      expect(node.id).toBe("12064");
      expect(node.tags).toEqual({});
      expect(since(from, "POST", /\/servers$/)).toEqual([]);
    });

    it("runs reboot (soft, hard), start, stop and delete as Nova actions", async () => {
      const from = seen.length;
      await compute.rebootNode("12064");
      await compute.rebootNode("12064", { force: true });
      await compute.stopNode("12064");
      await compute.startNode("12064");
      await compute.destroyNode("12064");
      expect(since(from, "POST", /\/action$/).map((s) => s.body)).toEqual([
        { reboot: { type: "SOFT" } },
        { reboot: { type: "HARD" } },
        { "os-stop": null },
        { "os-start": null },
      ]);
      expect(since(from, "DELETE", /\/servers\/12064$/)).toHaveLength(1);
    });

    it("maps Nova's error documents: a state conflict, a taken name, a refusal", async () => {
      const cases: [Answer, abstract new (...args: never[]) => OmnicloudError][] = [
        [
          ok(
            {
              conflictingRequest: {
                message: "Cannot 'reboot' instance while it is in vm_state stopped",
                code: 409,
              },
            },
            409,
          ),
          InvalidInputError,
        ],
        [
          ok({ conflictingRequest: { message: "Key pair 'k' already exists.", code: 409 } }, 409),
          AlreadyExistsError,
        ],
        [
          ok(
            { forbidden: { message: "Policy doesn't allow os_compute_api:servers:reboot", code: 403 } },
            403,
          ),
          PermissionError,
        ],
      ];
      for (const [answer, type] of cases) {
        once.push({ when: (r) => r.url.pathname.endsWith("/action"), answer });
        const err = await compute.rebootNode("12064").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(type);
      }
    });

    it("lists flavors as sizes and zones as locations (unavailable ones left out)", async () => {
      const sizes = await collect(compute.listSizes());
      expect(sizes.length).toBeGreaterThan(1);
      expect(sizes[0]).toMatchObject({
        id: "7",
        name: "15.5GB slice",
        vcpus: 8,
        ramMiB: 16384,
        diskGiB: 620,
        price: undefined,
      });
      expect((await collect(compute.listLocations())).map((l) => l.id)).toEqual(["nova"]);
    });

    it("lists, gets, creates, imports and deletes key pairs", async () => {
      const from = seen.length;
      const keys = await collect(compute.listKeyPairs());
      expect(keys.map((k) => k.name)).toEqual(["key1", "key2"]);
      expect((await compute.getKeyPair("test-key-pair")).publicKey).toMatch(/^ssh-rsa /);
      await expect(compute.getKeyPair("nobody")).rejects.toBeInstanceOf(NotFoundError);
      const made = await compute.createKeyPair("key0");
      expect(made.privateKey).toContain("BEGIN RSA PRIVATE KEY");
      const imported = await compute.importKeyPair("key3", SSH_KEY);
      expect(imported.name).toBe("key3");
      expect(since(from, "POST", /\/os-keypairs$/).map((s) => s.body)).toEqual([
        { keypair: { name: "key0" } },
        { keypair: { name: "key3", public_key: SSH_KEY } },
      ]);
      await compute.deleteKeyPair("key3");
    });

    it("snapshots a server into a Glance image (id from the Location header)", async () => {
      const image = await compute.createImage("12064", { name: "snap" });
      expect(image).toMatchObject({
        id: "4949f9ee-2421-4c81-8b49-13119446008b",
        name: "snap",
        status: "pending",
      });
    });
  });

  describe("Cinder", () => {
    it("lists, gets, creates (with zone and snapshot), attaches through Nova, detaches and deletes volumes", async () => {
      const from = seen.length;
      const volumes = await collect(compute.listVolumes());
      expect(volumes[0]).toMatchObject({
        id: "6edbc2f4-1507-44f8-ac0d-eed1d2608d38",
        state: "in-use",
        attachedTo: "f4fda93b-06e0-4743-8117-bc8bcecd651b",
        device: "/dev/vdb",
        locationId: "nova",
      });
      const made = await compute.createVolume({
        name: "test",
        sizeGiB: 1,
        location: "nova",
        snapshot: "snap-1",
      });
      expect(made).toMatchObject({
        id: "cd76a3a1-c4ce-40f6-9b9f-07a61508938d",
        name: "test",
        state: "available",
      });
      expect(since(from, "POST", /\/volumes$/)[0]!.body).toEqual({
        volume: { name: "test", size: 1, availability_zone: "nova", snapshot_id: "snap-1" },
      });
      await compute.attachVolume(made, "12065", { device: "/dev/vdb" });
      expect(since(from, "POST", /os-volume_attachments$/)[0]!.body).toEqual({
        volumeAttachment: { volumeId: made.id, device: "/dev/vdb" },
      });
      once.push({
        when: (r) => r.method === "GET" && r.url.pathname.endsWith(`/volumes/${made.id}`),
        answer: ok({
          volume: {
            ...(v11("_v2_0__volume.json").volume as Json),
            status: "in-use",
            attachments: [{ server_id: "12065", device: "/dev/vdb" }],
          },
        }),
      });
      await compute.detachVolume(made);
      expect(since(from, "DELETE", /\/servers\/12065\/os-volume_attachments\//)).toHaveLength(1);
      await compute.destroyVolume(made);
    });

    it("lists snapshots across pages (of one volume too), creates and deletes one", async () => {
      const from = seen.length;
      const all = await collect(compute.listSnapshots());
      expect(all.length).toBeGreaterThan(2);
      expect(since(from, "GET", /\/snapshots\/detail$/)[1]!.url.searchParams.get("marker")).toBe(
        "abcde279-4cc0-4b47-a4ee-ec9c9e474b1b",
      );
      const one = await collect(compute.listSnapshots({ volume: "373f7b48-c4c1-4e70-9acc-086b39073506" }));
      expect(one.map((s) => s.name)).toEqual(["snap-001", "test-volume-snapshot"]);
      const made = await compute.createSnapshot("5aa119a8-d25b-45a7-8d1b-88e127885635", { name: "test" });
      expect(made).toMatchObject({
        id: "3fbbcccf-d058-4502-8844-6feeffdf4cb5",
        state: "available",
        sizeGiB: 1,
      });
      expect(since(from, "POST", /\/snapshots$/)[0]!.body).toEqual({
        snapshot: { volume_id: "5aa119a8-d25b-45a7-8d1b-88e127885635", name: "test", force: false },
      });
      await compute.destroySnapshot(made);
    });
  });

  describe("Glance (recorded answers)", () => {
    it("lists images across Glance's next links, gets one, and reads Glance's text errors", async () => {
      const images = await collect(compute.listImages());
      expect(images.map((i) => i.id)).toEqual([
        "f24a3c1b-d52a-4116-91da-25b3eee8f55e",
        "4bd743f8-7e7d-4568-8f31-b3f06b90e70a",
        "f24a3c1b-d52a-4116-91da-25b3eee8f55c",
      ]);
      expect(images[0]).toMatchObject({
        name: "hypernode",
        status: "available",
        minDiskGiB: 40,
        os: "ubuntu",
      });
      const missing = (await compute
        .as<OpenStackCompute>("openstack")
        .getImage("x", undefined)
        .catch((e: unknown) => e)) as OmnicloudError;
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing.message).toContain("No image found with ID x");
    });
  });

  it("answered every request from a recording or a written answer, and reached no real address", () => {
    expect(unrouted).toEqual([]);
  });
});
