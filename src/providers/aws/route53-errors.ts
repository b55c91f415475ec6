/**
 * Route 53's error answers. Most come as `<ErrorResponse><Error><Code/><Message/></Error><RequestId/>`;
 * InvalidChangeBatch comes as its own root with one `<Message>` per rejected change, all of which are kept
 * in the error's message, since each names the record set at fault.
 */
import type { ErrorKind } from "../../core/errors.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import type { ParsedProviderError } from "../../core/transport/types.js";

/** Codes whose class the HTTP status (often a bare 400) would get wrong. */
const KINDS: Readonly<Record<string, ErrorKind>> = {
  NoSuchHostedZone: "NotFound",
  NoSuchChange: "NotFound",
  NoSuchHealthCheck: "NotFound",
  NoSuchDelegationSet: "NotFound",
  HostedZoneAlreadyExists: "AlreadyExists",
  ConflictingDomainExists: "AlreadyExists",
  Throttling: "RateLimit",
  ThrottlingException: "RateLimit",
  // "The previous change to this zone is still being applied": back off and try again, like throttling.
  PriorRequestNotComplete: "RateLimit",
  InvalidChangeBatch: "InvalidInput",
  InvalidInput: "InvalidInput",
  InvalidDomainName: "InvalidInput",
  InvalidArgument: "InvalidInput",
  HostedZoneNotEmpty: "InvalidInput",
  TooManyHostedZones: "InvalidInput",
  AccessDenied: "Permission",
  AccessDeniedException: "Permission",
  InvalidClientTokenId: "Auth",
  SignatureDoesNotMatch: "Auth",
  ExpiredToken: "Auth",
  IncompleteSignature: "Auth",
  MissingAuthenticationToken: "Auth",
};

function tag(text: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1]?.trim() || undefined;
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

export const parseRoute53Error: ErrorParser = ({ body }) => {
  const text = body.toString("utf8", 0, Math.min(body.length, 64 * 1024));
  const out: ParsedProviderError = {};
  const root = /<([A-Za-z]+)[\s>]/.exec(text.replace(/<\?xml[^>]*\?>/, ""))?.[1];
  const code = tag(text, "Code") ?? (root === "InvalidChangeBatch" ? "InvalidChangeBatch" : undefined);
  const messages = [...text.matchAll(/<Message>([^<]*)<\/Message>/g)].map((m) => unescapeXml(m[1]!.trim()));
  if (code) {
    out.code = code;
    const kind = KINDS[code];
    if (kind) out.kind = kind;
  }
  if (messages.length > 0) out.message = messages.join("; ");
  const requestId = tag(text, "RequestId");
  if (requestId) out.requestId = requestId;
  return code || messages.length > 0 ? out : undefined;
};
