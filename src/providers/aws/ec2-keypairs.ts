/**
 * Key pairs: DescribeKeyPairs, CreateKeyPair (EC2 makes the key and returns its private half once),
 * ImportKeyPair (an OpenSSH public key, sent base64 as the model's blob type requires) and DeleteKeyPair.
 */
import type { KeyPairDriver } from "../../compute/driver.js";
import type { CreatedKeyPair, KeyPair } from "../../compute/types.js";
import { NotFoundError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import type { Ec2Context } from "./ec2-context.js";
import { itemsOf, parseKeyPair } from "./ec2-parse.js";
import { Ec2Params } from "./ec2-query.js";

export class Ec2KeyPairs implements KeyPairDriver {
  constructor(private readonly ctx: Ec2Context) {}

  async *list(signal: AbortSignal | undefined): AsyncIterable<KeyPair> {
    const doc = await this.ctx.http.call("DescribeKeyPairs", new Ec2Params(), { signal, idempotent: true });
    for (const item of itemsOf(doc, "keySet")) yield parseKeyPair(item, this.ctx.provider);
  }

  async get(name: string, signal: AbortSignal | undefined): Promise<KeyPair> {
    const doc = await this.ctx.http.call("DescribeKeyPairs", new Ec2Params().list("KeyName", [name]), {
      signal,
      idempotent: true,
    });
    const [item] = itemsOf(doc, "keySet");
    if (!item) throw new NotFoundError(`Key pair "${name}" does not exist`, { provider: this.ctx.provider });
    return parseKeyPair(item, this.ctx.provider);
  }

  /** Not retried: a repeat would find the name taken, and the first answer's private key would be lost. */
  async create(name: string, signal: AbortSignal | undefined): Promise<CreatedKeyPair> {
    const doc = await this.ctx.http.call("CreateKeyPair", new Ec2Params().set("KeyName", name), { signal });
    const privateKey = doc.str("keyMaterial");
    registerSecret(privateKey);
    return { ...parseKeyPair(doc, this.ctx.provider), privateKey };
  }

  async import(name: string, publicKey: string, signal: AbortSignal | undefined): Promise<KeyPair> {
    const params = new Ec2Params()
      .set("KeyName", name)
      .set("PublicKeyMaterial", Buffer.from(publicKey, "utf8").toString("base64"));
    const doc = await this.ctx.http.call("ImportKeyPair", params, { signal });
    return { ...parseKeyPair(doc, this.ctx.provider), publicKey };
  }

  /** EC2 answers success for a name that does not exist, so deleting twice is harmless (and retried). */
  async delete(name: string, signal: AbortSignal | undefined): Promise<void> {
    await this.ctx.http.call("DeleteKeyPair", new Ec2Params().set("KeyName", name), {
      signal,
      idempotent: true,
    });
  }
}
