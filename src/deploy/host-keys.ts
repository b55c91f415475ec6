/**
 * Host-key policy: what vouches for a server's key before we send it a password or a signature. Verified
 * by default (the user's known_hosts); opting out is explicit and warned about on every connection.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { InvalidInputError, OmnicloudError } from "../core/errors.js";
import { HostKeyError } from "./errors.js";
import {
  checkKnownHosts,
  describeEntries,
  type KnownHostEntry,
  knownHostsLine,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from "./known-hosts.js";
import type { DeployLogger } from "./log.js";
import {
  algorithmsForKeyType,
  blobKeyType,
  fingerprintFor,
  type ParsedFingerprint,
  type PublicKeyInfo,
  parseFingerprint,
  parsePublicKey,
  sha256Fingerprint,
} from "./ssh-wire.js";

/**
 * What vouches for the server's key. Any source given may vouch (a key in known_hosts *or* a pinned
 * fingerprint); when none is given, the user's `~/.ssh/known_hosts` and `/etc/ssh/ssh_known_hosts` are read.
 */
export interface HostKeyPolicy {
  /** known_hosts files to read; a missing file counts as empty. */
  knownHostsFile?: string | readonly string[];
  /** known_hosts content given as text (e.g. from a secret store). */
  knownHosts?: string;
  /** Fingerprints as `ssh-keygen -l` prints them ("SHA256:…"), e.g. from the provider's console output. */
  fingerprint?: string | readonly string[];
  /**
   * The key type the fingerprint belongs to ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"): a server
   * holds several host keys and offers the one negotiated, so say which one the fingerprint is of.
   */
  keyType?: string;
  /** Public keys ("ssh-ed25519 AAAA…"), e.g. as the provider published them for a new node. */
  publicKey?: string | readonly string[];
  /**
   * Trust on first use, as OpenSSH's `StrictHostKeyChecking accept-new`: an unknown host's key is appended
   * (hashed) to the first known_hosts file. A changed key is still refused.
   */
  acceptNew?: boolean;
  /** Skip verification. Logged as a warning on every connection. Never combine with other fields. */
  insecureAcceptAny?: boolean;
}

/** How the server's key was accepted, reported in results. */
export interface VerifiedHostKey {
  type: string;
  fingerprint: string;
  /** "known_hosts /root/.ssh/known_hosts:3", "fingerprint", "publicKey", "acceptNew", or "insecure". */
  verifiedBy: string;
}

/** A policy made ready for one host: files read, fingerprints parsed. */
export interface HostKeyCheck {
  /** Key types to prefer when negotiating, so the server offers a key we can check. */
  preferredTypes: string[];
  /** Throws a HostKeyError when the key is refused. */
  verify(blob: Buffer): Promise<VerifiedHostKey>;
}

export function defaultKnownHostsFiles(): string[] {
  return [join(homedir(), ".ssh", "known_hosts"), "/etc/ssh/ssh_known_hosts"];
}

async function readKnownHostsFile(path: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(path, "utf8"), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new OmnicloudError(`Could not read known_hosts file ${path}`, { cause: err });
  }
}

function asList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

