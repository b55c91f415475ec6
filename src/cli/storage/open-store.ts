import { relative, sep } from "node:path";
import { findProvider, listProviders } from "../../core/registry.js";
import { closest } from "../../core/suggest.js";
import type { LocalStorageDriver } from "../../providers/local/storage.js";
import { openStorage } from "../../storage/open.js";
import type { Storage } from "../../storage/storage.js";
import type { FlagValues } from "../command-spec.js";
import { flagString } from "../command-spec.js";
import type { Profile } from "../config/config-file.js";
import { type ProfileChoice, profileFits } from "../config/profiles.js";
import { providerOptions } from "../config/provider-options.js";
import type { Cli } from "../context.js";
import { UsageError } from "../usage-error.js";
import type { UrlLocation } from "./storage-url.js";

/**
 * Turns URLs into open stores. Each distinct provider-and-options opens once and is shared, so a copy
 * between two URLs of the same store is recognised as such (and runs server-side), and every store is
 * closed once at the end.
 */

/** Schemes that are not provider ids themselves. */
const SCHEME_PROVIDER: Record<string, string> = {
  s3: "s3",
  azure: "azure",
  swift: "swift",
  gs: "gcs",
  gcs: "gcs",
  local: "local",
  file: "local",
};

/** An object (or prefix, or container) on an open store. */
export interface Endpoint {
  store: Storage;
  provider: string;
  /** Undefined when the URL names only the provider (its container list). */
  container: string | undefined;
  key: string;
  /** The URL as given, for messages. */
  label: string;
  /** The scheme as given (profile or provider name), for naming objects found below this URL. */
  scheme: string;
}

function isS3Family(provider: string): boolean {
  const id = findProvider("storage", provider);
  return id.name === "s3" || (id.features ?? []).includes("s3-api");
}

export class StoreOpener {
  private readonly stores = new Map<string, Promise<Storage>>();
  private usedProfile = false;
  private usedProviderFlag = false;

  constructor(
    private readonly cli: Cli,
    private readonly values: FlagValues,
    private readonly choice: ProfileChoice,
  ) {}

  /** The provider and profile a URL scheme stands for. */
  private target(scheme: string): { provider: string; profile: Profile | undefined } {
    const named = this.choice.config.profiles.get(scheme);
    if (named && profileFits(named, "storage")) return { provider: named.provider, profile: named };
    const chosen = this.choice.profile;
    const providerFlag = flagString(this.values, "provider");
    let provider = SCHEME_PROVIDER[scheme];
    if (provider === undefined) {
      try {
        provider = findProvider("storage", scheme).name;
      } catch {
        const candidates = [
          ...Object.keys(SCHEME_PROVIDER),
          ...listProviders("storage").map((p) => p.name),
          ...this.choice.config.profiles.keys(),
        ];
        throw new UnknownScheme(scheme, candidates);
      }
    }
    if (provider === "s3") {
      // s3:// is the S3 API, on whichever S3-compatible service the flag or the profile names.
      if (providerFlag !== undefined) {
        if (!isS3Family(providerFlag)) {
          throw new UsageError(
            `--provider ${providerFlag} does not speak the S3 API, so it cannot serve s3:// URLs`,
          );
        }
        this.usedProviderFlag = true;
        provider = findProvider("storage", providerFlag).name;
        const fits = chosen && findProvider("storage", chosen.provider).name === provider;
        return { provider, profile: fits ? this.mark(chosen) : undefined };
      }
      if (chosen && isS3Family(chosen.provider))
        return { provider: chosen.provider, profile: this.mark(chosen) };
      return { provider, profile: undefined };
    }
    let canonical: string;
    try {
      canonical = findProvider("storage", provider).name;
    } catch {
      // A scheme omnicloud knows (swift://, gs://) whose driver has not landed yet: say so plainly.
      throw new UsageError(
        `${scheme}:// needs the "${provider}" storage provider, which this version of omnicloud does not have yet`,
        `Storage providers: ${listProviders("storage")
          .map((p) => p.name)
          .join(", ")}`,
      );
    }
    const fits = chosen && findProvider("storage", chosen.provider).name === canonical;
    return { provider: canonical, profile: fits ? this.mark(chosen) : undefined };
  }

  private mark(profile: Profile): Profile {
    if (profile === this.choice.explicit) this.usedProfile = true;
    return profile;
  }

  private open(provider: string, options: Record<string, unknown>): Promise<Storage> {
    const id = `${provider}\u0000${JSON.stringify(options)}`;
    let store = this.stores.get(id);
    if (!store) {
      store = openStorage(provider, options);
      this.stores.set(id, store);
    }
    return store;
  }

  /** Open the store a URL names and split the URL into container and key. */
  async resolve(url: UrlLocation): Promise<Endpoint> {
    const { provider, profile } = this.target(url.scheme);
    const options = providerOptions(this.cli, this.values, {
      provider,
      local: provider === "local",
      profile,
    });
    const store = await this.open(provider, options);
    if (url.absolutePath === undefined) {
      return { store, provider, container: url.container, key: url.key, label: url.raw, scheme: url.scheme };
    }
    // local:///abs/path: the path must be inside the store's root; the first segment below is the container.
    const root = store.as<LocalStorageDriver>("local").root;
    const inside = relative(root, url.absolutePath);
    if (inside.startsWith("..") || inside.startsWith(sep)) {
      throw new UsageError(
        `${url.raw} is not inside the local storage root ${root}`,
        "Give the root with --root DIR (or a profile's root), or write local://container/key",
      );
    }
    const segments = inside === "" ? [] : inside.split(sep);
    const trailing = url.absolutePath.endsWith("/") && segments.length > 1 ? "/" : "";
    return {
      store,
      provider,
      container: segments[0],
      key: segments.slice(1).join("/") + trailing,
      label: url.raw,
      scheme: url.scheme,
    };
  }

  /** A store for the chosen profile itself (`omnicloud --profile x storage ls`). */
  async profileStore(): Promise<Endpoint | undefined> {
    const profile = this.choice.profile;
    if (!profile) return undefined;
    this.mark(profile);
    const provider = findProvider("storage", profile.provider).name;
    const options = providerOptions(this.cli, this.values, {
      provider,
      local: provider === "local",
      profile,
    });
    return {
      store: await this.open(provider, options),
      provider,
      container: undefined,
      key: "",
      label: `${profile.name}://`,
      scheme: profile.name,
    };
  }

  /** After resolving every URL: a --profile or --provider that applied to none of them is a mistake. */
  checkFlagsUsed(): void {
    if (this.choice.explicit && !this.usedProfile) {
      throw new UsageError(
        `profile "${this.choice.explicit.name}" (provider ${this.choice.explicit.provider}) matches no URL of this command`,
        `Write its URLs as ${this.choice.explicit.name}://container/key`,
      );
    }
    if (flagString(this.values, "provider") !== undefined && !this.usedProviderFlag) {
      throw new UsageError("--provider applies to s3:// URLs, and this command has none");
    }
  }

  async closeAll(): Promise<void> {
    const stores = await Promise.allSettled(this.stores.values());
    await Promise.allSettled(stores.map((s) => (s.status === "fulfilled" ? s.value.close() : undefined)));
  }
}

/** An unknown scheme, with the closest known one. */
export class UnknownScheme extends UsageError {
  constructor(scheme: string, candidates: readonly string[]) {
    const guess = closest(scheme, candidates);
    super(
      `unknown URL scheme "${scheme}://"${guess ? `; did you mean "${guess}://"?` : ""}`,
      "Schemes are s3, azure, swift, gs, local, a storage provider id, or a profile name",
    );
  }
}
