/**
 * Swift sessions: where the account is (the storage URL) and how each request is authorised. Keystone
 * reuses KeystoneTokenProvider and its catalog; v1.0 auth is one GET that answers X-Storage-Url and
 * X-Auth-Token, fetched again when a 401 says the token died; a static token cannot be renewed.
 */
import { AuthError, InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import { headerValue } from "../../core/transport/response-error.js";
import { Transport } from "../../core/transport/transport.js";
import type { Attempt, Layer } from "../../core/transport/types.js";
import { KeystoneTokenProvider } from "./keystone.js";
import { reauthenticateOn401 } from "./reauth.js";
import type { SwiftStorageOptions, SwiftV1AuthOptions } from "./swift-options.js";

export interface SwiftSession {
  /** The account URL without a trailing slash, e.g. "http://127.0.0.1:8080/v1/AUTH_test". */
  storageUrl(signal?: AbortSignal): Promise<string>;
  authorize(attempt: Attempt): Promise<void>;
  layers: readonly Layer[];
  close(): Promise<void>;
}

const trim = (url: string): string => url.replace(/\/+$/, "");

/** v1.0 auth: a token and storage URL fetched on first use and after a 401, never in parallel. */
class V1Session implements SwiftSession {
  private current: Promise<{ url: string; token: string; expiresAt: number }> | undefined;
  private readonly transport: Transport;
  readonly layers: readonly Layer[];

  constructor(
    private readonly provider: string,
    private readonly options: SwiftV1AuthOptions,
    private readonly override: string | undefined,
  ) {
    registerSecret(options.key);
    this.transport = new Transport({ provider });
    this.layers = [reauthenticateOn401({ invalidate: (a) => this.invalidate(a) })];
  }

  private fetch(signal?: AbortSignal): Promise<{ url: string; token: string; expiresAt: number }> {
    const cached = this.current;
    // A minute's margin, so a token does not lapse between being handed out and being checked.
    if (cached) return cached.then((c) => (c.expiresAt > Date.now() + 60_000 ? c : this.renew(signal)));
    return this.renew(signal);
  }

  private renew(signal?: AbortSignal): Promise<{ url: string; token: string; expiresAt: number }> {
    const next = (async () => {
      const res = await this.transport
        .send({
          method: "GET",
          url: this.options.authUrl,
          headers: { "x-auth-user": this.options.user, "x-auth-key": this.options.key },
          operation: "swift:auth-v1",
          ...(signal ? { signal } : {}),
        })
        .catch((err: unknown) => {
          throw new AuthError(
            `${this.provider} v1.0 auth at ${this.options.authUrl} refused ${this.options.user}`,
            {
              provider: this.provider,
              cause: err,
              hint: "Check the user (account:user) and key",
            },
          );
        });
      const url = headerValue(res.headers, "x-storage-url");
      const token = headerValue(res.headers, "x-auth-token") ?? headerValue(res.headers, "x-storage-token");
      if (!url || !token) {
        throw new AuthError(`${this.provider} v1.0 auth answered without X-Storage-Url or X-Auth-Token`, {
          provider: this.provider,
        });
      }
      registerSecret(token);
      const ttl = Number(headerValue(res.headers, "x-auth-token-expires") ?? "86400");
      return { url: trim(this.override ?? url), token, expiresAt: Date.now() + ttl * 1000 };
    })();
    this.current = next;
    next.catch(() => {
      if (this.current === next) this.current = undefined;
    });
    return next;
  }

  private invalidate(attempt: Attempt): void {
    const sent = attempt.headers["x-auth-token"];
    void this.current?.then((c) => {
      if (c.token === sent) this.current = undefined;
    });
  }

  async storageUrl(signal?: AbortSignal): Promise<string> {
    return (await this.fetch(signal)).url;
  }

  readonly authorize = async (attempt: Attempt): Promise<void> => {
    attempt.headers["x-auth-token"] = (await this.fetch(attempt.signal)).token;
  };

  close(): Promise<void> {
    return this.transport.close();
  }
}

export function openSwiftSession(provider: string, options: SwiftStorageOptions): SwiftSession {
  const given = [options.keystone, options.v1, options.token].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new InvalidInputError(`${provider} needs exactly one of keystone, v1 or storageUrl + token`, {
      provider,
    });
  }
  if (options.keystone) {
    const k = options.keystone;
    const keystone = new KeystoneTokenProvider({
      authUrl: k.authUrl,
      auth: k.auth,
      ...(k.scope ? { scope: k.scope } : {}),
    });
    let endpoint: Promise<string> | undefined;
    return {
      storageUrl: (signal) => {
        if (options.storageUrl) return Promise.resolve(trim(options.storageUrl));
        endpoint ??= keystone
          .endpoint(
            {
              type: "object-store",
              ...(k.region ? { region: k.region } : {}),
              ...(k.interface ? { interface: k.interface } : {}),
            },
            signal,
          )
          .then(trim);
        // A failed lookup is asked again next time.
        endpoint.catch(() => {
          endpoint = undefined;
        });
        return endpoint;
      },
      authorize: keystone.authorize,
      layers: [keystone.reauthLayer],
      close: () => keystone.close(),
    };
  }
  if (options.v1) return new V1Session(provider, options.v1, options.storageUrl);
  const token = options.token as string;
  if (!options.storageUrl) {
    throw new InvalidInputError(`${provider}: a token needs the storageUrl it was issued for`, { provider });
  }
  registerSecret(token);
  const url = trim(options.storageUrl);
  return {
    storageUrl: () => Promise.resolve(url),
    authorize: async (attempt) => {
      attempt.headers["x-auth-token"] = token;
    },
    layers: [],
    close: async () => {},
  };
}
