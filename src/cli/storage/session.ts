import type { FlagValues } from "../command-spec.js";
import { chooseProfile } from "../config/profiles.js";
import type { Cli } from "../context.js";
import { StoreOpener } from "./open-store.js";

/** Run a storage command with its stores, closing every store it opened however it ends. */
export async function withStores<T>(
  cli: Cli,
  values: FlagValues,
  run: (opener: StoreOpener) => Promise<T>,
): Promise<T> {
  const opener = new StoreOpener(cli, values, await chooseProfile(cli, "storage"));
  try {
    return await run(opener);
  } finally {
    await opener.closeAll();
  }
}
