/**
 * Input checks made before any request, so a bad name or an oversized user-data blob fails at once with a
 * message saying what is wrong, not as a provider error after a round trip (or, worse, half a create).
 */
import { InvalidInputError } from "../core/errors.js";
import type { NodeNameRules } from "./driver.js";
import { UnsupportedOperationError } from "./errors.js";
import type { NodeAuth, NodeAuthKind, NodeRef } from "./types.js";

// Control characters break logs, XML and shell quoting everywhere; no provider accepts them in names.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_TAGS = 50;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
/** EC2's ClientToken limit, the strictest of the providers that have one. */
const MAX_CLIENT_TOKEN = 64;
// An OpenSSH public key line: type, base64 blob, optional comment.
const SSH_PUBLIC_KEY =
  /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function checkNodeName(provider: string, name: unknown, rules: NodeNameRules): string {
  if (typeof name !== "string" || name === "") {
    throw new InvalidInputError(`A node name must be a non-empty string, not ${describe(name)}`, {
      provider,
    });
  }
  if (name.length > rules.maxLength) {
    throw new InvalidInputError(
      `Node name ${JSON.stringify(name)} is ${name.length} characters long; ${provider} allows at most ${rules.maxLength}`,
      { provider },
    );
  }
  if (CONTROL.test(name) || !rules.pattern.test(name)) {
    throw new InvalidInputError(`Node name ${JSON.stringify(name)} is not valid for ${provider}`, {
      provider,
      hint: `Use ${rules.description}`,
    });
  }
  return name;
}

/** The id inside a node reference, checked to be a usable id. */
export function nodeIdOf(ref: NodeRef): string {
  const id = typeof ref === "string" ? ref : (ref as { id?: unknown } | null | undefined)?.id;
  return checkId("node", id);
}

/** Ids of any kind (node, image, volume, snapshot): a non-empty string without control characters. */
export function checkId(what: string, id: unknown): string {
  if (typeof id !== "string" || id === "" || CONTROL.test(id)) {
    throw new InvalidInputError(
      `A ${what} id must be a non-empty string without control characters, not ${describe(id)}`,
    );
  }
  return id;
}

/** A plain resource name (key pair, volume, snapshot, image): non-empty, at most 255, no control characters. */
export function checkResourceName(what: string, name: unknown): string {
  if (typeof name !== "string" || name === "" || name.length > 255 || CONTROL.test(name)) {
    throw new InvalidInputError(
      `A ${what} name must be 1 to 255 characters without control characters, not ${describe(name)}`,
    );
  }
  return name;
}

export function checkTags(tags: Record<string, string> | undefined): Record<string, string> {
  if (tags === undefined) return {};
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
    throw new InvalidInputError("Tags must be an object of string keys to string values");
  }
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) {
    throw new InvalidInputError(`A node may have at most ${MAX_TAGS} tags, not ${entries.length}`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key === "" || key.length > MAX_TAG_KEY || CONTROL.test(key)) {
      throw new InvalidInputError(
        `Tag key ${JSON.stringify(key)} must be 1 to ${MAX_TAG_KEY} characters without control characters`,
      );
    }
    if (typeof value !== "string" || value.length > MAX_TAG_VALUE || CONTROL.test(value)) {
      throw new InvalidInputError(
        `Tag ${JSON.stringify(key)} must have a string value of at most ${MAX_TAG_VALUE} characters without control characters`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** User data as bytes, within the provider's limit; the provider taking none at all is an unsupported operation. */
export function checkUserData(
  provider: string,
  userData: string | Uint8Array | undefined,
  maxBytes: number | undefined,
): Uint8Array | undefined {
  if (userData === undefined) return undefined;
  if (typeof userData !== "string" && !(userData instanceof Uint8Array)) {
    throw new InvalidInputError("User data must be a string or bytes", { provider });
  }
  if (maxBytes === undefined || maxBytes <= 0) throw new UnsupportedOperationError(provider, "user data");
  const bytes = typeof userData === "string" ? new TextEncoder().encode(userData) : userData;
  if (bytes.byteLength > maxBytes) {
    throw new InvalidInputError(
      `User data is ${bytes.byteLength} bytes; ${provider} accepts at most ${maxBytes}`,
      { provider, hint: "Fetch larger configuration from the node at boot instead" },
    );
  }
  return bytes;
}

export function checkAuth(
  provider: string,
  auth: NodeAuth | undefined,
  kinds: readonly NodeAuthKind[],
): NodeAuth | undefined {
  if (auth === undefined) return undefined;
  if (typeof auth !== "object" || auth === null) {
    throw new InvalidInputError("auth must be { sshKey }, { keyPair } or { password }", { provider });
  }
  const kind = (["sshKey", "keyPair", "password"] as const).filter((k) => k in auth);
  const [only] = kind;
  if (kind.length !== 1 || only === undefined) {
    throw new InvalidInputError("auth must have exactly one of sshKey, keyPair or password", { provider });
  }
  if (!kinds.includes(only)) {
    throw new UnsupportedOperationError(provider, `auth with ${only}`, {
      hint:
        kinds.length === 0
          ? "Images on this provider must carry their own credentials"
          : `This provider takes auth with ${kinds.join(" or ")}`,
    });
  }
  const value = (auth as Record<string, unknown>)[only];
  if (only === "sshKey") {
    if (typeof value !== "string" || !SSH_PUBLIC_KEY.test(value.trim())) {
      throw new InvalidInputError(
        'auth.sshKey must be one OpenSSH public key line ("ssh-ed25519 AAAA… comment")',
        {
          provider,
        },
      );
    }
    return { sshKey: value.trim() };
  }
  if (only === "keyPair") return { keyPair: checkResourceName("key pair", value) };
  if (typeof value !== "string" || value === "" || value.length > 256 || CONTROL.test(value)) {
    throw new InvalidInputError("auth.password must be 1 to 256 characters without control characters", {
      provider,
    });
  }
  return { password: value };
}

export function checkClientToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (
    typeof token !== "string" ||
    token === "" ||
    token.length > MAX_CLIENT_TOKEN ||
    !/^[\x21-\x7e]+$/.test(token)
  ) {
    throw new InvalidInputError(
      `A client token must be 1 to ${MAX_CLIENT_TOKEN} printable ASCII characters without spaces, not ${describe(token)}`,
    );
  }
  return token;
}

export function checkSizeGiB(sizeGiB: unknown): number {
  if (typeof sizeGiB !== "number" || !Number.isSafeInteger(sizeGiB) || sizeGiB < 1 || sizeGiB > 65_536) {
    throw new InvalidInputError(
      `A volume size must be a whole number of GiB from 1 to 65536, not ${describe(sizeGiB)}`,
    );
  }
  return sizeGiB;
}

export function checkPublicKey(publicKey: unknown): string {
  if (typeof publicKey !== "string" || !SSH_PUBLIC_KEY.test(publicKey.trim())) {
    throw new InvalidInputError(
      'A public key must be one OpenSSH public key line ("ssh-ed25519 AAAA… comment")',
    );
  }
  return publicKey.trim();
}
