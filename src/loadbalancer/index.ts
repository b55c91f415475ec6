// omnicloud/loadbalancer: the portable loadbalancer API. Its model and providers land with the loadbalancer issue; until then
// this entry opens third-party loadbalancer providers registered through registerProvider().
import { openProvider } from "../core/registry.js";
import "../providers/builtin.js";

/** Open a registered loadbalancer provider by name; the driver module is imported on first use. */
export function openLoadBalancer<TDriver>(provider: string, options: object = {}): Promise<TDriver> {
  return openProvider<TDriver, object>("loadbalancer", provider, options);
}
