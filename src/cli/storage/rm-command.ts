import { isOmnicloudError } from "../../core/errors.js";
import type { Storage } from "../../storage/storage.js";
import { type CommandRun, expectArgs, flagBool } from "../command-spec.js";
import { human, say } from "../context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { printResult } from "../output.js";
import { UsageError } from "../usage-error.js";
import { objectOf } from "./object-of.js";
import { withStores } from "./session.js";
import { parseLocation, requireUrl } from "./storage-url.js";

/** Names of the objects under a prefix, read lazily so a huge prefix is deleted in batches as it lists. */
async function* namesUnder(
  store: Storage,
  container: string,
  prefix: string,
  signal: AbortSignal,
): AsyncIterable<string> {
  for await (const entry of store.list(container, { ...(prefix ? { prefix } : {}), signal })) {
    if (entry.kind === "object") yield entry.name;
  }
}

/**
 * `storage rm <url>... [-r] [-f]`. Clouds answer "deleted" for names that never existed; like rm(1) we
 * check first and say "not found" (exit 3), unless -f. With -r everything under each prefix goes, in
 * batches where the provider has a batch delete.
 */
export const rmCommand: CommandRun = async (cli, invocation) => {
  const texts = expectArgs(invocation, 1, Number.MAX_SAFE_INTEGER, "storage rm <url>... [-r] [-f]");
  const recursive = flagBool(invocation.values, "recursive");
  const force = flagBool(invocation.values, "force");
  return withStores(cli, invocation.values, async (opener) => {
    const endpoints = [];
    for (const text of texts)
      endpoints.push(await opener.resolve(requireUrl(parseLocation(text), text, "storage rm's argument")));
    opener.checkFlagsUsed();
    const deleted: string[] = [];
    const failed: Array<{ name: string; error: string }> = [];
    let firstError: unknown;
    // Like rm(1), a name that does not exist is an error (exit 3) unless -f; all are checked before any
    // is deleted, so a typo in the last argument does not leave the first ones half done.
    if (!recursive && !force) {
      for (const endpoint of endpoints) {
        const { container, key } = objectOf(endpoint, "rm");
        await endpoint.store.stat(container, key, { signal: cli.signal });
      }
    }
    for (const endpoint of endpoints) {
      if (recursive) {
        if (endpoint.container === undefined) {
          throw new UsageError(`storage rm -r needs at least a container: ${endpoint.label}`);
        }
        const result = await endpoint.store.deleteMany(
          endpoint.container,
          namesUnder(endpoint.store, endpoint.container, endpoint.key, cli.signal),
          { signal: cli.signal },
        );
        for (const name of result.deleted) deleted.push(`${endpoint.container}/${name}`);
        for (const f of result.failed) {
          firstError ??= f.error;
          failed.push({ name: `${endpoint.container}/${f.name}`, error: f.error.message });
        }
        continue;
      }
      const { container, key } = objectOf(endpoint, "rm");
      await endpoint.store.delete(container, key, { signal: cli.signal });
      deleted.push(`${container}/${key}`);
    }
    printResult(cli, { deleted, failed }, () => [
      ...deleted.map((name) => `deleted ${name}`),
      ...failed.map((f) => `FAILED ${f.name}: ${f.error}`),
    ]);
    if (failed.length > 0) {
      if (human(cli))
        say(cli, `${failed.length} of ${deleted.length + failed.length} objects could not be deleted`);
      return isOmnicloudError(firstError) ? EXIT_CODES[firstError.kind] : EXIT_CODES.Internal;
    }
    return 0;
  });
};
