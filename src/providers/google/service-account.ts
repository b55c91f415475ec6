/**
 * Google service-account key files: the JSON a user downloads from the console, read and checked once so
 * every later failure can name the file and the field at fault — and never print the key itself.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";

/** Google's token endpoint, used when a key file names none (older files lack `token_uri`). */
export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";

/** A parsed service-account key. The private key is a KeyObject, so it never prints as PEM. */
export interface ServiceAccountKey {
  readonly type: "service_account";
  /** The account's e-mail: the JWT issuer and the signed-URL credential. */
  readonly clientEmail: string;
  readonly privateKey: KeyObject;
  /** Names the key to Google (the JWT `kid`); absent in some hand-made files. */
  readonly privateKeyId: string | undefined;
  readonly tokenUri: string;
  readonly projectId: string | undefined;
  /** Where the key came from (a file path, or a label the caller chose), for error messages. */
  readonly source: string;
}

function invalid(source: string, problem: string): InvalidInputError {
  return new InvalidInputError(`Service-account key file ${source}: ${problem}`, {
    provider: "google",
    hint: "Download a fresh JSON key for the service account from the Google Cloud console",
  });
}

/**
 * Parse the text of a key file. `source` names it in errors (pass the path). Throws InvalidInputError
 * naming the missing or invalid field; the key's text is never part of the message or the cause.
 */
export function parseServiceAccountKey(text: string, source: string): ServiceAccountKey {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text around the fault, which may be key material: keep only the position.
    const at = /position (\d+)/.exec(String((err as Error).message))?.[1];
    throw invalid(source, `not valid JSON${at === undefined ? "" : ` (at character ${at})`}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw invalid(source, "expected a JSON object");
  }
  const o = doc as Record<string, unknown>;
  // Registered before any check can throw, so nothing later can echo it.
  if (typeof o.private_key === "string") registerSecret(o.private_key);

  const field = (name: string, required: boolean): string | undefined => {
    const v = o[name];
    if (v === undefined || v === null || v === "") {
      if (required) throw invalid(source, `missing field "${name}"`);
      return undefined;
    }
    if (typeof v !== "string") throw invalid(source, `field "${name}" must be a string`);
    return v;
  };

  const type = field("type", true);
  if (type !== "service_account") {
    throw invalid(source, `field "type" is "${type}", expected "service_account"`);
  }
  const clientEmail = field("client_email", true)!;
  if (!/^[^@\s]+@[^@\s]+$/.test(clientEmail)) {
    throw invalid(source, `field "client_email" is not an e-mail address`);
  }
  const pem = field("private_key", true)!;
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw invalid(source, `field "private_key" is not a PEM private key${code ? ` (${code})` : ""}`);
  }
  if (privateKey.asymmetricKeyType !== "rsa") {
    throw invalid(source, `field "private_key" must be an RSA key, not ${privateKey.asymmetricKeyType}`);
  }
  const tokenUri = field("token_uri", false) ?? GOOGLE_TOKEN_URI;
  if (!URL.canParse(tokenUri) || !/^https?:$/.test(new URL(tokenUri).protocol)) {
    throw invalid(source, `field "token_uri" is not an http(s) URL`);
  }
  return {
    type: "service_account",
    clientEmail,
    privateKey,
    privateKeyId: field("private_key_id", false),
    tokenUri,
    projectId: field("project_id", false),
    source,
  };
}

/** Read and parse a key file; an unreadable file is an InvalidInputError naming the path. */
export async function loadServiceAccountKey(path: string): Promise<ServiceAccountKey> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new InvalidInputError(`Cannot read the service-account key file ${path}`, {
      provider: "google",
      code,
      hint: "Check the path (e.g. GOOGLE_APPLICATION_CREDENTIALS) and that the file is readable",
    });
  }
  return parseServiceAccountKey(text, path);
}
