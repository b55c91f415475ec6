/**
 * Writes an unencrypted private key in OpenSSH's own format ("openssh-key-v1", PROTOCOL.key in the
 * OpenSSH sources) from a Node KeyObject. ssh2 reads only OpenSSH and the traditional RSA/EC PEM forms, so
 * keys arriving as PKCS#8 (which is how Ed25519 keys come out of OpenSSL) are converted in memory first.
 * The result never touches the disk.
 */
import { type KeyObject, randomBytes } from "node:crypto";
import { InvalidInputError } from "../core/errors.js";
import { sshMpint, sshString, sshUint32 } from "./ssh-wire.js";

/** The parts of a key in SSH wire form: its type, public blob and the private fields of its type. */
export interface SshKeyParts {
  type: string;
  publicBlob: Buffer;
  privateFields: Buffer;
}

const b64url = (value: string | undefined, what: string): Buffer => {
  if (value === undefined) throw new InvalidInputError(`The private key lacks its ${what}`);
  return Buffer.from(value, "base64url");
};

const CURVES: Record<string, string> = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" };

/** Splits a private KeyObject into SSH wire parts; RSA, ECDSA (P-256/384/521) and Ed25519. */
export function sshPartsOf(key: KeyObject): SshKeyParts {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
    const pub = b64url(jwk.x, "public part");
    const seed = b64url(jwk.d, "private part");
    const type = "ssh-ed25519";
    return {
      type,
      publicBlob: Buffer.concat([sshString(type), sshString(pub)]),
      // OpenSSH stores the 64-byte "secret key" of the reference implementation: seed then public key.
      privateFields: Buffer.concat([sshString(pub), sshString(Buffer.concat([seed, pub]))]),
    };
  }
  if (jwk.kty === "RSA") {
    const [n, e, d, p, q, qi] = [jwk.n, jwk.e, jwk.d, jwk.p, jwk.q, jwk.qi].map((v, i) =>
      b64url(v, ["modulus", "exponent", "private exponent", "prime p", "prime q", "coefficient"][i]!),
    ) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
    const type = "ssh-rsa";
    return {
      type,
      publicBlob: Buffer.concat([sshString(type), sshMpint(e), sshMpint(n)]),
      privateFields: Buffer.concat([
        sshMpint(n),
        sshMpint(e),
        sshMpint(d),
        sshMpint(qi),
        sshMpint(p),
        sshMpint(q),
      ]),
    };
  }
  if (jwk.kty === "EC" && jwk.crv !== undefined && CURVES[jwk.crv] !== undefined) {
    const curve = CURVES[jwk.crv]!;
    const type = `ecdsa-sha2-${curve}`;
    // The uncompressed point: 0x04, then x and y at the curve's full width (JWK keeps them padded).
    const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x, "x"), b64url(jwk.y, "y")]);
    return {
      type,
      publicBlob: Buffer.concat([sshString(type), sshString(curve), sshString(point)]),
      privateFields: Buffer.concat([sshString(curve), sshString(point), sshMpint(b64url(jwk.d, "scalar"))]),
    };
  }
  throw new InvalidInputError(
    `Unsupported private key type (${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ""}): use RSA, ECDSA (P-256, P-384, P-521) or Ed25519`,
  );
}

/** The unencrypted openssh-key-v1 PEM text for these parts. */
export function toOpenSshPrivateKey(parts: SshKeyParts, comment = ""): string {
  const check = randomBytes(4);
  let section = Buffer.concat([check, check, sshString(parts.type), parts.privateFields, sshString(comment)]);
  // Pad to the cipher block size (8 for "none") with the bytes 1, 2, 3, … as the format prescribes.
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    sshUint32(1),
    sshString(parts.publicBlob),
    sshString(section),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}
