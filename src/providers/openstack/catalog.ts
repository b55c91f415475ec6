/**
 * The service catalog a scoped Keystone token carries: which services exist, and their URLs per region and
 * interface. Pure functions, so selection is tested without a server and every miss explains itself.
 */

import { InvalidInputError, NotFoundError, ProviderError } from "../../core/errors.js";
import { closest } from "../../core/suggest.js";

/** Which network an endpoint is meant for; most users want "public". */
export type EndpointInterface = "public" | "internal" | "admin";

export interface CatalogEndpoint {
  readonly id?: string;
  readonly interface: string;
  /** `region_id`, or the deprecated `region` when only that is given. */
  readonly region?: string;
  readonly url: string;
}

export interface CatalogService {
  readonly id?: string;
  /** e.g. "identity", "compute", "image", "object-store". */
  readonly type: string;
  /** e.g. "keystone", "nova"; not unique and not always set. */
  readonly name?: string;
  readonly endpoints: readonly CatalogEndpoint[];
}

export interface EndpointQuery {
  /** Service type, e.g. "compute". */
  type: string;
  /** Service name, to choose between two services of one type. */
  name?: string;
  /** Region id; needed when the service is in several regions. */
  region?: string;
  /** Default "public". "publicURL" and the like (clouds.yaml spellings) are accepted too. */
  interface?: EndpointInterface | `${EndpointInterface}URL`;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * The catalog from a token body's `token.catalog`, or from `GET /v3/auth/catalog`'s `catalog`. Entries that
 * are not services or endpoints are dropped rather than failing the whole token.
 */
export function parseCatalog(raw: unknown): CatalogService[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new ProviderError("The Keystone catalog is not a list", { provider: "openstack" });
  }
  const services: CatalogService[] = [];
  for (const entry of raw as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const s = entry as Record<string, unknown>;
    const type = str(s.type);
    if (type === undefined) continue;
    const endpoints: CatalogEndpoint[] = [];
    for (const e of Array.isArray(s.endpoints) ? (s.endpoints as unknown[]) : []) {
      if (typeof e !== "object" || e === null) continue;
      const o = e as Record<string, unknown>;
      const url = str(o.url);
      const iface = str(o.interface);
      if (url === undefined || iface === undefined) continue;
      endpoints.push({ id: str(o.id), interface: iface, region: str(o.region_id) ?? str(o.region), url });
    }
    services.push({ id: str(s.id), type, name: str(s.name), endpoints });
  }
  return services;
}

/** "public", whatever the caller wrote ("publicURL", "Public"). */
function normalizeInterface(value: string | undefined): string {
  return (value ?? "public").toLowerCase().replace(/url$/, "");
}

/** One line per service, e.g. `identity (keystone): public, internal, admin in RegionOne`. */
export function describeCatalog(catalog: readonly CatalogService[]): string {
  if (catalog.length === 0) return "nothing";
  return catalog
    .map((s) => {
      const byRegion = new Map<string, string[]>();
      for (const e of s.endpoints) {
        const key = e.region ?? "no region";
        byRegion.set(key, [...(byRegion.get(key) ?? []), e.interface]);
      }
      const where = [...byRegion].map(([region, ifaces]) => `${ifaces.join(", ")} in ${region}`).join("; ");
      return `${s.type}${s.name ? ` (${s.name})` : ""}: ${where || "no endpoints"}`;
    })
    .join(" | ");
}

const regionsOf = (endpoints: readonly CatalogEndpoint[]): string[] => [
  ...new Set(endpoints.map((e) => e.region ?? "no region")),
];

/**
 * The one endpoint matching `query`. A miss is a NotFoundError listing what the catalog does have; a
 * query that matches several different URLs is an InvalidInputError saying what to add to choose.
 */
export function selectEndpoint(catalog: readonly CatalogService[], query: EndpointQuery): CatalogEndpoint {
  const iface = normalizeInterface(query.interface);
  const what = `${query.type}${query.name ? ` named "${query.name}"` : ""}`;
  const services = catalog.filter((s) => s.type === query.type && (!query.name || s.name === query.name));
  if (services.length === 0) {
    const typo = closest(query.type, new Set(catalog.map((s) => s.type)));
    throw new NotFoundError(
      `No service of type ${what} in the Keystone catalog; it has: ${describeCatalog(catalog)}`,
      {
        provider: "openstack",
        hint:
          catalog.length === 0
            ? "An unscoped token has no catalog: scope the token to a project"
            : typo && typo !== query.type
              ? `Did you mean "${typo}"?`
              : undefined,
      },
    );
  }
  const all = services.flatMap((s) => s.endpoints);
  const onInterface = all.filter((e) => normalizeInterface(e.interface) === iface);
  if (onInterface.length === 0) {
    const have = [...new Set(all.map((e) => e.interface))].join(", ") || "none";
    throw new NotFoundError(`Service ${what} has no ${iface} endpoint; its interfaces are: ${have}`, {
      provider: "openstack",
    });
  }
  let candidates = onInterface;
  if (query.region !== undefined) {
    candidates = onInterface.filter((e) => e.region === query.region);
    if (candidates.length === 0) {
      const regions = regionsOf(onInterface);
      const typo = closest(query.region, regions);
      throw new NotFoundError(
        `Service ${what} has no ${iface} endpoint in region ${query.region}; it has one in: ${regions.join(", ")}`,
        { provider: "openstack", hint: typo ? `Did you mean "${typo}"?` : undefined },
      );
    }
  } else if (regionsOf(onInterface).length > 1) {
    throw new InvalidInputError(
      `Service ${what} has ${iface} endpoints in several regions (${regionsOf(onInterface).join(", ")}); pass a region`,
      { provider: "openstack" },
    );
  }
  const urls = new Set(candidates.map((e) => e.url));
  if (urls.size > 1) {
    const names = services.map((s) => s.name ?? s.id ?? "unnamed").join(", ");
    throw new InvalidInputError(
      `${candidates.length} ${iface} endpoints of ${what} match${query.region ? ` in ${query.region}` : ""}: ${[...urls].join(", ")}; pass a service name (${names}) to choose`,
      { provider: "openstack" },
    );
  }
  return candidates[0]!;
}
