/**
 * Keystone catalog selection: by type, name, region and interface; every miss a NotFoundError that says
 * what the catalog has, every ambiguity an InvalidInputError that says what to add.
 */
import { describe, expect, it } from "vitest";
import { InvalidInputError, NotFoundError, ProviderError } from "../../src/core/errors.js";
import {
  type CatalogService,
  describeCatalog,
  type EndpointQuery,
  parseCatalog,
  selectEndpoint,
} from "../../src/providers/openstack/catalog.js";

/** The shape Keystone returns in token.catalog, two regions, two compute services, some junk. */
const RAW = [
  {
    id: "s1",
    type: "identity",
    name: "keystone",
    endpoints: [
      {
        id: "e1",
        interface: "public",
        region_id: "RegionOne",
        region: "RegionOne",
        url: "https://id.one/v3",
      },
      { id: "e2", interface: "internal", region_id: "RegionOne", url: "http://id.one.internal/v3" },
      { id: "e3", interface: "admin", region: "RegionOne", url: "http://id.one.admin/v3" },
    ],
  },
  {
    id: "s2",
    type: "compute",
    name: "nova",
    endpoints: [
      { interface: "public", region_id: "RegionOne", url: "https://nova.one/v2.1" },
      { interface: "public", region_id: "RegionTwo", url: "https://nova.two/v2.1" },
      { interface: "internal", region_id: "RegionTwo", url: "http://nova.two.internal/v2.1" },
    ],
  },
  {
    id: "s3",
    type: "compute",
    name: "nova_legacy",
    endpoints: [{ interface: "public", region_id: "RegionOne", url: "https://nova.one/v2" }],
  },
  { id: "s4", type: "image", name: "glance", endpoints: [{ interface: "public", url: "https://glance/" }] },
  { id: "junk-no-type", endpoints: [] },
  "not an object",
  { type: "object-store", endpoints: [{ interface: "public" }, null, { url: "https://no-interface" }] },
];

const catalog = parseCatalog(RAW);
const pick = (q: EndpointQuery): string => selectEndpoint(catalog, q).url;
const fail = (q: EndpointQuery, services: readonly CatalogService[] = catalog): Error => {
  try {
    selectEndpoint(services, q);
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected selectEndpoint to fail");
};

describe("parseCatalog", () => {
  it("reads services and endpoints, region from region_id or the deprecated region", () => {
    expect(catalog.map((s) => s.type)).toEqual(["identity", "compute", "compute", "image", "object-store"]);
    expect(catalog[0]!.endpoints.map((e) => e.region)).toEqual(["RegionOne", "RegionOne", "RegionOne"]);
    expect(catalog[0]!.endpoints[0]).toEqual({
      id: "e1",
      interface: "public",
      region: "RegionOne",
      url: "https://id.one/v3",
    });
    expect(catalog[3]!.endpoints[0]!.region).toBeUndefined();
  });

  it("drops endpoints without a url or interface instead of failing the token", () => {
    expect(catalog[4]!.endpoints).toEqual([]);
  });

  it("treats a missing catalog as empty and refuses a catalog that is not a list", () => {
    expect(parseCatalog(undefined)).toEqual([]);
    expect(parseCatalog(null)).toEqual([]);
    expect(() => parseCatalog({ type: "identity" })).toThrow(ProviderError);
  });
});

describe("selectEndpoint", () => {
  it("picks the public endpoint by default", () => {
    expect(pick({ type: "identity" })).toBe("https://id.one/v3");
  });

  it("picks by interface, accepting the clouds.yaml spellings", () => {
    expect(pick({ type: "identity", interface: "internal" })).toBe("http://id.one.internal/v3");
    expect(pick({ type: "identity", interface: "adminURL" })).toBe("http://id.one.admin/v3");
  });

  it("picks by region", () => {
    expect(pick({ type: "compute", region: "RegionTwo" })).toBe("https://nova.two/v2.1");
    expect(pick({ type: "compute", region: "RegionTwo", interface: "internal" })).toBe(
      "http://nova.two.internal/v2.1",
    );
  });

  it("picks by service name when two services share a type", () => {
    expect(pick({ type: "compute", name: "nova_legacy" })).toBe("https://nova.one/v2");
    expect(pick({ type: "compute", name: "nova", region: "RegionOne" })).toBe("https://nova.one/v2.1");
  });

  it("needs a region when a service is in several", () => {
    const err = fail({ type: "compute", name: "nova" });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toContain("RegionOne, RegionTwo");
    expect(err.message).toContain("pass a region");
  });

  it("needs a name when two services of one type answer in one region", () => {
    const err = fail({ type: "compute", region: "RegionOne" });
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toContain("https://nova.one/v2.1");
    expect(err.message).toContain("https://nova.one/v2");
    expect(err.message).toContain("nova, nova_legacy");
  });

  it("does not call identical URLs ambiguous", () => {
    const twin = parseCatalog([
      { type: "dns", name: "a", endpoints: [{ interface: "public", region_id: "R", url: "https://dns/" }] },
      { type: "dns", name: "b", endpoints: [{ interface: "public", region_id: "R", url: "https://dns/" }] },
    ]);
    expect(selectEndpoint(twin, { type: "dns" }).url).toBe("https://dns/");
  });

  it("lists the catalog when the type is missing, and suggests a near miss", () => {
    const err = fail({ type: "volumev3" });
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain("identity (keystone): public, internal, admin in RegionOne");
    expect(err.message).toContain("compute (nova): public in RegionOne; public, internal in RegionTwo");
    const typo = fail({ type: "compte" });
    expect(typo.message).toContain('Did you mean "compute"?');
  });

  it("says an empty catalog means an unscoped token", () => {
    const err = fail({ type: "identity" }, []);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain("it has: nothing");
    expect(err.message).toContain("scope the token to a project");
  });

  it("lists the interfaces a service does have", () => {
    const err = fail({ type: "image", interface: "internal" });
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain("has no internal endpoint; its interfaces are: public");
  });

  it("lists the regions a service is in, and suggests a near miss", () => {
    const err = fail({ type: "compute", name: "nova", region: "RegionTow" });
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toContain("in region RegionTow; it has one in: RegionOne, RegionTwo");
    expect(err.message).toContain('Did you mean "RegionTwo"?');
  });

  it("describes endpoints without a region", () => {
    expect(describeCatalog(parseCatalog([RAW[3]]))).toBe("image (glance): public in no region");
  });
});
