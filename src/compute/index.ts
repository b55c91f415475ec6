// omnicloud/compute: the portable compute API. Its model and providers land with the compute issue; until then
// this entry opens third-party compute providers registered through registerProvider().
import { openProvider } from "../core/registry.js";
import "../providers/builtin.js";

/** Open a registered compute provider by name; the driver module is imported on first use. */
export function openCompute<TDriver>(provider: string, options: object = {}): Promise<TDriver> {
  return openProvider<TDriver, object>("compute", provider, options);
}
