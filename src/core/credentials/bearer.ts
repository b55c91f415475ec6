/**
 * Static API tokens, the credential most smaller clouds use: read from an option or the environment,
 * registered for redaction, and put on each attempt in the header the provider expects.
 */

import { AuthError } from "../errors.js";
import { registerSecret } from "../redact.js";
import type { Attempt } from "../transport/types.js";

/** Where a provider expects its token: `Authorization: Bearer …` or a bare `X-Auth-Token: …`. */
export type TokenHeader = "bearer" | "x-auth-token";

export interface TokenConvention {
  /** Environment variables the provider's own tools read, in the order they prefer them. */
  readonly envVars: readonly string[];
  readonly header: TokenHeader;
}

/**
 * Each provider's usual variables, as its CLI, Terraform provider or API docs name them. Legacy names
 * come last, so an old variable left in a shell never wins over the current one.
 */
export const TOKEN_CONVENTIONS = {
  digitalocean: { envVars: ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"], header: "bearer" },
  linode: { envVars: ["LINODE_TOKEN", "LINODE_CLI_TOKEN"], header: "bearer" },
  vultr: { envVars: ["VULTR_API_KEY"], header: "bearer" },
  hetzner: { envVars: ["HCLOUD_TOKEN"], header: "bearer" },
  cloudflare: { envVars: ["CLOUDFLARE_API_TOKEN"], header: "bearer" },
  // Scaleway's API reads the secret part of an API key from X-Auth-Token; SCW_TOKEN is the old CLI name.
  scaleway: { envVars: ["SCW_SECRET_KEY", "SCW_TOKEN"], header: "x-auth-token" },
  // Equinix Metal (ex-Packet) also uses X-Auth-Token; PACKET_AUTH_TOKEN is the pre-rename variable.
  equinixmetal: { envVars: ["METAL_AUTH_TOKEN", "PACKET_AUTH_TOKEN"], header: "x-auth-token" },
} as const satisfies Record<string, TokenConvention>;

export type TokenProviderName = keyof typeof TOKEN_CONVENTIONS;

export interface BearerTokenOptions {
  /** Provider id, for the error message. */
  provider: string;
  /** The token itself; wins over the environment when given. */
  token?: string;
  /** Environment variables to read, first set one wins. */
  envVars: readonly string[];
  /** The option's name as the caller spells it, for the error message. Default "token". */
  optionName?: string;
  /** The environment to read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * A token pasted from a file often ends in a newline (trimmed); whitespace or control characters inside
 * mean a broken value, which would otherwise surface as an obscure header error from the HTTP client.
 */
function hasUnprintable(token: string): boolean {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return /\s/.test(token);
}

/**
 * The token from `options.token`, else from the first set environment variable, registered with the
 * redactor so it never reaches a log or an error. Missing: an AuthError naming the option and every
 * variable looked at. The token's value is never part of any message.
 */
export function bearerToken(options: BearerTokenOptions): string {
  const optionName = options.optionName ?? "token";
  const env = options.env ?? process.env;
  let value: string | undefined;
  let source: string;
  if (options.token !== undefined) {
    value = options.token;
    source = `the ${optionName} option`;
  } else {
    const found = options.envVars.find((name) => (env[name] ?? "").trim() !== "");
    value = found === undefined ? undefined : env[found];
    source = found === undefined ? "" : `environment variable ${found}`;
  }
  if (value === undefined) {
    const looked = options.envVars.length > 0 ? `, nor any of ${options.envVars.join(", ")} set` : "";
    throw new AuthError(`No ${options.provider} API token: no ${optionName} option given${looked}`, {
      provider: options.provider,
      hint: `Pass ${optionName}${options.envVars.length > 0 ? ` or set ${options.envVars[0]}` : ""}`,
    });
  }
  // Register before any check can fail, so even a rejected value is scrubbed wherever it shows up later.
  registerSecret(value);
  const token = value.trim();
  registerSecret(token);
  if (token === "") {
    throw new AuthError(`The ${options.provider} API token from ${source} is empty`, {
      provider: options.provider,
    });
  }
  if (hasUnprintable(token)) {
    throw new AuthError(
      `The ${options.provider} API token from ${source} contains spaces or control characters`,
      { provider: options.provider, hint: "Copy the token again; it may be wrapped or include a label" },
    );
  }
  return token;
}

/** A Transport `authorize` hook that sends `Authorization: Bearer <token>` on every attempt. */
export function bearerAuthorizer(token: string): (attempt: Attempt) => void {
  registerSecret(token);
  const value = `Bearer ${token}`;
  return (attempt) => {
    attempt.headers.authorization = value;
  };
}

/** A Transport `authorize` hook that sends the token in the header `header` (lower case) as is. */
export function tokenHeaderAuthorizer(token: string, header = "x-auth-token"): (attempt: Attempt) => void {
  registerSecret(token);
  const name = header.toLowerCase();
  return (attempt) => {
    attempt.headers[name] = token;
  };
}

export interface ProviderTokenOptions {
  token?: string;
  env?: NodeJS.ProcessEnv;
}

/** The token for a provider in TOKEN_CONVENTIONS, and the hook that sends it the way that provider wants. */
export function providerTokenAuthorizer(
  provider: TokenProviderName,
  options: ProviderTokenOptions = {},
): (attempt: Attempt) => void {
  const convention: TokenConvention = TOKEN_CONVENTIONS[provider];
  const token = bearerToken({
    provider,
    token: options.token,
    env: options.env,
    envVars: convention.envVars,
  });
  return convention.header === "bearer" ? bearerAuthorizer(token) : tokenHeaderAuthorizer(token);
}
