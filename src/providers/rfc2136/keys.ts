/**
 * TSIG keys from what users have at hand: an object, nsupdate's "-y" text ("hmac-sha256:name:secret"),
 * or a BIND key file (`key "name" { algorithm hmac-sha256; secret "..."; };`, as tsig-keygen writes it and
 * `nsupdate -k` reads it). The secret is registered for redaction as soon as it is read.
 */
import { readFileSync } from "node:fs";
import { InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import { isTsigAlgorithm, TSIG_ALGORITHMS, type TsigAlgorithm, type TsigKey } from "./tsig.js";

export interface TsigKeyInput {
  /** As the server's config names it ("update-key"); the trailing dot is optional. */
  name: string;
  /** Default hmac-sha256. */
  algorithm?: TsigAlgorithm;
  /** Base64, as in the server's config. */
  secret: string;
}

function keyName(name: string): string {
  const lower = name.trim().toLowerCase();
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(lower)) {
    throw new InvalidInputError(
      `TSIG key name "${name}" is not a domain name of letters, digits, '-' and '_'`,
    );
  }
  return lower.endsWith(".") ? lower : `${lower}.`;
}

/** A key from its parts: the algorithm checked, the secret decoded from base64. */
export function tsigKey(input: TsigKeyInput): TsigKey {
  const algorithm = (input.algorithm ?? "hmac-sha256").toLowerCase();
  if (!isTsigAlgorithm(algorithm)) {
    throw new InvalidInputError(
      `TSIG algorithm "${input.algorithm}" is not one of ${TSIG_ALGORITHMS.join(", ")}`,
    );
  }
  const text = input.secret.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new InvalidInputError(`the secret of TSIG key "${input.name}" is not base64`);
  }
  registerSecret(text);
  return { name: keyName(input.name), algorithm, secret: Buffer.from(text, "base64") };
}

/** nsupdate's `-y [alg:]name:secret`. */
export function parseKeyText(text: string): TsigKey {
  const parts = text.trim().split(":");
  if (parts.length === 2) return tsigKey({ name: parts[0]!, secret: parts[1]! });
  if (parts.length === 3) {
    return tsigKey({ algorithm: parts[0] as TsigAlgorithm, name: parts[1]!, secret: parts[2]! });
  }
  throw new InvalidInputError('a TSIG key as text is "[algorithm:]name:secret"');
}

/**
 * The keys of a BIND key file's text. Only `key` statements are read; comments of all three BIND styles
 * are skipped.
 */
export function parseBindKeyFile(text: string, what = "the key file"): TsigKey[] {
  const clean = text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/(\/\/|#)[^\n]*/g, " ");
  const keys: TsigKey[] = [];
  const statement = /key\s+"?([^"\s{]+)"?\s*\{([^}]*)\}\s*;/g;
  for (const [, name, body] of clean.matchAll(statement)) {
    const algorithm = /algorithm\s+"?([a-z0-9-]+)"?\s*;/i.exec(body!)?.[1];
    const secret = /secret\s+"([^"]+)"\s*;/.exec(body!)?.[1];
    if (!algorithm || !secret) {
      throw new InvalidInputError(`${what}: key "${name}" needs an algorithm and a quoted secret`);
    }
    keys.push(tsigKey({ name: name!, algorithm: algorithm.toLowerCase() as TsigAlgorithm, secret }));
  }
  if (keys.length === 0) throw new InvalidInputError(`${what} holds no key statement`);
  return keys;
}

/** The first (or the named) key of a BIND key file on disk. */
export function readBindKeyFile(path: string, name?: string): TsigKey {
  const keys = parseBindKeyFile(readFileSync(path, "utf8"), path);
  if (name === undefined) return keys[0]!;
  const wanted = keyName(name);
  const found = keys.find((k) => k.name === wanted);
  if (!found) throw new InvalidInputError(`${path} has no key named "${name}"`);
  return found;
}
