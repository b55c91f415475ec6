/**
 * One cold start of one storage tool, for W4: this process imports the tool's package and opens a client
 * (storage-clients.ts loads a package only when its tool is made), optionally makes one 1-byte PUT (what a
 * client defers to its first request then counts too), and prints its own CPU time (user + system, since
 * the process began, Node's own start-up included) and peak RSS as one JSON line. Without a tool it
 * measures the floor: node plus this file.
 */
import { peakRss } from "./peak-rss.js";
import { makeTool, type Target } from "./storage-clients.js";

export interface ColdstartConfig {
  /** Undefined: no tool, the floor. */
  tool?: string;
  target: Target;
  /** Where the one PUT goes, when the variant makes one. */
  put?: { container: string; key: string };
}

export interface ColdstartResult {
  cpuMs: number;
  peakRss: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as ColdstartConfig;
const tool = config.tool === undefined ? undefined : await makeTool(config.tool, config.target);
if (tool && config.put) await tool.putBuffer(config.put.container, config.put.key, Buffer.from("x"));
const cpu = process.cpuUsage();
const result: ColdstartResult = {
  cpuMs: (cpu.user + cpu.system) / 1000,
  peakRss: peakRss(),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
await tool?.close();
process.exit(0);
