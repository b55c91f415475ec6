import { listProviders, SERVICES, type ServiceKind } from "../core/registry.js";
import "../providers/builtin.js";

/** `omnicloud providers [service]`: what exists, and what each supports. */
export async function providersCommand(args: string[], flags: { json: boolean }): Promise<void> {
  const service = args[0] as ServiceKind | undefined;
  if (service !== undefined && !(SERVICES as readonly string[]).includes(service)) {
    const { InvalidInputError } = await import("../core/errors.js");
    throw new InvalidInputError(`Unknown service "${service}"`, {
      hint: `Services are: ${SERVICES.join(", ")}`,
    });
  }
  const rows = listProviders(service).map((p) => ({
    service: p.service,
    name: p.name,
    title: p.title,
    local: p.local === true,
    features: [...(p.features ?? [])],
  }));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const width = Math.max(8, ...rows.map((r) => r.name.length));
  process.stdout.write(`${"SERVICE".padEnd(13)}${"PROVIDER".padEnd(width + 2)}DESCRIPTION\n`);
  for (const r of rows) {
    const extra = r.features.length > 0 ? ` [${r.features.join(", ")}]` : "";
    process.stdout.write(
      `${r.service.padEnd(13)}${r.name.padEnd(width + 2)}${r.title}${r.local ? " (local)" : ""}${extra}\n`,
    );
  }
}
