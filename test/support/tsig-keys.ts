/**
 * TSIG keys for the RFC 2136 test servers: one key per algorithm (so the algorithm matrix runs against
 * one server), written in the formats BIND and Knot read. Secrets are fresh random bytes per run.
 */
import { randomBytes } from "node:crypto";
import { TSIG_ALGORITHMS, type TsigAlgorithm } from "../../src/providers/rfc2136/tsig.js";

export interface TestKey {
  /** Without the trailing dot, as the servers' configs name keys. */
  name: string;
  algorithm: TsigAlgorithm;
  /** Base64. */
  secret: string;
}

/** The key the conformance suite signs with. */
export const MAIN_KEY_NAME = "omnicloud-update";

/** A key of each algorithm, the first (hmac-sha256) being the suite's main key. */
export function makeTestKeys(): TestKey[] {
  const ordered: TsigAlgorithm[] = ["hmac-sha256", ...TSIG_ALGORITHMS.filter((a) => a !== "hmac-sha256")];
  return ordered.map((algorithm, i) => ({
    name: i === 0 ? MAIN_KEY_NAME : `omnicloud-${algorithm}`,
    algorithm,
    // As long as the hash output, as RFC 8945 6 recommends; 32 bytes is plenty for every algorithm here.
    secret: randomBytes(32).toString("base64"),
  }));
}

/** BIND's `key` statements. */
export function bindKeyConfig(keys: readonly TestKey[]): string {
  return keys
    .map((k) => `key "${k.name}" {\n  algorithm ${k.algorithm};\n  secret "${k.secret}";\n};\n`)
    .join("");
}

/** Knot's `key:` section entries (YAML). */
export function knotKeyConfig(keys: readonly TestKey[]): string {
  return keys
    .map((k) => `  - id: ${k.name}\n    algorithm: ${k.algorithm}\n    secret: ${k.secret}\n`)
    .join("");
}
