import { type CommandRun, expectArgs } from "../command-spec.js";
import { formatBytes, formatDate } from "../format.js";
import { printResult } from "../output.js";
import { objectOf } from "./object-of.js";
import { withStores } from "./session.js";
import { parseLocation, requireUrl } from "./storage-url.js";

/** `storage stat <url>`: one object's facts. A missing object is exit 3 (not found). */
export const statCommand: CommandRun = async (cli, invocation) => {
  const [text] = expectArgs(invocation, 1, 1, "storage stat <url>");
  return withStores(cli, invocation.values, async (opener) => {
    const endpoint = await opener.resolve(requireUrl(parseLocation(text!), text!, "storage stat's argument"));
    opener.checkFlagsUsed();
    const { container, key } = objectOf(endpoint, "stat");
    const info = await endpoint.store.stat(container, key, { signal: cli.signal });
    printResult(cli, { provider: endpoint.provider, ...info }, () => {
      const rows: Array<[string, string]> = [
        ["url", endpoint.label],
        ["size", `${info.size} (${formatBytes(info.size)})`],
        ["modified", formatDate(info.lastModified)],
        ["etag", info.etag ?? "-"],
        ["md5", info.checksums.md5 ?? "-"],
        ...(info.checksums.sha256 ? [["sha256", info.checksums.sha256] as [string, string]] : []),
        ["content-type", info.contentType ?? "-"],
        ...(info.cacheControl ? [["cache-control", info.cacheControl] as [string, string]] : []),
        ...(info.contentDisposition
          ? [["content-disposition", info.contentDisposition] as [string, string]]
          : []),
        ...Object.entries(info.metadata).map(([k, v]) => [`meta ${k}`, v] as [string, string]),
      ];
      const width = Math.max(...rows.map(([k]) => k.length)) + 2;
      return rows.map(([k, v]) => `${k.padEnd(width)}${v}`);
    });
    return 0;
  });
};
