// omnicloud/container: the portable container API. Its model and providers land with the container issue; until then
// this entry opens third-party container providers registered through registerProvider().
import { openProvider } from "../core/registry.js";
import "../providers/builtin.js";

/** Open a registered container provider by name; the driver module is imported on first use. */
export function openContainer<TDriver>(provider: string, options: object = {}): Promise<TDriver> {
  return openProvider<TDriver, object>("container", provider, options);
}
