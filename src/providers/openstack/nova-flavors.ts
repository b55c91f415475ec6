/**
 * Nova's flavors (the portable sizes, `/flavors/detail` in limit and marker pages) and availability zones
 * (the portable locations, `/os-availability-zone`).
 */
import type { Location, Size } from "../../compute/types.js";
import { type Paginated, paginateByToken } from "../../core/pagination.js";
import { markerOf, nextLink, type OpenStackContext } from "./compute-context.js";
import { parseFlavor, parseZone } from "./nova-parse.js";

export function listFlavors(ctx: OpenStackContext, signal: AbortSignal | undefined): Paginated<Size, string> {
  return paginateByToken<Size>({
    what: `${ctx.provider} flavors`,
    provider: ctx.provider,
    signal,
    fetch: async (marker, request) => {
      const { doc } = await ctx.call("compute", "GET", "/flavors/detail", "flavors_detail", {
        query: { limit: request.pageSize ?? 1000, marker },
        signal: request.signal,
      });
      return {
        items: doc.list("flavors").map((f) => parseFlavor(f, ctx.provider)),
        nextToken: markerOf(nextLink(doc, "flavors_links")),
      };
    },
  });
}

/** The zones servers can be placed in; zones Nova reports unavailable are left out. */
export async function* listZones(
  ctx: OpenStackContext,
  signal: AbortSignal | undefined,
): AsyncIterable<Location> {
  const { doc } = await ctx.call("compute", "GET", "/os-availability-zone", "availability_zones", { signal });
  for (const zone of doc.list("availabilityZoneInfo")) {
    if (zone.optBool("zoneState.available") === false) continue;
    yield parseZone(zone, ctx.provider);
  }
}
