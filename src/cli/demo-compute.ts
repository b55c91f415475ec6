import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Compute } from "../compute/compute.js";
import { openCompute } from "../compute/open.js";

/**
 * The compute part of the demo, on libvirt's in-process test driver (`test:///default`: no daemon, no root,
 * no network): list what the host offers, then take one node through its whole life. Where libvirt is not
 * installed the part is skipped and the report says why.
 */
export async function demoCompute(
  root: string,
  say: (line: string) => void,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  let compute: Compute;
  try {
    compute = await openCompute("libvirt", { uri: "test:///default" });
  } catch (err) {
    const reason = `libvirt is not available here (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`;
    say(`  skipped: ${reason}`);
    return { skipped: reason };
  }
  try {
    const sizes: string[] = [];
    for await (const size of compute.listSizes({ signal })) sizes.push(size.id);
    const images: string[] = [];
    for await (const image of compute.listImages({ signal })) images.push(image.id);
    say(`  sizes: ${sizes.join(", ")}; images: ${images.join(", ")}`);
    const size = sizes[0];
    const image = images[0];
    if (size === undefined || image === undefined)
      return { skipped: "the test driver offers no size or image" };

    const node = await compute.createNode({ name: "omnicloud-demo", size, image, signal });
    const running = await compute.waitUntilRunning(node, { timeoutMs: 30_000, signal });
    say(`  created node ${running.name} (${running.id}): ${running.state}`);
    await compute.stopNode(running, { signal });
    const stopped = await compute.waitFor(running, "stopped", { timeoutMs: 30_000, signal });
    say(`  stopped it: ${stopped.state}`);
    const nodes: Array<{ id: string; name: string; state: string }> = [];
    for await (const n of compute.listNodes({ signal }))
      nodes.push({ id: n.id, name: n.name, state: n.state });
    await writeFile(join(root, "compute-nodes.json"), `${JSON.stringify(nodes, null, 2)}\n`);
    await compute.destroyNode(stopped, { signal });
    say(`  destroyed it; the node list it saw is in ${join(root, "compute-nodes.json")}`);
    return {
      provider: "libvirt",
      uri: "test:///default",
      sizes,
      images,
      lifecycle: ["running", "stopped", "destroyed"],
    };
  } finally {
    await compute.close();
  }
}
