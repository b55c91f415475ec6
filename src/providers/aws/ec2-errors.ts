/**
 * EC2's error document (`<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors>
 * <RequestID>…</RequestID></Response>`) read into typed errors. EC2 answers almost every client error with
 * a 400, so the code, not the status, decides the class: "InvalidInstanceID.NotFound" is a NotFoundError,
 * "IdempotentParameterMismatch" an AlreadyExistsError, "RequestLimitExceeded" a RateLimitError.
 */
import type { ErrorKind } from "../../core/errors.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import type { ParsedProviderError } from "../../core/transport/types.js";

/** Codes whose class the suffix rules below would not find. */
const KINDS: Readonly<Record<string, ErrorKind>> = {
  // A ClientToken reused with other parameters: a different create already owns that token.
  IdempotentParameterMismatch: "AlreadyExists",
  RequestLimitExceeded: "RateLimit",
  Throttling: "RateLimit",
  ThrottlingException: "RateLimit",
  UnauthorizedOperation: "Permission",
  OptInRequired: "Permission",
  Blocked: "Permission",
  PendingVerification: "Permission",
  AuthFailure: "Auth",
  InvalidClientTokenId: "Auth",
  SignatureDoesNotMatch: "Auth",
  MissingAuthenticationToken: "Auth",
  ExpiredToken: "Auth",
  RequestExpired: "Auth",
  InvalidParameterValue: "InvalidInput",
  InvalidParameter: "InvalidInput",
  InvalidParameterCombination: "InvalidInput",
  MissingParameter: "InvalidInput",
  UnknownParameter: "InvalidInput",
  InvalidAction: "InvalidInput",
  ValidationError: "InvalidInput",
  InvalidUserData: "InvalidInput",
  InvalidBlockDeviceMapping: "InvalidInput",
  InvalidKeyPair: "InvalidInput",
  InvalidCharacter: "InvalidInput",
  // The resource is in a state that does not allow the call (rebooting a stopped instance, deleting an
  // attached volume): the request is wrong now, and the hint says what to check.
  IncorrectState: "InvalidInput",
  IncorrectInstanceState: "InvalidInput",
  VolumeInUse: "InvalidInput",
  InvalidState: "InvalidInput",
  "InvalidVolume.ZoneMismatch": "InvalidInput",
  "InvalidAMIID.Unavailable": "NotFound",
  "InvalidSnapshot.InUse": "InvalidInput",
  "InvalidImage.InUse": "InvalidInput",
  Unavailable: "Provider",
  InternalError: "Provider",
  InsufficientInstanceCapacity: "Provider",
};

const HINTS: Readonly<Record<string, string>> = {
  IdempotentParameterMismatch:
    "This client token was used by an earlier create with other parameters; use a new token",
  IncorrectInstanceState: "The instance is not in a state that allows this; check its state first",
  IncorrectState: "The resource is not in a state that allows this; check its state first",
  VolumeInUse: "The volume is attached; detach it first",
  InsufficientInstanceCapacity:
    "AWS has no capacity for this instance type here now; try another zone or type",
  OptInRequired: "The account is not subscribed to this service or region; opt in first",
};

/** The class a code maps to: the table, then the families EC2 names by suffix. */
export function ec2ErrorKind(code: string): ErrorKind | undefined {
  const known = KINDS[code];
  if (known) return known;
  // InvalidInstanceID.NotFound, InvalidAMIID.NotFound, InvalidKeyPair.NotFound, InvalidVolume.NotFound, …
  if (code.endsWith(".NotFound")) return "NotFound";
  // InvalidKeyPair.Duplicate, InvalidGroup.Duplicate, …
  if (code.endsWith(".Duplicate")) return "AlreadyExists";
  // InvalidInstanceID.Malformed, InvalidAMIID.Malformed, InvalidParameterValue.* …
  if (code.endsWith(".Malformed") || code.startsWith("InvalidParameter")) return "InvalidInput";
  // InstanceLimitExceeded, VolumeLimitExceeded, …: a quota, not throttling; the status class stays.
  return undefined;
}

export function ec2ErrorHint(code: string): string | undefined {
  return HINTS[code];
}

function tag(text: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text);
  const value = m?.[1]?.trim();
  return value ? decodeXmlText(value) : undefined;
}

function decodeXmlText(text: string): string {
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_whole, name: string) => named[name] ?? "");
}

/**
 * The first `<Error>` of EC2's document (EC2 sends one; several only on batch calls, where the first
 * names the problem). A regex read: error bodies are small and flat, and a broken one must still say
 * what it can.
 */
export const parseEc2Error: ErrorParser = ({ body }) => {
  const text = body.toString("utf8", 0, Math.min(body.length, 64 * 1024));
  if (!text.includes("<Error")) return undefined;
  const error = /<Error>([\s\S]*?)<\/Error>/.exec(text)?.[1] ?? text;
  const code = tag(error, "Code");
  const message = tag(error, "Message")?.replace(/\s+/g, " ");
  const parsed: ParsedProviderError = {};
  if (code !== undefined) parsed.code = code;
  const hint = code === undefined ? undefined : ec2ErrorHint(code);
  if (message !== undefined || hint !== undefined) {
    parsed.message = [message ?? code, hint].filter(Boolean).join(". ");
  }
  const requestId = tag(text, "RequestID") ?? tag(text, "RequestId");
  if (requestId !== undefined) parsed.requestId = requestId;
  const kind = code === undefined ? undefined : ec2ErrorKind(code);
  if (kind !== undefined) parsed.kind = kind;
  return parsed;
};
