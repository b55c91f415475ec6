// omnicloud/dns: the portable dns API. Its model and providers land with the dns issue; until then
// this entry opens third-party dns providers registered through registerProvider().
import { openProvider } from "../core/registry.js";
import "../providers/builtin.js";

/** Open a registered dns provider by name; the driver module is imported on first use. */
export function openDns<TDriver>(provider: string, options: object = {}): Promise<TDriver> {
  return openProvider<TDriver, object>("dns", provider, options);
}
