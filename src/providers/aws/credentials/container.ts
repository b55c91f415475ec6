/**
 * Container credentials (ECS tasks, EKS Pod Identity, Greengrass, local emulators): an HTTP endpoint named
 * by AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (appended to 169.254.170.2) or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI, answering with the JSON credential document. An authorization token,
 * when the platform uses one, comes from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every load,
 * since EKS rotates it) or AWS_CONTAINER_AUTHORIZATION_TOKEN.
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { AuthError, InvalidInputError, isOmnicloudError } from "../../../core/errors.js";
import { registerSecret } from "../../../core/redact.js";
import { credentialsFromJson } from "./json-credentials.js";
import { type MetadataHttpOptions, metadataTransport } from "./metadata-http.js";
import type { AwsCredentials } from "./types.js";

/** ECS's credential endpoint, which RELATIVE_URI is appended to. */
export const ECS_CREDENTIALS_HOST = "http://169.254.170.2";

/** Plain-HTTP hosts FULL_URI may name: loopback and the ECS/EKS link-local agents. Anything else needs https. */
const HTTP_ALLOWED = new Set(["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"]);

function allowedOverHttp(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, "");
  if (HTTP_ALLOWED.has(bare)) return true;
  if (isIP(bare) === 4) return bare.startsWith("127.");
  return bare === "::1";
}

export interface ContainerOptions extends MetadataHttpOptions {
  env: NodeJS.ProcessEnv;
  now: number;
  /** Where RELATIVE_URI points, for tests. Default http://169.254.170.2. */
  host?: string;
  signal?: AbortSignal;
}

interface Target {
  url: URL;
  from: string;
}

function target(env: NodeJS.ProcessEnv, host: string): Target | undefined {
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  if (relative) {
    return {
      url: new URL(relative.startsWith("/") ? relative : `/${relative}`, host),
      from: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    };
  }
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (!full) return undefined;
  let url: URL;
  try {
    url = new URL(full);
  } catch (err) {
    throw new InvalidInputError("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL", { cause: err });
  }
  if (url.protocol === "http:" && !allowedOverHttp(url.hostname)) {
    throw new InvalidInputError(
      `AWS_CONTAINER_CREDENTIALS_FULL_URI names ${url.host} over plain http, which may only point at a loopback or ECS/EKS agent address`,
      { hint: "Use https for any other host" },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidInputError(
      `AWS_CONTAINER_CREDENTIALS_FULL_URI must be http or https, not ${url.protocol}`,
    );
  }
  return { url, from: "AWS_CONTAINER_CREDENTIALS_FULL_URI" };
}

async function authorizationToken(
  env: NodeJS.ProcessEnv,
): Promise<{ token: string; from: string } | undefined> {
  const file = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
  let token: string | undefined;
  let from: string;
  if (file) {
    from = `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (${file})`;
    try {
      token = (await readFile(file, "utf8")).trim();
    } catch (err) {
      throw new InvalidInputError(
        `Cannot read the container authorization token file ${file} (from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)`,
        {
          cause: err,
        },
      );
    }
  } else {
    token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    from = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
  }
  if (!token) return undefined;
  registerSecret(token);
  if (/[\r\n]/.test(token)) {
    // A header value with a line break would let the file inject headers.
    throw new InvalidInputError(`The container authorization token from ${from} holds a line break`);
  }
  return { token, from };
}

/** Whether the environment points at a container credential endpoint at all. */
export function containerConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
}

/** Credentials from the container endpoint; undefined when the environment names none. */
export async function containerCredentials(options: ContainerOptions): Promise<AwsCredentials | undefined> {
  const t = target(options.env, options.host ?? ECS_CREDENTIALS_HOST);
  if (!t) return undefined;
  const auth = await authorizationToken(options.env);
  const where = `the container credentials endpoint ${t.url.origin}${t.url.pathname} (from ${t.from})`;
  const transport = metadataTransport("aws-container-credentials", options);
  try {
    const res = await transport.sendJson({
      method: "GET",
      url: t.url,
      headers: auth ? { authorization: auth.token } : {},
      operation: "container:GetCredentials",
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return credentialsFromJson(res.body, { tokenField: "Token", where, now: options.now });
  } catch (err) {
    if (
      isOmnicloudError(err) &&
      (err.kind === "Auth" || err.kind === "Permission") &&
      err.status !== undefined
    ) {
      const token = auth
        ? `the authorization token from ${auth.from}`
        : "the request (no authorization token is set)";
      throw new AuthError(`${where} rejected ${token}`, { cause: err, status: err.status, provider: "aws" });
    }
    if (isOmnicloudError(err) && !err.message.includes(t.from))
      err.explain(`While loading credentials from ${where}.`);
    throw err;
  } finally {
    await transport.close();
  }
}
