/**
 * The few pieces of the SSH wire format (RFC 4251 §5) that host-key checks and key conversion need:
 * length-prefixed strings and mpints, key blobs, and fingerprints as `ssh-keygen -l` prints them.
 */
import { createHash } from "node:crypto";
import { InvalidInputError } from "../core/errors.js";
import { redactText } from "../core/redact.js";

/** Reads the uint32-length-prefixed string at `offset`; undefined when the buffer is too short. */
export function readString(buf: Uint8Array, offset: number): { value: Buffer; next: number } | undefined {
  if (offset + 4 > buf.length) return undefined;
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const length = view.readUInt32BE(offset);
  const end = offset + 4 + length;
  if (end > buf.length) return undefined;
  return { value: view.subarray(offset + 4, end), next: end };
}

/** An SSH string: uint32 length, then the bytes. */
export function sshString(value: Uint8Array | string): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(bytes.length);
  return Buffer.concat([head, bytes]);
}

/** An SSH mpint from unsigned big-endian bytes: leading zeros dropped, a zero byte added if the top bit is set. */
export function sshMpint(unsigned: Uint8Array): Buffer {
  let start = 0;
  while (start < unsigned.length && unsigned[start] === 0) start++;
  const trimmed = Buffer.from(unsigned.subarray(start));
  const needsPad = trimmed.length > 0 && (trimmed[0]! & 0x80) !== 0;
  return sshString(needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function sshUint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** The key type named inside a public key blob (its first string), e.g. "ssh-ed25519". */
export function blobKeyType(blob: Uint8Array): string | undefined {
  const first = readString(blob, 0);
  if (first === undefined || first.value.length === 0 || first.value.length > 64) return undefined;
  const type = first.value.toString("latin1");
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** "SHA256:" and unpadded base64, exactly as `ssh-keygen -l` prints it. */
export function sha256Fingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The legacy "MD5:aa:bb:…" form some provider consoles still show. */
export function md5Fingerprint(blob: Uint8Array): string {
  const hex = createHash("md5").update(blob).digest("hex");
  return `MD5:${hex.match(/../g)!.join(":")}`;
}

/** A fingerprint the caller gave, normalised so it compares equal to ours. */
export interface ParsedFingerprint {
  algorithm: "sha256" | "md5";
  /** The canonical text form: "SHA256:…" unpadded, or "MD5:aa:…" lower case. */
  text: string;
}

/**
 * Accepts "SHA256:<base64>" (padding optional, prefix case-insensitive), "MD5:aa:bb:…" and a bare
 * colon-separated MD5 as older tools print it. Anything else is an InvalidInputError, never a silent
 * non-match that would read as a man-in-the-middle.
 */
export function parseFingerprint(input: string): ParsedFingerprint {
  const text = input.trim();
  const sha = /^sha256:([A-Za-z0-9+/]+={0,2})$/i.exec(text);
  if (sha) {
    const digest = Buffer.from(sha[1]!, "base64");
    if (digest.length === 32) {
      return { algorithm: "sha256", text: `SHA256:${digest.toString("base64").replace(/=+$/, "")}` };
    }
  }
  const md5 = /^(?:md5:)?((?:[0-9a-f]{2}:){15}[0-9a-f]{2})$/i.exec(text);
  if (md5) return { algorithm: "md5", text: `MD5:${md5[1]!.toLowerCase()}` };
  throw new InvalidInputError(
    `"${text}" is not a host key fingerprint: expected "SHA256:<base64>" as ssh-keygen -l prints it (or "MD5:aa:bb:…")`,
  );
}

export function fingerprintFor(blob: Uint8Array, algorithm: ParsedFingerprint["algorithm"]): string {
  return algorithm === "sha256" ? sha256Fingerprint(blob) : md5Fingerprint(blob);
}

/** One public key in OpenSSH's one-line form. */
export interface PublicKeyInfo {
  /** "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", … */
  type: string;
  blob: Buffer;
  comment: string;
  /** "type base64" without the comment: the form to compare and to store. */
  line: string;
  fingerprint: string;
}

/**
 * Parses "type base64 [comment]", also with authorized_keys options in front
 * (`from="10.0.0.1" ssh-ed25519 AAAA…`). The type named inside the blob must match the type written before it.
 */
export function parsePublicKey(text: string): PublicKeyInfo {
  const tokens = text.trim().split(/\s+/);
  for (let i = 0; i + 1 < tokens.length; i++) {
    const type = tokens[i]!;
    if (!/^(?:ssh-|ecdsa-|sk-)/.test(type)) continue;
    const encoded = tokens[i + 1]!;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) continue;
    const blob = Buffer.from(encoded, "base64");
    if (blobKeyType(blob) !== type) continue;
    return {
      type,
      blob,
      comment: tokens.slice(i + 2).join(" "),
      line: `${type} ${blob.toString("base64")}`,
      fingerprint: sha256Fingerprint(blob),
    };
  }
  // Never quote the input when it looks like a private key: pasting the wrong half is a common slip.
  if (/PRIVATE KEY/.test(text)) {
    throw new InvalidInputError("Expected an OpenSSH public key but got a private key; pass the public half");
  }
  throw new InvalidInputError(
    `Not an OpenSSH public key: expected "ssh-ed25519 AAAA…" or another "type base64 [comment]" line, got "${redactText(text.trim().slice(0, 40))}…"`,
  );
}

/** The host-key algorithm names a key type can be negotiated as (RSA keys sign with SHA-2 today). */
export function algorithmsForKeyType(type: string): string[] {
  return type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type];
}
