/**
 * Signature Version 4 as pure functions over a request description: the header form (an Authorization
 * header) and the query form (a presigned URL). No I/O and no clock: the caller passes the date, so the
 * same input always gives the same bytes, which is what AWS's test suite checks.
 */
import { InvalidInputError } from "../../core/errors.js";
import type { AwsCredentials } from "./credentials/types.js";
import {
  type CanonicalPathOptions,
  canonicalHeaders,
  canonicalPath,
  canonicalQuery,
  type Pair,
} from "./sigv4-canonical.js";
import { ALGORITHM, amzDate, credentialScope, hmac, sha256Hex, signingKey } from "./sigv4-key.js";

/** The payload hash S3 accepts instead of a real one when the body is not signed. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** The payload hash announcing an aws-chunked body whose chunks carry their own signatures. */
export const STREAMING_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";

/** Longest presigned URL lifetime SigV4 allows: seven days. */
export const MAX_PRESIGN_SECONDS = 604_800;

/** Header names as AWS's documents spell them; HTTP does not care, the suite's signed requests do. */
const H_DATE = "X-Amz-Date";
const H_TOKEN = "X-Amz-Security-Token";
const H_SHA256 = "x-amz-content-sha256";
const H_AUTH = "Authorization";

/** A request to sign, described as it will go on the wire. */
export interface SignableRequest {
  /** "GET", "PUT", ... */
  method: string;
  /** The path exactly as it goes on the request line (percent-encoded for the wire). */
  path: string;
  /** Query parameters, decoded, in the order they are sent. */
  query?: readonly Pair[];
  /** Headers, a name may repeat; must include `host`. */
  headers: readonly Pair[];
  /** Hex SHA-256 of the body, or UNSIGNED_PAYLOAD / STREAMING_PAYLOAD. */
  payloadHash: string;
}

export interface SigV4Context extends CanonicalPathOptions {
  credentials: AwsCredentials;
  region: string;
  service: string;
  /** The signing time. */
  date: Date;
  /** Add an x-amz-content-sha256 header carrying the payload hash (S3 requires it). Default false. */
  contentSha256Header?: boolean;
  /**
   * Send the session token but leave it out of the signature, as a few services want (it is added after
   * signing). Default false: the token is signed like any other header or parameter.
   */
  omitSessionToken?: boolean;
}

export interface SignatureParts {
  canonicalRequest: string;
  stringToSign: string;
  /** Lower-case hex. */
  signature: string;
  /** "host;x-amz-date". */
  signedHeaders: string;
  /** "20150830/us-east-1/service/aws4_request". */
  credentialScope: string;
  /** "20150830T123600Z". */
  amzDate: string;
}

export interface HeaderSignature extends SignatureParts {
  /** Headers to add to the request, in this order (after replacing any of the same name). */
  headers: Pair[];
  /** The Authorization header's value. */
  authorization: string;
}

export interface QuerySignature extends SignatureParts {
  /** Query parameters to append after the request's own, in this order, the signature last. */
  query: Pair[];
}

function assertUsable(ctx: SigV4Context): void {
  const c = ctx.credentials;
  if (!c.accessKeyId || !c.secretAccessKey) {
    throw new InvalidInputError("Cannot sign: the AWS credentials lack an access key id or a secret key");
  }
  if (!ctx.region) throw new InvalidInputError("Cannot sign: no AWS region given");
  if (!ctx.service) throw new InvalidInputError("Cannot sign: no AWS service name given");
  if (Number.isNaN(ctx.date.getTime()))
    throw new InvalidInputError("Cannot sign: the signing date is invalid");
}

function buildCanonicalRequest(
  req: SignableRequest,
  query: readonly Pair[],
  headers: readonly Pair[],
  ctx: SigV4Context,
): { canonicalRequest: string; signedHeaders: string } {
  const ch = canonicalHeaders(headers);
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(req.path, ctx),
    canonicalQuery(query),
    ch.block,
    ch.signedHeaders,
    req.payloadHash,
  ].join("\n");
  return { canonicalRequest, signedHeaders: ch.signedHeaders };
}

