/**
 * The openstack compute provider's images on a REAL Glance (Debian's glance-api) behind a REAL Keystone,
 * through the portable Compute API: the driver authenticates against Keystone, finds Glance in the token's
 * catalog, and lists, gets, uploads (the openstack extra) and deletes images. Nova and Cinder are not
 * installed here (they are replayed in test/replay/openstack-compute-replay.test.ts), so the portable
 * suite's node-dependent sections cannot run; what needs Nova must fail with a typed error that says so.
 */
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Compute } from "../../src/compute/compute.js";
import { UnsupportedOperationError } from "../../src/compute/errors.js";
import { openCompute } from "../../src/compute/open.js";
import { AuthError, InvalidInputError, NotFoundError } from "../../src/core/errors.js";
import type { OpenStackCompute } from "../../src/providers/openstack/compute.js";
import { describeGlance } from "../support/glance.js";

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describeGlance("compute conformance: openstack images on a real Glance", (env) => {
  let compute: Compute<OpenStackCompute>;
  let os: OpenStackCompute;
  const prefix = `oc-${process.pid}`;
  const made: string[] = [];

  beforeAll(async () => {
    const { keystone } = env();
    compute = await openCompute<OpenStackCompute>("openstack", {
      authUrl: keystone.authUrl,
      auth: {
        method: "password",
        user: { name: keystone.admin.user, domain: { name: keystone.admin.domain } },
        password: keystone.admin.password,
      },
      scope: { project: { name: keystone.admin.project, domain: { name: keystone.admin.domain } } },
      region: keystone.region,
      // uwsgi (Keystone) closes idle keep-alive connections silently; retries cover the reset.
      transport: { retry: { maxAttempts: 3, baseDelayMs: 20 } },
    });
    os = compute.as<OpenStackCompute>("openstack");
  });

  afterAll(async () => {
    for (const id of made) await compute?.deleteImage(id).catch(() => undefined);
    await compute?.close();
  });

  it("finds Glance in the Keystone catalog", async () => {
    expect(await os.endpoint("image")).toBe(env().glance.url);
  });

  it("uploads an image's bytes, which Glance stores whole (its MD5 checksum matches)", async () => {
    const data = Buffer.alloc(256 * 1024, 7);
    const image = await os.uploadImage({ name: `${prefix}-raw`, data, diskFormat: "raw", tags: ["suite"] });
    made.push(image.id);
    expect(image).toMatchObject({
      provider: "openstack",
      name: `${prefix}-raw`,
      status: "available",
      sizeBytes: data.length,
    });
    expect(image.checksum).toBe(createHash("md5").update(data).digest("hex"));
    expect(image.tags).toEqual(["suite"]);
  });

  it("uploads from a file on disk (streamed) as qcow2-tagged data", async () => {
    const path = join(env().glance.stateDir, "upload.img");
    await writeFile(path, Buffer.alloc(64 * 1024, 1));
    const image = await os.uploadImage({
      name: `${prefix}-file`,
      data: { kind: "file", path },
      diskFormat: "qcow2",
    });
    made.push(image.id);
    expect(image.diskFormat).toBe("qcow2");
    expect(image.sizeBytes).toBe(64 * 1024);
  });

  it("lists images through the portable API and gets one by id and by name", async () => {
    const images = await collect(compute.listImages());
    const names = images.map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining([`${prefix}-raw`, `${prefix}-file`]));
    const byName = await compute.getImage(`${prefix}-raw`);
    expect(byName.status).toBe("available");
    expect((await compute.getImage(byName.id)).name).toBe(`${prefix}-raw`);
  });

  it("follows Glance's next links page by page", async () => {
    const third = await os.uploadImage({ name: `${prefix}-third`, data: Buffer.from("x") });
    made.push(third.id);
    const paged = await collect(os.listImagesWhere({ status: "active" }, { pageSize: 1 }));
    const whole = await collect(compute.listImages());
    expect(paged.map((i) => i.id).sort()).toEqual(
      whole
        .filter((i) => i.status === "available")
        .map((i) => i.id)
        .sort(),
    );
    expect(paged.length).toBeGreaterThanOrEqual(3);
  });

  it("names the closest images for a typo, and says NotFound for an unknown id", async () => {
    const err = await compute.getImage(`${prefix}-rawx`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain(`"${prefix}-raw"`);
    const missing = await os
      .getImage("00000000-0000-0000-0000-000000000000", undefined)
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).status).toBe(404);
  });

  it("deletes images, after which they are gone", async () => {
    const id = made.shift()!;
    await compute.deleteImage(id);
    expect((await collect(compute.listImages())).some((i) => i.id === id)).toBe(false);
    await expect(compute.deleteImage(id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("says what is missing when a service is not in the catalog (no Nova here)", async () => {
    const err = await collect(compute.listNodes()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/No service of type compute/);
    expect((err as Error).message).toContain("image");
  });

  it("declares what Glance cannot do through the portable API", async () => {
    expect(compute.capabilities).toMatchObject({ createImage: true, deleteImage: true, copyImage: false });
    await expect(compute.copyImage("x", { name: "y" })).rejects.toBeInstanceOf(UnsupportedOperationError);
  });

  it("refuses a wrong password with an AuthError naming the user", async () => {
    const { keystone } = env();
    const wrong = await openCompute("openstack", {
      authUrl: keystone.authUrl,
      auth: { method: "password", user: { name: "admin", domain: { name: "Default" } }, password: "wrong" },
      scope: { project: { name: "admin", domain: { name: "Default" } } },
    });
    const err = await collect(wrong.listImages()).catch((e: unknown) => e);
    await wrong.close();
    expect(err).toBeInstanceOf(AuthError);
  });
});
