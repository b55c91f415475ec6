/**
 * Reading Keystone's answer to `POST /v3/auth/tokens`: the token itself is the `X-Subject-Token` header,
 * everything else (expiry, user, scope, roles, catalog) is the JSON body's `token` object.
 */

import type { Expiring } from "../../core/credentials/refreshing.js";
import { ProviderError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import { headerValue } from "../../core/transport/response-error.js";
import type { ResponseHeaders } from "../../core/transport/types.js";
import { type CatalogService, parseCatalog } from "./catalog.js";

export interface KeystoneRef {
  readonly id: string;
  readonly name?: string;
}

export interface KeystoneOwnedRef extends KeystoneRef {
  readonly domain?: KeystoneRef;
}

export interface KeystoneToken {
  /** The token, as sent in `X-Auth-Token`. */
  readonly token: string;
  /** Expiry as Keystone states it (the server's clock). */
  readonly expiresAt: Date;
  readonly issuedAt?: Date;
  /** How the token was obtained, e.g. ["password"] or ["application_credential"]. */
  readonly methods: readonly string[];
  readonly user: KeystoneOwnedRef;
  /** Set for a project-scoped token. */
  readonly project?: KeystoneOwnedRef;
  /** Set for a domain-scoped token. */
  readonly domain?: KeystoneRef;
  /** True for a system-scoped token. */
  readonly system: boolean;
  readonly roles: readonly KeystoneRef[];
  /** Empty for an unscoped token. */
  readonly catalog: readonly CatalogService[];
  /** Set when the token came from an application credential. */
  readonly applicationCredential?: KeystoneRef & { readonly restricted?: boolean };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function ref(v: unknown): KeystoneRef | undefined {
  const o = obj(v);
  const id = str(o?.id);
  if (!o || id === undefined) return undefined;
  const name = str(o.name);
  return name === undefined ? { id } : { id, name };
}

function ownedRef(v: unknown): KeystoneOwnedRef | undefined {
  const base = ref(v);
  if (!base) return undefined;
  const domain = ref(obj(v)?.domain);
  return domain ? { ...base, domain } : base;
}

function time(v: unknown): Date | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * The token and when, by OUR clock, it lapses. Keystone's `expires_at` is by the server's clock, which
 * may be minutes off ours; its lifetime (`expires_at - issued_at`, both server times) counted from when we
 * asked is immune to that skew, and errs early because the request went out before the token was issued.
 */
export function parseTokenResponse(
  headers: ResponseHeaders,
  body: unknown,
  requestedAtMs: number,
  authUrl: string,
): Expiring<KeystoneToken> {
  const fail = (what: string): ProviderError =>
    new ProviderError(`Keystone at ${authUrl} answered a token request ${what}`, { provider: "openstack" });
  const token = headerValue(headers, "x-subject-token");
  if (token === undefined || token === "") throw fail("without an X-Subject-Token header");
  registerSecret(token);
  const t = obj(obj(body)?.token);
  if (!t) throw fail('without a "token" object in its body');
  const expiresAt = time(t.expires_at);
  if (!expiresAt) throw fail("without a valid expires_at");
  const issuedAt = time(t.issued_at);
  const user = ownedRef(t.user);
  if (!user) throw fail("without a user");
  const project = ownedRef(t.project);
  const domain = ref(t.domain);
  const appCred = obj(t.application_credential);
  const appRef = ref(appCred);
  const value: KeystoneToken = {
    token,
    expiresAt,
    ...(issuedAt ? { issuedAt } : {}),
    methods: Array.isArray(t.methods) ? t.methods.filter((m): m is string => typeof m === "string") : [],
    user,
    ...(project ? { project } : {}),
    ...(domain ? { domain } : {}),
    system: obj(t.system) !== undefined,
    roles: Array.isArray(t.roles) ? t.roles.map(ref).filter((r): r is KeystoneRef => r !== undefined) : [],
    catalog: parseCatalog(t.catalog),
    ...(appRef
      ? {
          applicationCredential:
            typeof appCred?.restricted === "boolean" ? { ...appRef, restricted: appCred.restricted } : appRef,
        }
      : {}),
  };
  const lifetimeMs =
    issuedAt && expiresAt.getTime() > issuedAt.getTime()
      ? expiresAt.getTime() - issuedAt.getTime()
      : expiresAt.getTime() - requestedAtMs;
  return { value, expiresAt: new Date(requestedAtMs + lifetimeMs) };
}
