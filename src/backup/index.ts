// omnicloud/backup: the portable backup API. Its model and providers land with the backup issue; until then
// this entry opens third-party backup providers registered through registerProvider().
import { openProvider } from "../core/registry.js";
import "../providers/builtin.js";

/** Open a registered backup provider by name; the driver module is imported on first use. */
export function openBackup<TDriver>(provider: string, options: object = {}): Promise<TDriver> {
  return openProvider<TDriver, object>("backup", provider, options);
}
