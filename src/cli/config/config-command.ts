import { isOmnicloudError } from "../../core/errors.js";
import { findProvider, SERVICES, type ServiceKind } from "../../core/registry.js";
import "../../providers/builtin.js";
import type { CommandRun } from "../command-spec.js";
import { type Cli, human, say } from "../context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { printList, printResult } from "../output.js";
import { reportError } from "../report-error.js";
import { UsageError } from "../usage-error.js";
import { type Config, configPath, loadConfig, type Profile } from "./config-file.js";
import { maskOptions } from "./mask.js";
import { providerOptions } from "./provider-options.js";

/** The services a profile can serve: its own, or every service that has a provider of its name. */
function servicesOf(profile: Profile): ServiceKind[] {
  if (profile.service) return [profile.service];
  return SERVICES.filter((s) => {
    try {
      findProvider(s, profile.provider);
      return true;
    } catch {
      return false;
    }
  });
}

/** `config path`: where the file is read from (it may not exist yet). */
export const configPathCommand: CommandRun = async (cli) => {
  const path = configPath(cli.env);
  printResult(cli, { path }, () => [path]);
  return 0;
};

/** `config list`: every profile, with secrets masked whole. */
export const configListCommand: CommandRun = async (cli) => {
  const config = await loadConfig(cli.env);
  if (human(cli)) say(cli, `${config.path}${config.exists ? "" : " (does not exist: no profiles)"}`);
  const active = cli.profile ?? config.defaultProfile;
  await printList<Profile>(
    cli,
    config.profiles.values(),
    [
      { header: "PROFILE", value: (p) => `${p.name}${p.name === active ? " *" : ""}` },
      { header: "SERVICE", value: (p) => servicesOf(p).join(",") || "-" },
      { header: "PROVIDER", value: (p) => p.provider },
      { header: "OPTIONS", value: (p) => JSON.stringify(maskOptions(p.options)) },
    ],
    (p) => ({
      name: p.name,
      service: p.service ?? null,
      provider: p.provider,
      default: p.name === config.defaultProfile,
      options: maskOptions(p.options),
    }),
  );
  return 0;
};

/** One cheap call that proves the profile works: the first container, zone or size, no more. */
async function probe(cli: Cli, profile: Profile, service: ServiceKind, signal: AbortSignal): Promise<string> {
  const local = findProvider(service, profile.provider).local === true;
  const options = providerOptions(cli, {}, { provider: profile.provider, local, profile });
  const firstOf = async <T>(items: AsyncIterable<T>): Promise<T | undefined> => {
    for await (const item of items) return item;
    return undefined;
  };
  if (service === "storage") {
    const { openStorage } = await import("../../storage/open.js");
    const store = await openStorage(profile.provider, options);
    try {
      const first = await firstOf(store.listContainers({ signal }));
      return first ? `listed containers (first: ${first.name})` : "listed containers (none yet)";
    } finally {
      await store.close();
    }
  }
  if (service === "dns") {
    const { openDns } = await import("../../dns/open.js");
    const dns = await openDns(profile.provider, options);
    const first = await firstOf(dns.listZones({ signal }));
    return first ? `listed zones (first: ${first.name})` : "listed zones (none yet)";
  }
  if (service === "compute") {
    const { openCompute } = await import("../../compute/open.js");
    const compute = await openCompute(profile.provider, options);
    try {
      const first = await firstOf(compute.listSizes({ signal }));
      return first ? `listed sizes (first: ${first.name})` : "listed sizes (none)";
    } finally {
      await compute.close();
    }
  }
  throw new UsageError(`config check cannot check ${service} profiles yet`);
}

const CHECK_TIMEOUT_MS = 30_000;

interface CheckResult {
  profile: string;
  service: string;
  provider: string;
  ok: boolean;
  detail: string;
  kind?: string;
}

/** `config check [profile...]`: one call per profile; prints ok or the one-line error; exit code of the first failure. */
export const configCheckCommand: CommandRun = async (cli, invocation) => {
  const config: Config = await loadConfig(cli.env);
  const names = invocation.args.length > 0 ? invocation.args : [...config.profiles.keys()];
  if (names.length === 0) {
    throw new UsageError(
      `no profiles to check in ${config.path}`,
      "See omnicloud config --help for the file's format",
    );
  }
  const results: CheckResult[] = [];
  let exit = 0;
  for (const name of names) {
    const profile = config.profiles.get(name);
    if (!profile) throw new UsageError(`no profile "${name}" in ${config.path}`);
    const services = servicesOf(profile);
    if (services.length === 0) {
      results.push({
        profile: name,
        service: "-",
        provider: profile.provider,
        ok: false,
        detail: `no service has a provider "${profile.provider}"`,
        kind: "InvalidInput",
      });
      exit ||= EXIT_CODES.Usage;
      continue;
    }
    for (const service of services) {
      const signal = AbortSignal.any([cli.signal, AbortSignal.timeout(CHECK_TIMEOUT_MS)]);
      try {
        const detail = await probe(cli, profile, service, signal);
        results.push({ profile: name, service, provider: profile.provider, ok: true, detail });
      } catch (err) {
        if (cli.signal.aborted) throw err;
        const report = reportError(err, false);
        results.push({
          profile: name,
          service,
          provider: profile.provider,
          ok: false,
          detail: report.line.replace(/^omnicloud: /, ""),
          kind: isOmnicloudError(err) ? err.kind : "Usage",
        });
        exit ||= report.code;
      }
    }
  }
  await printList<CheckResult>(cli, results, [
    { header: "PROFILE", value: (r) => r.profile },
    { header: "SERVICE", value: (r) => r.service },
    { header: "PROVIDER", value: (r) => r.provider },
    { header: "RESULT", value: (r) => (r.ok ? "ok" : "error") },
    { header: "DETAIL", value: (r) => r.detail },
  ]);
  return exit;
};
