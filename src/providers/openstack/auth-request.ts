/**
 * What a Keystone v3 `POST /auth/tokens` asks for: who (password or application credential) and for what
 * (a project, a domain, the system, or nothing). Checked before sending, so a typo is an InvalidInputError
 * and not Keystone's deliberately vague 401.
 */

import { InvalidInputError } from "../../core/errors.js";

/** A domain by id ("default") or by name ("Default"). */
export type DomainRef = { readonly id: string } | { readonly name: string };

/** A user by id, or by name within a domain (names are unique only per domain). */
export type UserRef = { readonly id: string } | { readonly name: string; readonly domain: DomainRef };

export interface PasswordAuth {
  readonly method: "password";
  readonly user: UserRef;
  readonly password: string;
}

/** An application credential by its id: the form `openstack application credential create` prints. */
export interface ApplicationCredentialByIdAuth {
  readonly method: "application_credential";
  readonly id: string;
  readonly secret: string;
}

/** An application credential by its name, which is unique only per user. */
export interface ApplicationCredentialByNameAuth {
  readonly method: "application_credential";
  readonly name: string;
  readonly user: UserRef;
  readonly secret: string;
}

export type KeystoneAuth = PasswordAuth | ApplicationCredentialByIdAuth | ApplicationCredentialByNameAuth;

/** A project by id, or by name within its domain. */
export type ProjectRef = { readonly id: string } | { readonly name: string; readonly domain: DomainRef };

/**
 * What the token is for. Left out, the token is unscoped: it proves identity but carries no catalog.
 * Application credentials carry their own project, so they take no scope.
 */
export type KeystoneScope =
  | { readonly project: ProjectRef }
  | { readonly domain: DomainRef }
  | { readonly system: "all" };

const invalid = (message: string): InvalidInputError =>
  new InvalidInputError(message, { provider: "openstack" });

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v !== "";

function domainJson(ref: DomainRef | undefined, what: string): Record<string, string> {
  if (ref && "id" in ref && nonEmpty(ref.id)) return { id: ref.id };
  if (ref && "name" in ref && nonEmpty(ref.name)) return { name: ref.name };
  throw invalid(`${what} needs a domain id or name`);
}

function userJson(ref: UserRef | undefined, what: string): Record<string, unknown> {
  if (ref && "id" in ref && nonEmpty(ref.id)) return { id: ref.id };
  if (ref && "name" in ref && nonEmpty(ref.name)) {
    return { name: ref.name, domain: domainJson(ref.domain, `${what} "${ref.name}"`) };
  }
  throw invalid(`${what} needs a user id, or a user name with its domain`);
}

function identityJson(auth: KeystoneAuth): Record<string, unknown> {
  if (auth.method === "password") {
    if (!nonEmpty(auth.password)) throw invalid("Keystone password auth needs a password");
    return {
      methods: ["password"],
      password: { user: { ...userJson(auth.user, "Keystone password auth"), password: auth.password } },
    };
  }
  if (auth.method === "application_credential") {
    if (!nonEmpty(auth.secret)) throw invalid("A Keystone application credential needs its secret");
    let credential: Record<string, unknown>;
    if ("id" in auth && nonEmpty(auth.id)) credential = { id: auth.id, secret: auth.secret };
    else if ("name" in auth && nonEmpty(auth.name)) {
      credential = {
        name: auth.name,
        user: userJson(auth.user, `Application credential "${auth.name}"`),
        secret: auth.secret,
      };
    } else throw invalid("A Keystone application credential needs an id, or a name with its user");
    return { methods: ["application_credential"], application_credential: credential };
  }
  throw invalid(
    `Unknown Keystone auth method "${String((auth as { method?: unknown }).method)}"; use "password" or "application_credential"`,
  );
}

function scopeJson(scope: KeystoneScope): Record<string, unknown> {
  if ("project" in scope) {
    const p = scope.project;
    if (p && "id" in p && nonEmpty(p.id)) return { project: { id: p.id } };
    if (p && "name" in p && nonEmpty(p.name)) {
      return { project: { name: p.name, domain: domainJson(p.domain, `Project "${p.name}"`) } };
    }
    throw invalid("A project scope needs a project id, or a project name with its domain");
  }
  if ("domain" in scope) return { domain: domainJson(scope.domain, "A domain scope") };
  if ("system" in scope && scope.system === "all") return { system: { all: true } };
  throw invalid('A Keystone scope is { project }, { domain } or { system: "all" }');
}

/** The JSON body for `POST /v3/auth/tokens`. Throws InvalidInputError for anything Keystone would refuse. */
export function authRequestBody(auth: KeystoneAuth, scope?: KeystoneScope): Record<string, unknown> {
  const identity = identityJson(auth);
  if (scope === undefined) return { auth: { identity } };
  if (auth.method === "application_credential") {
    // Keystone answers this with a 401 that is easy to misread as a wrong secret.
    throw invalid("An application credential is bound to its project: pass no scope with it");
  }
  return { auth: { identity, scope: scopeJson(scope) } };
}

const refText = (ref: DomainRef): string => ("id" in ref ? `id ${ref.id}` : `"${ref.name}"`);

function userText(ref: UserRef): string {
  return "id" in ref ? `user id ${ref.id}` : `user "${ref.name}" (domain ${refText(ref.domain)})`;
}

/** Who is authenticating, for messages; never includes a secret. */
export function describeIdentity(auth: KeystoneAuth): string {
  if (auth.method === "password") return userText(auth.user);
  if ("id" in auth) return `application credential ${auth.id}`;
  return `application credential "${auth.name}" of ${userText(auth.user)}`;
}

/** What the token is for, for messages. */
export function describeScope(scope: KeystoneScope | undefined): string {
  if (scope === undefined) return "unscoped";
  if ("project" in scope) {
    const p = scope.project;
    return "id" in p ? `project id ${p.id}` : `project "${p.name}" (domain ${refText(p.domain)})`;
  }
  if ("domain" in scope) return `domain ${refText(scope.domain)}`;
  return "system scope";
}
