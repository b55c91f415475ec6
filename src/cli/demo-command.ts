import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type CommandRun, expectArgs, flagString } from "./command-spec.js";
import { human, say } from "./context.js";
import { demoCompute } from "./demo-compute.js";
import { demoDns } from "./demo-dns.js";
import { demoStorage } from "./demo-storage.js";

/**
 * The main job on the embedded default: real work on the local providers, no credentials, no network.
 * It leaves its results in a folder the user can inspect. Each service adds its part as it lands.
 */
export const demoCommand: CommandRun = async (cli, invocation) => {
  expectArgs(invocation, 0, 0, "demo [--root DIR]");
  const root = resolve(cli.cwd, flagString(invocation.values, "root") ?? "omnicloud-demo");
  const line = (text: string): void => {
    if (human(cli)) say(cli, text);
  };
  const report: Record<string, unknown> = { root };

  line(`omnicloud demo: local providers in ${root}`);
  line("storage (local folder):");
  report.storage = await demoStorage(root, line, cli.signal);
  line("dns (local zone files):");
  report.dns = await demoDns(root, line, cli.signal);
  line("compute (libvirt test:///default):");
  report.compute = await demoCompute(root, line, cli.signal);

  await writeFile(join(root, "demo-report.json"), `${JSON.stringify(report, null, 2)}\n`);
  line(`done. Inspect the results: ls -R ${root}`);
  if (!human(cli)) say(cli, JSON.stringify(report));
  return 0;
};
