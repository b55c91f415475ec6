/**
 * known_hosts as OpenSSH reads it (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"): one key per line after a
 * host field of comma-separated patterns (`*`, `?`, `!negation`), `[host]:port` for other ports than 22,
 * hashed `|1|salt|hmac` names, and optional `@revoked` / `@cert-authority` markers. Written here rather
 * than borrowed, because ssh2 leaves host-key checks entirely to its caller.
 */
import { createHmac, randomBytes } from "node:crypto";
import { blobKeyType, sha256Fingerprint } from "./ssh-wire.js";

export interface KnownHostEntry {
  marker?: "revoked" | "cert-authority";
  /** The host field as written, e.g. "[10.0.0.5]:2222,web-1" or "|1|salt|hash". */
  hosts: string;
  type: string;
  blob: Buffer;
  /** Where the line came from, for error messages: "/root/.ssh/known_hosts:12". */
  source: string;
}

/** Parses known_hosts text; lines OpenSSH would skip (comments, garbage, unknown markers) are skipped. */
export function parseKnownHosts(text: string, sourceName = "known_hosts"): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry["marker"];
    if (fields[0]!.startsWith("@")) {
      const name = fields.shift()!;
      if (name === "@revoked") marker = "revoked";
      else if (name === "@cert-authority") marker = "cert-authority";
      else continue;
    }
    const [hosts, type, encoded] = fields;
    if (hosts === undefined || type === undefined || encoded === undefined) continue;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) continue;
    const blob = Buffer.from(encoded, "base64");
    // A blob whose inner type disagrees with the written one is corrupt: OpenSSH ignores such lines too.
    if (blobKeyType(blob) !== type) continue;
    const entry: KnownHostEntry = { hosts, type, blob, source: `${sourceName}:${i + 1}` };
    if (marker !== undefined) entry.marker = marker;
    entries.push(entry);
  }
  return entries;
}

/** The name OpenSSH looks up: the bare host on port 22, "[host]:port" otherwise; lower case. */
export function lookupName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** HMAC-SHA1 of the name keyed by the salt, in OpenSSH's "|1|salt|hash" form. */
export function hashHostName(name: string, salt: Buffer = randomBytes(20)): string {
  const mac = createHmac("sha1", salt).update(name).digest("base64");
  return `|1|${salt.toString("base64")}|${mac}`;
}

function hashedMatches(pattern: string, name: string): boolean {
  const parts = pattern.split("|");
  // "|1|salt|hash" splits into ["", "1", salt, hash].
  if (parts.length !== 4 || parts[1] !== "1") return false;
  const salt = Buffer.from(parts[2]!, "base64");
  if (salt.length === 0) return false;
  return hashHostName(name, salt) === pattern;
}

function globMatches(pattern: string, name: string): boolean {
  const regex = pattern
    .toLowerCase()
    .split("")
    .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${regex}$`).test(name);
}

/**
 * Whether a host field applies to `name`. As in OpenSSH, a matching negated pattern vetoes the whole
 * field even if another pattern matches.
 */
export function hostFieldMatches(field: string, name: string): boolean {
  let matched = false;
  for (const raw of field.split(",")) {
    if (raw === "") continue;
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    const hit = pattern.startsWith("|") ? hashedMatches(pattern, name) : globMatches(pattern, name);
    if (hit && negated) return false;
    if (hit) matched = true;
  }
  return matched;
}

export type KnownHostsVerdict =
  | { status: "match"; entry: KnownHostEntry }
  | { status: "revoked"; entry: KnownHostEntry }
  | { status: "mismatch"; known: KnownHostEntry[] }
  | { status: "unknown"; certAuthorities: number };

/**
 * The verdict for a key offered by host:port. A key marked @revoked is refused for every host, not only
 * the hosts on its line: a revoked key is compromised wherever it turns up.
 */
export function checkKnownHosts(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  offered: Uint8Array,
): KnownHostsVerdict {
  const revoked = entries.find((e) => e.marker === "revoked" && e.blob.equals(offered));
  if (revoked) return { status: "revoked", entry: revoked };
  const name = lookupName(host, port);
  const forHost = entries.filter((e) => e.marker !== "revoked" && hostFieldMatches(e.hosts, name));
  const plain = forHost.filter((e) => e.marker === undefined);
  const same = plain.find((e) => e.blob.equals(offered));
  if (same) return { status: "match", entry: same };
  if (plain.length > 0) return { status: "mismatch", known: plain };
  // Host certificates are not negotiated (ssh2 does not support them), so a CA line cannot vouch for a key.
  return { status: "unknown", certAuthorities: forHost.length };
}

/** The key types known for host:port, in file order, for preferring them during negotiation. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const name = lookupName(host, port);
  const types = entries
    .filter((e) => e.marker === undefined && hostFieldMatches(e.hosts, name))
    .map((e) => e.type);
  return [...new Set(types)];
}

/** "ssh-ed25519 SHA256:… (file:line)" for each entry: what the error says was expected. */
export function describeEntries(entries: readonly KnownHostEntry[]): string {
  return entries.map((e) => `${e.type} ${sha256Fingerprint(e.blob)} (${e.source})`).join(", ");
}

/** A line to append for a newly accepted host, hashed as Debian's ssh_config does by default. */
export function knownHostsLine(
  host: string,
  port: number,
  type: string,
  blob: Uint8Array,
  hash = true,
): string {
  const name = lookupName(host, port);
  return `${hash ? hashHostName(name) : name} ${type} ${Buffer.from(blob).toString("base64")}`;
}
