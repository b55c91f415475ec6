/**
 * Private keys for SSH login: OpenSSH format ("BEGIN OPENSSH PRIVATE KEY", bcrypt-encrypted or not) and
 * PEM (traditional "BEGIN RSA/EC PRIVATE KEY", encrypted with Proc-Type/DEK-Info or not, and PKCS#8
 * "BEGIN [ENCRYPTED] PRIVATE KEY"), for RSA, ECDSA and Ed25519. Every secret is registered for redaction
 * the moment it is read, and a loaded key never prints its private half.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import ssh2 from "ssh2";
import { AuthError, InvalidInputError } from "../core/errors.js";
import { registerSecret } from "../core/redact.js";
import { sshPartsOf, toOpenSshPrivateKey } from "./openssh-key-format.js";
import { sha256Fingerprint } from "./ssh-wire.js";

/** A private key ready for ssh2. Its private half is kept out of JSON, inspection and string forms. */
export class PrivateKey {
  /** "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", … */
  readonly type: string;
  /** The matching public key line ("type base64"), e.g. for `installKey`. */
  readonly publicKey: string;
  /** "SHA256:…", as `ssh-keygen -l` prints it. */
  readonly fingerprint: string;
  /** "openssh" or "pem": the format it was given in. */
  readonly format: "openssh" | "pem";
  readonly #material: string;

  constructor(init: { type: string; publicBlob: Buffer; format: "openssh" | "pem"; material: string }) {
    this.type = init.type;
    this.publicKey = `${init.type} ${init.publicBlob.toString("base64")}`;
    this.fingerprint = sha256Fingerprint(init.publicBlob);
    this.format = init.format;
    this.#material = init.material;
  }

  /** The decrypted key in OpenSSH form, for ssh2's connect(). Internal to omnicloud/deploy. */
  forSsh2(): { privateKey: string } {
    return { privateKey: this.#material };
  }

  toJSON(): Record<string, string> {
    return { type: this.type, fingerprint: this.fingerprint, format: this.format };
  }

  toString(): string {
    return `PrivateKey(${this.type} ${this.fingerprint})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Registers the whole key and each of its body lines, so even a fragment quoted somewhere is scrubbed. */
function registerKeyText(text: string): void {
  registerSecret(text);
  registerSecret(text.trim());
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith("-----") && !/^[A-Za-z-]+:/.test(line)) registerSecret(line.trim());
  }
}

/**
 * Reads a private key from its text (or bytes). `passphrase` is needed for an encrypted key and ignored
 * otherwise. A wrong passphrase is an AuthError; a missing one or an unreadable key an InvalidInputError.
 */
export function parsePrivateKey(source: string | Uint8Array, passphrase?: string): PrivateKey {
  const text = typeof source === "string" ? source : Buffer.from(source).toString("utf8");
  registerKeyText(text);
  if (passphrase !== undefined) registerSecret(passphrase);
  const trimmed = text.trim();

  if (trimmed.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----")) return fromOpenSsh(trimmed, passphrase);
  if (/^-----BEGIN (?:RSA |EC |ENCRYPTED |)PRIVATE KEY-----/.test(trimmed))
    return fromPem(trimmed, passphrase);
  if (/^-----BEGIN DSA PRIVATE KEY-----/.test(trimmed)) {
    throw new InvalidInputError(
      "DSA keys are not supported (OpenSSH disabled them): use Ed25519, ECDSA or RSA",
    );
  }
  if (/^PuTTY-User-Key-File/.test(trimmed)) {
    throw new InvalidInputError(
      "PuTTY .ppk keys are not supported: export the key in OpenSSH format (puttygen key.ppk -O private-openssh)",
    );
  }
  throw new InvalidInputError(
    "Not a private key: expected OpenSSH (-----BEGIN OPENSSH PRIVATE KEY-----) or PEM (-----BEGIN RSA/EC/ENCRYPTED PRIVATE KEY-----) text; to read a key file, use privateKeyPath",
  );
}

/** Reads a private key file; see `parsePrivateKey`. */
export async function readPrivateKeyFile(path: string, passphrase?: string): Promise<PrivateKey> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw new InvalidInputError(`Could not read the private key file ${path}`, { cause: err });
  }
  return parsePrivateKey(data, passphrase);
}

function fromOpenSsh(text: string, passphrase: string | undefined): PrivateKey {
  const parsed = ssh2.utils.parseKey(text, passphrase);
  if (parsed instanceof Error) {
    const why = parsed.message;
    if (/no passphrase given/i.test(why)) {
      throw new InvalidInputError("The OpenSSH private key is encrypted: pass its passphrase");
    }
    if (/passphrase/i.test(why)) {
      throw new AuthError("The OpenSSH private key could not be decrypted: wrong passphrase");
    }
    throw new InvalidInputError(`The OpenSSH private key could not be read: ${why}`);
  }
  const key = Array.isArray(parsed) ? (parsed[0] as ssh2.ParsedKey | undefined) : parsed;
  if (key === undefined || !key.isPrivateKey()) {
    throw new InvalidInputError("The OpenSSH key file holds no private key");
  }
  // Decrypted once here and kept decrypted in memory: each connection attempt would otherwise pay the
  // bcrypt key derivation again (a noticeable pause in pure JavaScript).
  return fromKeyObject(createPrivateKey(key.getPrivatePEM()), "openssh");
}

function fromPem(text: string, passphrase: string | undefined): PrivateKey {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(
      passphrase === undefined ? { key: text, format: "pem" } : { key: text, format: "pem", passphrase },
    );
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    const encrypted = /ENCRYPTED/.test(text);
    if (encrypted && (passphrase === undefined || code === "ERR_MISSING_PASSPHRASE")) {
      throw new InvalidInputError("The PEM private key is encrypted: pass its passphrase");
    }
    if (encrypted) {
      throw new AuthError("The PEM private key could not be decrypted: wrong passphrase", { cause: err });
    }
    throw new InvalidInputError("The PEM private key could not be read", { cause: err });
  }
  return fromKeyObject(keyObject, "pem");
}

/** One form for every key ssh2 gets: unencrypted OpenSSH text, held only in memory. */
function fromKeyObject(keyObject: KeyObject, format: "openssh" | "pem"): PrivateKey {
  const parts = sshPartsOf(keyObject);
  const material = toOpenSshPrivateKey(parts);
  registerKeyText(material);
  return new PrivateKey({ type: parts.type, publicBlob: parts.publicBlob, format, material });
}
