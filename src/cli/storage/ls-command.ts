import type { ContainerInfo, ListEntry } from "../../storage/types.js";
import { type CommandRun, expectArgs, flagBool, flagInt } from "../command-spec.js";
import { formatBytes, formatDate } from "../format.js";
import { printList } from "../output.js";
import { UsageError } from "../usage-error.js";
import type { Endpoint } from "./open-store.js";
import { withStores } from "./session.js";
import { parseLocation, requireUrl } from "./storage-url.js";

/**
 * `storage ls [url]`: containers for `scheme://`, else the entries whose names start with the URL's key,
 * one level deep ("PRE" rows for sub-prefixes) or, with -r, every object. Rows print as pages arrive.
 */
export const lsCommand: CommandRun = async (cli, invocation) => {
  const [text] = expectArgs(invocation, 0, 1, "storage ls [<url>]");
  const limit = flagInt(invocation.values, "limit", 1, Number.MAX_SAFE_INTEGER);
  const recursive = flagBool(invocation.values, "recursive");
  const long = flagBool(invocation.values, "long");
  return withStores(cli, invocation.values, async (opener) => {
    let endpoint: Endpoint | undefined;
    if (text === undefined) {
      endpoint = await opener.profileStore();
      if (!endpoint)
        throw new UsageError(
          "storage ls needs a URL, e.g. s3://bucket/ or local://",
          "Or choose a profile with --profile",
        );
    } else {
      endpoint = await opener.resolve(requireUrl(parseLocation(text), text, "storage ls's argument"));
    }
    opener.checkFlagsUsed();
    const { store, container } = endpoint;
    if (container === undefined) {
      await printList<ContainerInfo>(
        cli,
        store.listContainers({ signal: cli.signal }),
        [
          { header: "CREATED", value: (c) => formatDate(c.createdAt) },
          { header: "NAME", value: (c) => c.name },
        ],
        (c) => ({ provider: store.provider, ...c }),
        { limit, empty: "(no containers)" },
      );
      return 0;
    }
    // The key is a plain prefix, as in `aws s3 ls`: "photos" shows "photos/" (PRE) and "photos.txt",
    // "photos/" shows what is inside.
    const prefix = endpoint.key;
    const entries = store.list(container, {
      ...(prefix ? { prefix } : {}),
      ...(recursive ? {} : { delimiter: "/" }),
      signal: cli.signal,
    });
    await printList<ListEntry>(
      cli,
      entries,
      [
        { header: "MODIFIED", value: (e) => (e.kind === "prefix" ? "" : formatDate(e.lastModified)) },
        { header: "SIZE", value: (e) => (e.kind === "prefix" ? "PRE" : formatBytes(e.size)), right: true },
        ...(long
          ? [
              { header: "ETAG", value: (e: ListEntry) => (e.kind === "object" ? (e.etag ?? "-") : "") },
              {
                header: "TYPE",
                value: (e: ListEntry) => (e.kind === "object" ? (e.contentType ?? "-") : ""),
              },
            ]
          : []),
        { header: "NAME", value: (e) => e.name },
      ],
      (e) => ({ provider: store.provider, ...e }),
      { limit, empty: `(nothing under ${endpoint.label})` },
    );
    return 0;
  });
};
