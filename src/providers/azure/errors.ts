import type { ErrorKind } from "../../core/errors.js";
import { type ErrorParser, headerValue } from "../../core/transport/response-error.js";
import type { ParsedProviderError } from "../../core/transport/types.js";

/**
 * Storage error codes whose class differs from their status's. AuthenticationFailed comes as 403, but it
 * says the signature or key was refused, not that valid credentials lack a right.
 */
const KIND_BY_CODE: Record<string, ErrorKind> = {
  AuthenticationFailed: "Auth",
  InvalidAuthenticationInfo: "Auth",
  NoAuthenticationInformation: "Auth",
  ContainerAlreadyExists: "AlreadyExists",
  BlobAlreadyExists: "AlreadyExists",
  ContainerBeingDeleted: "AlreadyExists",
};

const AUTHENTICATION_FAILED_MESSAGE = "Server failed to authenticate the request";

/**
 * Reads Azure Storage's XML error (`<Error><Code/><Message/></Error>`), or the x-ms-error-code header when
 * there is no body (HEAD). Only the message's first line is kept: the rest repeats request id and time.
 * AuthenticationErrorDetail is left out on purpose: it quotes the signature the server received.
 */
export const azureStorageErrorParser: ErrorParser = ({ headers, body }) => {
  const text = body.toString("utf8", 0, Math.min(body.length, 64 * 1024));
  const tag = (name: string): string | undefined =>
    new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1]?.trim() || undefined;
  const code = tag("Code") ?? headerValue(headers, "x-ms-error-code");
  if (code === undefined) return undefined;
  const message = tag("Message")?.split("\n")[0];
  const out: ParsedProviderError = { code, message: message ?? code };
  // Azurite answers a bad signature with AuthorizationFailure (Azure's code for firewall and policy denials)
  // but with AuthenticationFailed's message; the message is what tells a refused signature apart.
  const kind = message?.startsWith(AUTHENTICATION_FAILED_MESSAGE) ? "Auth" : KIND_BY_CODE[code];
  if (kind) out.kind = kind;
  return out;
};
