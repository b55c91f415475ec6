import type { MultipartOptions } from "../../storage/types.js";
import {
  type CommandRun,
  expectArgs,
  flagBool,
  flagInt,
  flagPairs,
  flagString,
  type Invocation,
} from "../command-spec.js";
import { type Cli, human, say } from "../context.js";
import { formatBytes, formatSeconds, parseSize } from "../format.js";
import { runPool } from "../pool.js";
import { NO_PROGRESS, transferProgress } from "../progress.js";
import { UsageError } from "../usage-error.js";
import type { StoreOpener } from "./open-store.js";
import { withStores } from "./session.js";
import { parseLocation, type StorageLocation } from "./storage-url.js";
import { describeSide, planTransfers, type Resolved } from "./transfer-plan.js";
import { runTransfer } from "./transfer-run.js";

/**
 * `storage put`, `get` and `cp`: one engine, three spellings. put insists on a local source, get on a
 * local destination (default: the current folder), cp takes anything but two local paths.
 */

interface Done {
  from: string;
  to: string;
  bytes: number;
  ms: number;
}

function tuning(invocation: Invocation): {
  multipart: MultipartOptions | undefined;
  limitRate: number | undefined;
} {
  const partText = flagString(invocation.values, "part-size");
  const partSize = partText === undefined ? undefined : parseSize(partText);
  if (partText !== undefined && partSize === undefined)
    throw new UsageError(`--part-size takes a size like 16M, not "${partText}"`);
  const concurrency = flagInt(invocation.values, "concurrency", 1, 64);
  const rateText = flagString(invocation.values, "limit-rate");
  const limitRate = rateText === undefined ? undefined : parseSize(rateText);
  if (rateText !== undefined && limitRate === undefined)
    throw new UsageError(`--limit-rate takes a rate like 10M, not "${rateText}"`);
  const multipart =
    partSize === undefined && concurrency === undefined
      ? undefined
      : {
          // A part size given means "use multipart at this size": the threshold follows it down.
          ...(partSize !== undefined ? { partSize, threshold: partSize } : {}),
          ...(concurrency !== undefined ? { concurrency } : {}),
        };
  return { multipart, limitRate };
}

async function resolveSide(opener: StoreOpener, location: StorageLocation): Promise<Resolved> {
  if (location.kind === "url") return { kind: "remote", endpoint: await opener.resolve(location) };
  return location;
}

async function transfer(
  cli: Cli,
  invocation: Invocation,
  srcText: string,
  dstText: string,
  verb: "put" | "get" | "cp",
): Promise<number> {
  const src = parseLocation(srcText);
  const dst = parseLocation(dstText);
  if (verb === "put" && src.kind === "url")
    throw new UsageError("storage put uploads a local file; use storage cp between URLs");
  if (verb === "put" && dst.kind !== "url")
    throw new UsageError(`storage put needs a storage URL to upload to, not "${dstText}"`);
  if (verb === "get" && src.kind !== "url")
    throw new UsageError(`storage get needs a storage URL to download, not "${srcText}"`);
  if (verb === "get" && dst.kind === "url")
    throw new UsageError("storage get downloads to a local path; use storage cp between URLs");
  const recursive = flagBool(invocation.values, "recursive");
  const { multipart, limitRate } = tuning(invocation);
  const parallel = flagInt(invocation.values, "parallel", 1, 64) ?? 4;
  const metaPairs = flagPairs(invocation.values, "meta");
  const metadata = metaPairs.length > 0 ? Object.fromEntries(metaPairs) : undefined;
  const contentType = flagString(invocation.values, "content-type");

  return withStores(cli, invocation.values, async (opener) => {
    const from = await resolveSide(opener, src);
    const to = await resolveSide(opener, dst);
    opener.checkFlagsUsed();
    const transfers = await planTransfers(from, to, recursive, cli.signal);
    const toStdout = to.kind === "stdio";
    const many = transfers.length > 1;
    const known = transfers.every((t) => t.size !== undefined);
    const total = known ? transfers.reduce((sum, t) => sum + (t.size ?? 0), 0) : undefined;
    const label = (finished: number): string =>
      many
        ? `${finished}/${transfers.length} objects`
        : describeSide(transfers[0]!.from).split("/").pop() || "-";
    // Bytes to a terminal's stdout would be drawn over by the bar on the same screen: no bar then.
    const stdoutIsTerminal = (cli.stdout as { isTTY?: boolean }).isTTY === true;
    const bar = toStdout && stdoutIsTerminal ? NO_PROGRESS : transferProgress(cli, label(0), total);
    const progress = new Map<number, number>();
    let moved = 0;
    const results: Done[] = [];
    const started = performance.now();
    try {
      await runPool(
        transfers.map((t, i) => ({ t, i })),
        many ? parallel : 1,
        async ({ t, i }) => {
          const began = performance.now();
          const bytes = await runTransfer(t, {
            cli,
            contentType,
            metadata,
            multipart,
            limitRate,
            onProgress: (done, size) => {
              moved += done - (progress.get(i) ?? 0);
              progress.set(i, done);
              bar.update(moved, many ? total : size);
            },
          });
          moved += bytes - (progress.get(i) ?? 0);
          progress.set(i, bytes);
          const done: Done = {
            from: describeSide(t.from),
            to: describeSide(t.to),
            bytes,
            ms: performance.now() - began,
          };
          results.push(done);
          bar.setLabel(label(results.length));
          bar.update(moved);
          if (toStdout) return;
          if (cli.jsonl) say(cli, JSON.stringify(done));
          else if (human(cli)) {
            bar.clearLine();
            say(
              cli,
              `${verb === "get" ? "downloaded" : verb === "put" ? "uploaded" : "copied"} ${done.from} -> ${done.to}  ${formatBytes(bytes)}`,
            );
          }
        },
      );
    } finally {
      bar.finish();
    }
    const ms = performance.now() - started;
    const bytes = results.reduce((sum, r) => sum + r.bytes, 0);
    if (toStdout) return 0;
    if (cli.json)
      say(
        cli,
        JSON.stringify({ transfers: results, objects: results.length, bytes, seconds: ms / 1000 }, null, 2),
      );
    else if (human(cli) && many) {
      say(cli, `${results.length} objects, ${formatBytes(bytes)} in ${formatSeconds(ms)}`);
    }
    return 0;
  });
}

export const putCommand: CommandRun = async (cli, invocation) => {
  const [src, dst] = expectArgs(invocation, 2, 2, "storage put <file|dir|-> <url>");
  return transfer(cli, invocation, src!, dst!, "put");
};

export const getCommand: CommandRun = async (cli, invocation) => {
  const [src, dst] = expectArgs(invocation, 1, 2, "storage get <url> [<file|dir|->]");
  return transfer(cli, invocation, src!, dst ?? "./", "get");
};

export const cpCommand: CommandRun = async (cli, invocation) => {
  const [src, dst] = expectArgs(invocation, 2, 2, "storage cp <src> <dst>");
  return transfer(cli, invocation, src!, dst!, "cp");
};
