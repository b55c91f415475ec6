import { openProvider } from "../core/registry.js";
import "../providers/builtin.js";
import type { StorageDriver } from "./driver.js";
import { Storage } from "./storage.js";

/**
 * Open a storage provider by name: `openStorage("local", { root: "./data" })`. The provider's driver
 * module is imported now, on first use, not when omnicloud is imported.
 */
export async function openStorage<D extends StorageDriver = StorageDriver>(
  provider: string,
  options: object = {},
): Promise<Storage<D>> {
  const driver = await openProvider<D, object>("storage", provider, options);
  return new Storage(driver);
}
