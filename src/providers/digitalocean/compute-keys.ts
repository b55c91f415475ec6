/**
 * SSH keys (/v2/account/keys). The portable API names key pairs; DigitalOcean addresses keys by numeric id
 * or fingerprint, so a name is looked up in the list first. DigitalOcean never generates keys: it only
 * stores public keys it is given, so `create` is absent and the portable API says so.
 */
import { createHash } from "node:crypto";
import type { KeyPairDriver } from "../../compute/driver.js";
import type { KeyPair } from "../../compute/types.js";
import { InvalidInputError, NotFoundError } from "../../core/errors.js";
import type { DigitalOceanApi } from "./api.js";
import { parseSshKey } from "./compute-parse.js";

/** The MD5 fingerprint DigitalOcean shows for an OpenSSH public key ("aa:bb:…"). */
export function md5Fingerprint(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob)
    throw new InvalidInputError("A public key line has a type, a base64 blob and an optional comment");
  const hex = createHash("md5").update(Buffer.from(blob, "base64")).digest("hex");
  return hex.match(/../g)!.join(":");
}

export class DigitalOceanKeys implements KeyPairDriver {
  constructor(private readonly api: DigitalOceanApi) {}

  list(signal: AbortSignal | undefined): AsyncIterable<KeyPair> {
    return this.api.list(
      "/v2/account/keys",
      "ssh_keys",
      "sshKeys_list",
      (k) => parseSshKey(k, this.api.provider),
      {
        signal,
      },
    );
  }

  /** The key named `name` (names are not unique on DigitalOcean: the first listed wins). */
  async get(name: string, signal: AbortSignal | undefined): Promise<KeyPair> {
    for await (const key of this.list(signal)) if (key.name === name) return key;
    throw new NotFoundError(`SSH key "${name}" does not exist`, { provider: this.api.provider });
  }

  /** One key by fingerprint, or undefined when the account has none with it. */
  async byFingerprint(fingerprint: string, signal: AbortSignal | undefined): Promise<KeyPair | undefined> {
    try {
      const doc = await this.api.call(
        "GET",
        `/v2/account/keys/${encodeURIComponent(fingerprint)}`,
        "sshKeys_get",
        {
          signal,
        },
      );
      return parseSshKey(doc.at("ssh_key"), this.api.provider);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async import(name: string, publicKey: string, signal: AbortSignal | undefined): Promise<KeyPair> {
    const doc = await this.api.call("POST", "/v2/account/keys", "sshKeys_create", {
      body: { name, public_key: publicKey },
      signal,
    });
    return parseSshKey(doc.at("ssh_key"), this.api.provider);
  }

  async delete(name: string, signal: AbortSignal | undefined): Promise<void> {
    const key = await this.get(name, signal);
    await this.api.call("DELETE", `/v2/account/keys/${encodeURIComponent(key.id)}`, "sshKeys_delete", {
      signal,
    });
  }

  /**
   * The id of the stored key for a bare public key, importing it first when the account lacks it, so
   * `auth: { sshKey }` works like on providers that take keys inline.
   */
  async ensure(publicKey: string, signal: AbortSignal | undefined): Promise<string> {
    const fingerprint = md5Fingerprint(publicKey);
    const found = await this.byFingerprint(fingerprint, signal);
    if (found) return found.id;
    const imported = await this.import(
      `omnicloud-${fingerprint.replace(/:/g, "").slice(0, 12)}`,
      publicKey,
      signal,
    );
    return imported.id;
  }
}
