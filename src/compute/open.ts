import { openProvider } from "../core/registry.js";
import "../providers/builtin.js";
import type { Compute } from "./compute.js";
import type { ComputeDriver } from "./driver.js";

export type { Compute };

/**
 * Open a compute provider by name: `openCompute("libvirt", { uri: "qemu:///session" })`. The provider's
 * driver module is imported now, on first use, and so is the compute model itself, so importing omnicloud's
 * root costs nothing for programs that never use compute.
 */
export async function openCompute<D extends ComputeDriver = ComputeDriver>(
  provider: string,
  options: object = {},
): Promise<Compute<D>> {
  const driver = await openProvider<D, object>("compute", provider, options);
  const { Compute } = await import("./compute.js");
  return new Compute(driver);
}
