/**
 * One EC2 Query API call: Action and Version plus the members in a form-encoded POST, signed with SigV4
 * (service "ec2"), answered with `<{Action}Response>` XML read through a DocReader. Errors go through
 * EC2's own parser, so every failure is a typed error carrying EC2's code and RequestID.
 */
import type { DocReader } from "../../core/codec/read.js";
import { readXml } from "../../core/codec/xml.js";
import { Transport, type TransportOptions } from "../../core/transport/transport.js";
import { parseEc2Error } from "./ec2-errors.js";
import type { Ec2Params } from "./ec2-query.js";
import type { SigV4Signer } from "./signer.js";

/** The API version every request names; the model in the shared folder is this version. */
export const EC2_API_VERSION = "2016-11-15";

/** Transport settings a caller may tune (tests pass a MockAgent as `dispatcher`). */
export type Ec2TransportOptions = Omit<
  TransportOptions,
  "provider" | "authorize" | "parseError" | "requestIdHeaders"
>;

export interface Ec2CallOptions {
  signal?: AbortSignal | undefined;
  /**
   * Safe to send again after a lost answer: true for reads, for calls whose repeat has the same effect
   * (stop, terminate, delete) and for creates carrying a ClientToken. Default false (POST).
   */
  idempotent?: boolean;
}

export class Ec2Http {
  readonly transport: Transport;

  constructor(
    readonly provider: string,
    /** "https://ec2.eu-west-1.amazonaws.com", or a custom endpoint. */
    readonly endpoint: string,
    signer: SigV4Signer,
    options: Ec2TransportOptions = {},
  ) {
    this.transport = new Transport({
      ...options,
      provider,
      authorize: signer.authorize,
      parseError: parseEc2Error,
      // EC2 names its request id in this header on every answer, and in the body of errors.
      requestIdHeaders: ["x-amzn-requestid", "x-amz-request-id"],
    });
  }

  /** Send `action` and return a reader positioned on the `<{action}Response>` element. */
  async call(action: string, params: Ec2Params, options: Ec2CallOptions = {}): Promise<DocReader> {
    const res = await this.transport.send({
      method: "POST",
      url: `${this.endpoint.replace(/\/+$/, "")}/`,
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: params.body(action, EC2_API_VERSION),
      operation: `ec2:${action}`,
      idempotent: options.idempotent ?? false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const doc = readXml(res.body, { provider: this.provider, operation: action });
    // The root is `{Action}Response`; a compatible cloud may prefix it with a namespace, so take the one root.
    const [root] = Object.keys(doc.value as Record<string, unknown>);
    return doc.at([root ?? `${action}Response`]);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
