/**
 * GCS V4 POST policies: the fields of an HTML form that uploads straight to a bucket, signed with a service
 * account's key (GOOG4-RSA-SHA256). Byte-exact with Google's conformance vectors.
 */
import { createSign } from "node:crypto";
import { InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import { type GcsSigningCredentials, GOOG4_RSA, MAX_V4_EXPIRY_SECONDS } from "./signed-url.js";
import { type GcsEndpointOptions, goog4DateTime, isoSeconds, resolveEndpoint } from "./v4-encoding.js";

/** A policy condition, as the POST-object documentation lists them. */
export type GcsPolicyCondition =
  | readonly ["starts-with", string, string]
  | readonly ["eq", string, string]
  | readonly ["content-length-range", number, number]
  | Readonly<Record<string, string>>;

export interface GcsPostPolicyOptions extends GcsEndpointOptions {
  credentials: GcsSigningCredentials;
  bucket: string;
  /** The object name the form uploads to. */
  object: string;
  expiresInSeconds: number;
  now?: Date;
  /** Form fields fixed by the policy (acl, content-type, x-goog-meta-*, success_action_redirect …). */
  fields?: Record<string, string>;
  /** Further conditions, e.g. ["content-length-range", 0, 1048576] or ["starts-with", "$acl", "public"]. */
  conditions?: readonly GcsPolicyCondition[];
}

export interface GcsPostPolicy {
  /** Where the form posts to. */
  url: string;
  /** Every field the form must carry, `policy` and `x-goog-signature` included; `file` goes last. */
  fields: Record<string, string>;
  expiresAt: Date;
}

/**
 * JSON with every non-ASCII character as a \uXXXX escape: the policy is base64 of this text, so its
 * bytes must not depend on how a runtime writes é.
 */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function generateGcsPostPolicyV4(o: GcsPostPolicyOptions): GcsPostPolicy {
  if (!Number.isInteger(o.expiresInSeconds) || o.expiresInSeconds < 1) {
    throw new InvalidInputError(
      `expiresInSeconds must be a positive whole number, not ${o.expiresInSeconds}`,
      {
        provider: "gcs",
      },
    );
  }
  if (o.expiresInSeconds > MAX_V4_EXPIRY_SECONDS) {
    throw new InvalidInputError(`A V4 POST policy may live at most ${MAX_V4_EXPIRY_SECONDS} s (7 days)`, {
      provider: "gcs",
    });
  }
  const now = o.now ?? new Date();
  const expiresAt = new Date(now.getTime() + o.expiresInSeconds * 1000);
  const stamp = goog4DateTime(now);
  const credential = `${o.credentials.clientEmail}/${stamp.slice(0, 8)}/auto/storage/goog4_request`;

  // Fields first, in lexicographic order, so every implementation builds the same bytes.
  const fields = Object.entries(o.fields ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const conditions: unknown[] = [
    ...fields.map(([k, v]) => ({ [k]: v })),
    ...(o.conditions ?? []),
    { bucket: o.bucket },
    { key: o.object },
    { "x-goog-date": stamp },
    { "x-goog-credential": credential },
    { "x-goog-algorithm": GOOG4_RSA },
  ];
  const policy = Buffer.from(asciiJson({ conditions, expiration: isoSeconds(expiresAt) }), "utf8").toString(
    "base64",
  );
  const signature = createSign("RSA-SHA256").update(policy).sign(o.credentials.privateKey, "hex");
  registerSecret(signature);

  const ep = resolveEndpoint(o.bucket, o);
  return {
    url: `${ep.scheme}://${ep.authority}${ep.bucketPath}/`,
    fields: {
      key: o.object,
      ...Object.fromEntries(fields),
      "x-goog-algorithm": GOOG4_RSA,
      "x-goog-credential": credential,
      "x-goog-date": stamp,
      "x-goog-signature": signature,
      policy,
    },
    expiresAt,
  };
}
