import { UsageError } from "../usage-error.js";
import type { Endpoint } from "./open-store.js";

/** The container and key of a URL that must name one object (not a container, not a "folder/"). */
export function objectOf(endpoint: Endpoint, verb: string): { container: string; key: string } {
  if (endpoint.container === undefined || endpoint.key === "" || endpoint.key.endsWith("/")) {
    throw new UsageError(
      `storage ${verb} needs an object URL such as s3://bucket/key, not ${endpoint.label}`,
    );
  }
  return { container: endpoint.container, key: endpoint.key };
}
