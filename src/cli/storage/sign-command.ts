import { type CommandRun, expectArgs, flagString } from "../command-spec.js";
import { parseDuration } from "../format.js";
import { printResult } from "../output.js";
import { UsageError } from "../usage-error.js";
import { objectOf } from "./object-of.js";
import { withStores } from "./session.js";
import { parseLocation, requireUrl } from "./storage-url.js";

/** `storage sign <url> [--expires 15m] [--method GET|PUT]`: a URL that works without credentials until it expires. */
export const signCommand: CommandRun = async (cli, invocation) => {
  const [text] = expectArgs(invocation, 1, 1, "storage sign <url> [--expires DURATION] [--method GET|PUT]");
  const expiresText = flagString(invocation.values, "expires") ?? "900";
  const expiresIn = parseDuration(expiresText);
  if (expiresIn === undefined)
    throw new UsageError(`--expires takes seconds or 15m, 12h, 7d; not "${expiresText}"`);
  const method = (flagString(invocation.values, "method") ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "PUT")
    throw new UsageError(`--method must be GET or PUT, not "${method}"`);
  const contentType = flagString(invocation.values, "content-type");
  return withStores(cli, invocation.values, async (opener) => {
    const endpoint = await opener.resolve(requireUrl(parseLocation(text!), text!, "storage sign's argument"));
    opener.checkFlagsUsed();
    const { container, key } = objectOf(endpoint, "sign");
    const url = await endpoint.store.signedUrl(container, key, {
      method,
      expiresIn,
      ...(contentType ? { contentType } : {}),
      signal: cli.signal,
    });
    const expires = new Date(Date.now() + expiresIn * 1000).toISOString();
    // The URL alone on stdout, so `curl "$(omnicloud storage sign …)"` works.
    printResult(cli, { url: url.toString(), method, expiresIn, expires }, () => [url.toString()]);
    return 0;
  });
};
