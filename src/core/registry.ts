import { AlreadyExistsError, InvalidInputError } from "./errors.js";
import { closest } from "./suggest.js";

/** The services omnicloud models. */
export const SERVICES = ["storage", "compute", "dns", "loadbalancer", "container", "backup"] as const;
export type ServiceKind = (typeof SERVICES)[number];

/** Builds a driver from its options; may be async (to read credentials, discover endpoints). */
export type ProviderFactory<TDriver, TOptions> = (options: TOptions) => TDriver | Promise<TDriver>;

export interface ProviderDescriptor<TDriver = unknown, TOptions = never> {
  service: ServiceKind;
  /** The id users pass, e.g. "s3". Lower case, digits and dashes. */
  name: string;
  /** A human name, e.g. "Amazon S3". */
  title: string;
  /** Other ids that open the same provider. */
  aliases?: readonly string[];
  /** What the provider supports beyond the portable core, for `omnicloud providers`. */
  features?: readonly string[];
  /** True for providers that need no credentials or network (the embedded default). */
  local?: boolean;
  /**
   * Imports the driver's module and returns its factory. Called only when the provider is opened, so
   * start-up cost does not grow with the number of providers.
   */
  load: () => Promise<ProviderFactory<TDriver, TOptions>>;
}

type AnyDescriptor = ProviderDescriptor<unknown, never>;

const NAME = /^[a-z][a-z0-9-]*$/;
const byService = new Map<ServiceKind, Map<string, AnyDescriptor>>();
const aliasIndex = new Map<ServiceKind, Map<string, string>>();

function table<V>(map: Map<ServiceKind, Map<string, V>>, service: ServiceKind): Map<string, V> {
  let t = map.get(service);
  if (!t) {
    t = new Map();
    map.set(service, t);
  }
  return t;
}

/**
 * Add a provider. Third parties call this to plug their own drivers in; `replace: true` swaps out an
 * existing one (e.g. a patched build), anything else refuses a taken name.
 */
export function registerProvider<TDriver, TOptions>(
  descriptor: ProviderDescriptor<TDriver, TOptions>,
  options: { replace?: boolean } = {},
): void {
  if (!(SERVICES as readonly string[]).includes(descriptor.service)) {
    throw new InvalidInputError(`Unknown service "${descriptor.service}" for provider ${descriptor.name}`, {
      hint: `Services are: ${SERVICES.join(", ")}`,
    });
  }
  for (const id of [descriptor.name, ...(descriptor.aliases ?? [])]) {
    if (!NAME.test(id)) {
      throw new InvalidInputError(`Provider id "${id}" is not valid`, {
        hint: "Use lower-case letters, digits and dashes, starting with a letter",
      });
    }
  }
  const providers = table(byService, descriptor.service);
  const aliases = table(aliasIndex, descriptor.service);
  if (!options.replace && (providers.has(descriptor.name) || aliases.has(descriptor.name))) {
    throw new AlreadyExistsError(
      `A ${descriptor.service} provider named "${descriptor.name}" is already registered`,
      {
        hint: "Pass { replace: true } to registerProvider to replace it",
      },
    );
  }
  providers.set(descriptor.name, descriptor as unknown as AnyDescriptor);
  for (const alias of descriptor.aliases ?? []) aliases.set(alias, descriptor.name);
}

/** Every registered provider, optionally of one service, sorted by name. */
export function listProviders(service?: ServiceKind): AnyDescriptor[] {
  const services = service ? [service] : SERVICES;
  return services
    .flatMap((s) => [...table(byService, s).values()])
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The descriptor for `name` (or an alias), or an InvalidInputError that lists the known ones. */
export function findProvider(service: ServiceKind, name: string): AnyDescriptor {
  const providers = table(byService, service);
  const id = providers.has(name) ? name : table(aliasIndex, service).get(name);
  const found = id === undefined ? undefined : providers.get(id);
  if (found) return found;
  const known = [...providers.keys()].sort();
  const guess = closest(name, [...known, ...table(aliasIndex, service).keys()]);
  throw new InvalidInputError(`Unknown ${service} provider "${name}"`, {
    hint:
      (guess ? `Did you mean "${guess}"? ` : "") +
      (known.length > 0
        ? `Known ${service} providers: ${known.join(", ")}`
        : `No ${service} providers are registered`),
  });
}

/** Import the provider's driver (first use only) and build it from `options`. */
export async function openProvider<TDriver, TOptions>(
  service: ServiceKind,
  name: string,
  options: TOptions,
): Promise<TDriver> {
  const descriptor = findProvider(service, name) as unknown as ProviderDescriptor<TDriver, TOptions>;
  const factory = await descriptor.load();
  return factory(options);
}