function finish(ctx: SigV4Context, canonicalRequest: string, signedHeaders: string): SignatureParts {
  const stamp = amzDate(ctx.date);
  const day = stamp.slice(0, 8);
  const scope = credentialScope(day, ctx.region, ctx.service);
  const stringToSign = [ALGORITHM, stamp, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = signingKey(ctx.credentials, day, ctx.region, ctx.service);
  const signature = hmac(key, stringToSign).toString("hex");
  return { canonicalRequest, stringToSign, signature, signedHeaders, credentialScope: scope, amzDate: stamp };
}

/** Headers minus the ones the signer adds itself, so a re-sign never signs or sends a stale copy. */
function withoutNames(headers: readonly Pair[], drop: ReadonlySet<string>): Pair[] {
  return headers.filter(([n]) => !drop.has(n.trim().toLowerCase()));
}

// Perf: the lower-cased names each signature form drops, built once rather than per request.
const lowerSet = (names: readonly string[]): ReadonlySet<string> =>
  new Set(names.map((n) => n.toLowerCase()));
const DROP_HEADER_FORM = lowerSet([H_DATE, H_TOKEN, H_AUTH]);
const DROP_HEADER_FORM_SHA = lowerSet([H_DATE, H_TOKEN, H_AUTH, H_SHA256]);
const DROP_QUERY_FORM = lowerSet([H_AUTH]);

/** Sign in the header form: the result says which headers to add, Authorization last. */
export function signHeaders(req: SignableRequest, ctx: SigV4Context): HeaderSignature {
  assertUsable(ctx);
  const stamp = amzDate(ctx.date);
  const token = ctx.credentials.sessionToken;
  const added: Pair[] = [];
  if (token) added.push([H_TOKEN, token]);
  added.push([H_DATE, stamp]);
  if (ctx.contentSha256Header) added.push([H_SHA256, req.payloadHash]);

  const base = withoutNames(req.headers, ctx.contentSha256Header ? DROP_HEADER_FORM_SHA : DROP_HEADER_FORM);
  const signedExtra = ctx.omitSessionToken ? added.filter(([n]) => n !== H_TOKEN) : added;
  const { canonicalRequest, signedHeaders } = buildCanonicalRequest(
    req,
    req.query ?? [],
    [...base, ...signedExtra],
    ctx,
  );
  const parts = finish(ctx, canonicalRequest, signedHeaders);
  const authorization =
    `${ALGORITHM} Credential=${ctx.credentials.accessKeyId}/${parts.credentialScope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${parts.signature}`;
  return { ...parts, headers: [...added, [H_AUTH, authorization]], authorization };
}

const PRESIGN_PARAMS = new Set([
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-SignedHeaders",
  "X-Amz-Expires",
  "X-Amz-Security-Token",
  "X-Amz-Signature",
]);

/** Whether a query parameter is one of the presigned-URL signature parameters. */
export function isPresignParam(name: string): boolean {
  return PRESIGN_PARAMS.has(name);
}

export interface PresignContext extends SigV4Context {
  /** Seconds the URL stays valid, 1 to 604800. */
  expiresIn: number;
}

/**
 * Sign in the query form (a presigned URL). The headers given are signed and must be sent with the URL
 * exactly so; usually that is `host` alone.
 */
export function signQuery(req: SignableRequest, ctx: PresignContext): QuerySignature {
  assertUsable(ctx);
  if (!Number.isInteger(ctx.expiresIn) || ctx.expiresIn < 1 || ctx.expiresIn > MAX_PRESIGN_SECONDS) {
    throw new InvalidInputError(
      `A presigned URL must expire in 1 to ${MAX_PRESIGN_SECONDS} whole seconds (7 days); got ${ctx.expiresIn}`,
    );
  }
  const stamp = amzDate(ctx.date);
  const scope = credentialScope(stamp.slice(0, 8), ctx.region, ctx.service);
  const headers = withoutNames(req.headers, DROP_QUERY_FORM);
  const { signedHeaders } = canonicalHeaders(headers);
  const token = ctx.credentials.sessionToken;
  // The order AWS's suite appends them in; the canonical query sorts anyway.
  const auth: Pair[] = [
    ["X-Amz-Algorithm", ALGORITHM],
    ["X-Amz-Credential", `${ctx.credentials.accessKeyId}/${scope}`],
    ["X-Amz-Date", stamp],
    ["X-Amz-SignedHeaders", signedHeaders],
    ["X-Amz-Expires", String(ctx.expiresIn)],
  ];
  const tokenPair: Pair[] = token ? [["X-Amz-Security-Token", token]] : [];
  // A URL being presigned again drops its old signature parameters (query names are case-sensitive).
  const own = (req.query ?? []).filter(([name]) => !isPresignParam(name));
  const signedQuery = [...own, ...auth, ...(ctx.omitSessionToken ? [] : tokenPair)];
  const built = buildCanonicalRequest(req, signedQuery, headers, ctx);
  const parts = finish(ctx, built.canonicalRequest, built.signedHeaders);
  return { ...parts, query: [...auth, ...tokenPair, ["X-Amz-Signature", parts.signature]] };
}