export async function prepareHostKeyCheck(
  policy: HostKeyPolicy | undefined,
  host: string,
  port: number,
  log: DeployLogger,
): Promise<HostKeyCheck> {
  const p = policy ?? {};
  const fingerprints: ParsedFingerprint[] = asList(p.fingerprint).map(parseFingerprint);
  const publicKeys: PublicKeyInfo[] = asList(p.publicKey).map(parsePublicKey);
  const explicitFiles = asList(p.knownHostsFile);
  const hasExplicit =
    fingerprints.length > 0 ||
    publicKeys.length > 0 ||
    explicitFiles.length > 0 ||
    p.knownHosts !== undefined;

  if (p.insecureAcceptAny === true) {
    if (hasExplicit || p.acceptNew === true) {
      throw new InvalidInputError(
        "hostKey.insecureAcceptAny cannot be combined with known_hosts, fingerprints, public keys or acceptNew: choose verification or its absence",
      );
    }
    return insecureCheck(host, port, log);
  }
  if (p.keyType !== undefined && fingerprints.length === 0) {
    throw new InvalidInputError(
      "hostKey.keyType names the type of hostKey.fingerprint; give the fingerprint too",
    );
  }

  // With nothing explicit, the user's own known_hosts decides, exactly as the ssh command would.
  const files = hasExplicit ? explicitFiles : defaultKnownHostsFiles();
  const entries: KnownHostEntry[] = [];
  for (const file of files) entries.push(...(await readKnownHostsFile(file)));
  if (p.knownHosts !== undefined) entries.push(...parseKnownHosts(p.knownHosts, "hostKey.knownHosts"));
  const acceptNewFile = p.acceptNew === true ? (files[0] ?? defaultKnownHostsFiles()[0]!) : undefined;

  const preferredTypes = [
    ...publicKeys.map((k) => k.type),
    ...(p.keyType === undefined ? [] : [p.keyType]),
    ...knownKeyTypes(entries, host, port),
  ];

  const verify = async (blob: Buffer): Promise<VerifiedHostKey> => {
    const type = blobKeyType(blob) ?? "unknown-type";
    const fingerprint = sha256Fingerprint(blob);
    const refuse = (problem: "mismatch" | "unknown" | "revoked", expected: string): never => {
      throw new HostKeyError({
        host,
        port,
        problem,
        offeredType: type,
        offeredFingerprint: fingerprint,
        expected,
      });
    };

    const verdict = checkKnownHosts(entries, host, port, blob);
    if (verdict.status === "revoked") refuse("revoked", `is marked @revoked at ${verdict.entry.source}`);
    if (verdict.status === "match") {
      return { type, fingerprint, verifiedBy: `known_hosts ${verdict.entry.source}` };
    }
    if (publicKeys.some((k) => k.blob.equals(blob))) return { type, fingerprint, verifiedBy: "publicKey" };
    if (fingerprints.some((f) => f.text === fingerprintFor(blob, f.algorithm))) {
      return { type, fingerprint, verifiedBy: "fingerprint" };
    }

    const expected: string[] = [];
    if (verdict.status === "mismatch") expected.push(describeEntries(verdict.known));
    for (const k of publicKeys) expected.push(`${k.type} ${k.fingerprint} (hostKey.publicKey)`);
    for (const f of fingerprints) {
      expected.push(`${p.keyType === undefined ? "" : `${p.keyType} `}${f.text} (hostKey.fingerprint)`);
    }
    if (expected.length > 0) {
      const typeNote =
        fingerprints.length > 0 && p.keyType === undefined
          ? `; if the fingerprint is of another of the host's keys than ${type}, set hostKey.keyType`
          : "";
      return refuse("mismatch", `${expected.join(", ")}${typeNote}`);
    }

    if (acceptNewFile !== undefined) {
      await mkdir(dirname(acceptNewFile), { recursive: true, mode: 0o700 });
      await appendFile(acceptNewFile, `${knownHostsLine(host, port, type, blob)}\n`, { mode: 0o600 });
      log.warn(
        `Accepted the new host key of ${lookupName(host, port)} on first use (${type} ${fingerprint}) and added it to ${acceptNewFile}`,
      );
      return { type, fingerprint, verifiedBy: "acceptNew" };
    }
    const caNote =
      verdict.status === "unknown" && verdict.certAuthorities > 0
        ? "; only @cert-authority lines name it, and host certificates are not supported"
        : "";
    const looked = files.length > 0 ? files.join(", ") : "no known_hosts file";
    return refuse(
      "unknown",
      `no entry for ${lookupName(host, port)} in ${looked}${caNote}; pass hostKey.fingerprint or hostKey.publicKey, add the key to known_hosts, or opt in to hostKey.acceptNew`,
    );
  };

  return { preferredTypes: [...new Set(preferredTypes)], verify };
}

function insecureCheck(host: string, port: number, log: DeployLogger): HostKeyCheck {
  return {
    preferredTypes: [],
    verify: async (blob) => {
      const type = blobKeyType(blob) ?? "unknown-type";
      const fingerprint = sha256Fingerprint(blob);
      log.warn(
        `Host key of ${host} port ${port} NOT verified (hostKey.insecureAcceptAny): accepted ${type} ${fingerprint} without checking; anyone on the path could be impersonating this server`,
      );
      return { type, fingerprint, verifiedBy: "insecure" };
    },
  };
}

/** Host-key algorithms in preference order: the types we can check first, then ssh2's other defaults. */
export function orderHostKeyAlgorithms(
  preferredTypes: readonly string[],
  defaults: readonly string[],
): string[] {
  const first = preferredTypes.flatMap(algorithmsForKeyType).filter((a) => defaults.includes(a));
  return [...new Set([...first, ...defaults])];
}
