import { listProviders, SERVICES, type ServiceKind } from "../core/registry.js";
import "../providers/builtin.js";
import { type CommandRun, expectArgs, flagString } from "./command-spec.js";
import { printList } from "./output.js";
import { UsageError } from "./usage-error.js";

interface Row {
  service: string;
  name: string;
  aliases: string[];
  title: string;
  local: boolean;
  features: string[];
}

/** `omnicloud providers [service] [--service S]`: what exists, and what each supports. */
export const providersCommand: CommandRun = async (cli, invocation) => {
  const [positional] = expectArgs(invocation, 0, 1, "providers [<service>] [--service SERVICE]");
  const wanted = flagString(invocation.values, "service") ?? positional;
  if (wanted !== undefined && !(SERVICES as readonly string[]).includes(wanted)) {
    const { closest } = await import("../core/suggest.js");
    const guess = closest(wanted, SERVICES);
    throw new UsageError(
      `unknown service "${wanted}"${guess ? `; did you mean "${guess}"?` : ""}`,
      `Services are: ${SERVICES.join(", ")}`,
    );
  }
  const rows: Row[] = listProviders(wanted as ServiceKind | undefined)
    .map((p) => ({
      service: p.service,
      name: p.name,
      aliases: [...(p.aliases ?? [])],
      title: p.title,
      local: p.local === true,
      features: [...(p.features ?? [])],
    }))
    .sort(
      (a, b) =>
        SERVICES.indexOf(a.service as ServiceKind) - SERVICES.indexOf(b.service as ServiceKind) ||
        a.name.localeCompare(b.name),
    );
  await printList<Row>(
    cli,
    rows,
    [
      { header: "SERVICE", value: (r) => r.service },
      { header: "PROVIDER", value: (r) => r.name },
      { header: "DESCRIPTION", value: (r) => `${r.title}${r.local ? " (local)" : ""}` },
      { header: "SUPPORTS", value: (r) => r.features.join(", ") || "-" },
    ],
    (r) => r,
    { empty: `(no ${wanted ?? ""} providers registered yet)` },
  );
  return 0;
};
