/**
 * Why Keystone refused a scoped token. It answers the same bare 401 for a wrong password, a project that
 * does not exist and a project the user has no role on, on purpose (no probing for names). A caller who
 * already holds valid credentials may ask, though: an unscoped token and the list of projects or domains it
 * can reach tell the cases apart. Runs only after a refusal, at most three calls.
 */

import {
  AuthError,
  isOmnicloudError,
  NotFoundError,
  type OmnicloudError,
  PermissionError,
} from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import { headerValue } from "../../core/transport/response-error.js";
import type { Transport } from "../../core/transport/transport.js";
import {
  authRequestBody,
  describeIdentity,
  describeScope,
  type KeystoneAuth,
  type KeystoneScope,
} from "./auth-request.js";

export interface DiagnosisInput {
  transport: Transport;
  /** The identity API's base, ending in /v3. */
  v3Url: string;
  auth: KeystoneAuth;
  scope: KeystoneScope;
  /** Keystone's refusal of the scoped request. */
  refusal: OmnicloudError;
  signal?: AbortSignal;
}

interface Listed {
  id: string;
  name?: string;
  domainId?: string;
}

function listOf(body: unknown, key: string): Listed[] {
  const items = (body as Record<string, unknown> | undefined)?.[key];
  if (!Array.isArray(items)) return [];
  const out: Listed[] = [];
  for (const item of items as unknown[]) {
    const o = item as Record<string, unknown> | null;
    if (!o || typeof o.id !== "string") continue;
    out.push({
      id: o.id,
      ...(typeof o.name === "string" ? { name: o.name } : {}),
      ...(typeof o.domain_id === "string" ? { domainId: o.domain_id } : {}),
    });
  }
  return out;
}

/** Does `ref` (by id, or by name with a domain given by id or name) name one of `items`? */
function matches(items: Listed[], ref: { id: string } | { name: string }, domainId?: string): boolean {
  return items.some((i) =>
    "id" in ref
      ? i.id === ref.id
      : i.name === ref.name && (domainId === undefined || i.domainId === domainId),
  );
}

/**
 * The error to raise for `refusal`: AuthError when the credentials themselves are wrong, NotFoundError when
 * the project or domain is not among those the user can reach, PermissionError when the user holds no
 * system role. Undefined when the diagnosis itself fails; the caller then raises its plain AuthError.
 */
export async function diagnoseScopeRefusal(input: DiagnosisInput): Promise<OmnicloudError | undefined> {
  const { transport, v3Url, auth, scope, refusal, signal } = input;
  const who = describeIdentity(auth);
  const target = describeScope(scope);
  let token: string | undefined;
  try {
    const unscoped = await transport.sendJson({
      method: "POST",
      url: `${v3Url}/auth/tokens`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(authRequestBody(auth)),
      idempotent: true,
      signal,
      operation: "keystone:diagnose-scope",
    });
    token = headerValue(unscoped.headers, "x-subject-token");
    if (!token) return undefined;
    registerSecret(token);
    const common = { provider: "openstack", cause: refusal, requestId: refusal.requestId };
    if ("system" in scope) {
      const res = await transport.sendJson({
        method: "GET",
        url: `${v3Url}/auth/system`,
        headers: { "x-auth-token": token },
        signal,
        operation: "keystone:diagnose-scope",
      });
      const system = (res.body as { system?: unknown } | undefined)?.system;
      if (Array.isArray(system) && system.length > 0) return undefined;
      return new PermissionError(`Keystone at ${v3Url} accepted ${who} but it holds no role on the system`, {
        ...common,
        hint: "Ask an admin for a system role assignment, or scope to a project instead",
      });
    }
    const kind = "project" in scope ? "projects" : "domains";
    const res = await transport.sendJson({
      method: "GET",
      url: `${v3Url}/auth/${kind}`,
      headers: { "x-auth-token": token },
      signal,
      operation: "keystone:diagnose-scope",
    });
    const items = listOf(res.body, kind);
    const ref = "project" in scope ? scope.project : scope.domain;
    const domainId =
      "project" in scope && "name" in scope.project && "id" in scope.project.domain
        ? scope.project.domain.id
        : undefined;
    if (matches(items, ref, domainId)) return undefined;
    const names = items.map((i) => i.name ?? i.id).join(", ") || "none";
    return new NotFoundError(
      `Keystone at ${v3Url} accepted ${who}, but ${target} is not among the ${kind} it can use (${names})`,
      {
        ...common,
        hint: `The ${kind === "projects" ? "project" : "domain"} does not exist, or the user has no role on it`,
      },
    );
  } catch (err) {
    if (isOmnicloudError(err) && err.kind === "Auth" && token === undefined) {
      return new AuthError(`Keystone at ${v3Url} refused ${who}: the credentials are wrong`, {
        provider: "openstack",
        status: refusal.status,
        code: refusal.code,
        requestId: refusal.requestId,
        cause: refusal,
        hint: "Check the user, its domain and the password; the scope was not the problem",
      });
    }
    return undefined;
  } finally {
    // The probe's token is ours alone and useless now: revoke it rather than leave it live for an hour.
    if (token !== undefined) {
      await transport
        .send({
          method: "DELETE",
          url: `${v3Url}/auth/tokens`,
          headers: { "x-auth-token": token, "x-subject-token": token },
          operation: "keystone:revoke",
        })
        .catch(() => undefined);
    }
  }
}
