/**
 * Redaction of secrets from anything omnicloud prints or puts in an error: URLs, headers and free text.
 *
 * Two nets, because either alone leaks: rules by *name* (the Authorization header, a `Signature` query
 * parameter, a `"password"` JSON field) catch secrets we never saw before, and the registry of known secret
 * *values* catches a credential echoed back in an odd place (an error body quoting the token, say).
 */

export const REDACTED = "[REDACTED]";

const SENSITIVE_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-amz-security-token",
  "x-amz-content-sha256-signature",
  "x-auth-token",
  "x-subject-token",
  "x-storage-token",
  "x-auth-key",
  "x-api-key",
  "x-goog-api-key",
  "x-ms-copy-source-authorization",
  "x-vault-token",
  "x-account-meta-temp-url-key",
  "x-container-meta-temp-url-key",
  "x-account-meta-temp-url-key-2",
  "x-container-meta-temp-url-key-2",
]);

/** Query parameter names (lower case) whose values are credentials or signatures. */
const SENSITIVE_QUERY = new Set([
  "signature",
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "x-goog-signature",
  "x-goog-credential",
  "googleaccessid",
  "sig",
  "temp_url_sig",
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "api_key",
  "apikey",
  "key",
  "password",
  "passwd",
  "secret",
  "client_secret",
  "x-auth-token",
  "awsaccesskeyid",
]);

/** Field names in JSON, XML or form text whose values are secret. */
const SECRET_FIELD =
  /("?(?:password|passwd|secret|secret_?access_?key|client_secret|private_?key|access_?token|refresh_token|id_token|api_?key|token|session_?token)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^\s,&}<"]+)/gi;
// SignatureProvided: S3's SignatureDoesNotMatch error quotes the caller's signature back (fix: it leaked).
const XML_SECRET =
  /(<(Password|SecretAccessKey|SessionToken|Token|PrivateKey|SignatureProvided)>)([^<]*)(<\/\2>)/gi;
const AUTH_SCHEMES = /\b(Bearer|Basic|Digest|SharedKey|SharedKeyLite)\s+[A-Za-z0-9._~+/=:-]+/g;
const SIGV4_PARTS = /\b(Credential|Signature)=([A-Za-z0-9/_+=-]+)/g;
const PEM_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

/**
 * A sensitive query parameter inside free text, e.g. a URL an error body quotes back. Fix: only
 * `redactUrl` knew these names, so `?sig=...` (Azure SAS) echoed in an error body reached the excerpt.
 * The names are plain [a-z0-9_-], so they need no escaping inside the pattern.
 */
const QUERY_IN_TEXT = new RegExp(`([?&;](?:${[...SENSITIVE_QUERY].join("|")})=)([^&;\\s"'<>#]+)`, "gi");

/**
 * Known secret values, oldest first. Bounded: token providers register every refreshed token, and a
 * long-running process must not grow without end; the oldest values are long expired when they drop out.
 */
const knownSecrets = new Set<string>();
const MAX_KNOWN_SECRETS = 2_000;

/**
 * Remember a secret value so it is scrubbed wherever it later appears. Credential loaders call this for
 * every secret they read. Values shorter than 6 characters are ignored: scrubbing them would mangle text.
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== "string" || value.length < 6) return;
  // Re-adding moves a value to the young end, so a long-lived static key is never the one dropped.
  knownSecrets.delete(value);
  knownSecrets.add(value);
  if (knownSecrets.size > MAX_KNOWN_SECRETS) {
    const oldest = knownSecrets.values().next().value;
    if (oldest !== undefined) knownSecrets.delete(oldest);
  }
}

export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_HEADERS.has(name.toLowerCase());
}

export function isSensitiveQueryParam(name: string): boolean {
  return SENSITIVE_QUERY.has(name.toLowerCase());
}

/** Scrub free text: known secret values first, then the name-based patterns. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(PEM_BLOCK, REDACTED)
    .replace(AUTH_SCHEMES, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(SIGV4_PARTS, (_m, name: string) => `${name}=${REDACTED}`)
    .replace(QUERY_IN_TEXT, (_m, prefix: string) => prefix + REDACTED)
    .replace(
      XML_SECRET,
      (_m, open: string, _tag: string, _value: string, close: string) => open + REDACTED + close,
    )
    .replace(SECRET_FIELD, (_m, prefix: string, value: string) =>
      value.startsWith('"') ? `${prefix}"${REDACTED}"` : prefix + REDACTED,
    );
}

/** A URL with its userinfo and sensitive query values replaced. Unparseable input falls back to text rules. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === "string" ? new URL(url) : new URL(url.href);
  } catch {
    return redactText(String(url));
  }
  if (parsed.password) parsed.password = REDACTED;
  if (parsed.username) parsed.username = REDACTED;
  const params = parsed.searchParams;
  for (const name of new Set(params.keys())) {
    if (isSensitiveQueryParam(name)) params.set(name, REDACTED);
  }
  return redactText(parsed.href.replaceAll(encodeURIComponent(REDACTED), REDACTED));
}

/** Headers as a plain object with sensitive values replaced, for logs. */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(", ") : value;
    out[name] = isSensitiveHeader(name) ? REDACTED : redactText(joined);
  }
  return out;
}
