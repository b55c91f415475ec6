import { REDACTED } from "../../core/redact.js";

/**
 * Profile options as they may be shown: the value of any key named like a secret (secret, token,
 * password, key, credential, …) is replaced whole, and a password inside a URL is too. Nothing of a
 * secret is kept (not even its last characters): `config list` output ends up in tickets and chats.
 */
const SECRET_KEY = /secret|token|passw|passphrase|key|credential|signature|sas|auth/i;

function maskUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/i, `$1:${REDACTED}@`);
}

export function maskOptions(value: unknown, keyIsSecret = false): unknown {
  if (Array.isArray(value)) return value.map((v) => maskOptions(v, keyIsSecret));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Under a secret-named key (e.g. "credentials") everything is secret, objects included.
      out[k] = maskOptions(v, keyIsSecret || SECRET_KEY.test(k));
    }
    return out;
  }
  if (keyIsSecret && value !== undefined && value !== null && value !== "") return REDACTED;
  return typeof value === "string" ? maskUrl(value) : value;
}
