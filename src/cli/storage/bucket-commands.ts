import { ProviderError } from "../../core/errors.js";
import { type CommandRun, expectArgs, flagBool } from "../command-spec.js";
import { printResult } from "../output.js";
import { UsageError } from "../usage-error.js";
import type { Endpoint } from "./open-store.js";
import { withStores } from "./session.js";
import { parseLocation, requireUrl } from "./storage-url.js";

function containerOf(endpoint: Endpoint, verb: string): string {
  if (endpoint.container === undefined || endpoint.key !== "") {
    throw new UsageError(`storage ${verb} takes a container URL such as s3://bucket, not ${endpoint.label}`);
  }
  return endpoint.container;
}

/** `storage mb <url>`: make a container (bucket). */
export const mbCommand: CommandRun = async (cli, invocation) => {
  const [text] = expectArgs(invocation, 1, 1, "storage mb <url>");
  return withStores(cli, invocation.values, async (opener) => {
    const endpoint = await opener.resolve(requireUrl(parseLocation(text!), text!, "storage mb's argument"));
    opener.checkFlagsUsed();
    const name = containerOf(endpoint, "mb");
    const info = await endpoint.store.createContainer(name, {
      ...(flagBool(invocation.values, "public") ? { acl: "public-read" as const } : {}),
      signal: cli.signal,
    });
    printResult(cli, { provider: endpoint.provider, ...info }, () => [`made ${endpoint.label}`]);
    return 0;
  });
};

/** `storage rb <url> [--force]`: remove a container; --force empties it first (objects and unfinished uploads). */
export const rbCommand: CommandRun = async (cli, invocation) => {
  const [text] = expectArgs(invocation, 1, 1, "storage rb <url> [--force]");
  return withStores(cli, invocation.values, async (opener) => {
    const endpoint = await opener.resolve(requireUrl(parseLocation(text!), text!, "storage rb's argument"));
    opener.checkFlagsUsed();
    const name = containerOf(endpoint, "rb");
    const force = flagBool(invocation.values, "force");
    try {
      await endpoint.store.deleteContainer(name, { force, signal: cli.signal });
    } catch (err) {
      // The portable layer's hint speaks API ("pass { force: true }"); on the command line it is a flag.
      if (err instanceof ProviderError && !force && /NotEmpty$/.test(err.code ?? "")) {
        throw new ProviderError(`Container ${endpoint.label} is not empty`, {
          provider: endpoint.provider,
          code: err.code,
          hint: "Add --force to delete its objects (and unfinished uploads) first",
        });
      }
      throw err;
    }
    printResult(cli, { provider: endpoint.provider, container: name, deleted: true }, () => [
      `removed ${endpoint.label}`,
    ]);
    return 0;
  });
};
