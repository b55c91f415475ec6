/**
 * What every part of the ec2 driver shares: the HTTP client for the region, a way to reach another region
 * (CopyImage is sent to the destination), the options, and small cached facts (the default zone).
 */
import type { AwsCredentialProvider } from "./credentials/types.js";
import { Ec2Http } from "./ec2-http.js";
import type { Ec2ComputeOptions } from "./ec2-options.js";
import { Ec2Params } from "./ec2-query.js";
import { awsEndpoint } from "./endpoints.js";
import { SigV4Signer } from "./signer.js";

export class Ec2Context {
  private readonly others = new Map<string, Ec2Http>();
  private defaultZone: Promise<string> | undefined;

  constructor(
    readonly provider: string,
    readonly region: string,
    readonly http: Ec2Http,
    readonly options: Ec2ComputeOptions,
    private readonly credentials: AwsCredentialProvider,
  ) {}

  /** The client for `region`: this one, or one made (and kept) for another region. */
  httpFor(region: string): Ec2Http {
    if (region === this.region) return this.http;
    let http = this.others.get(region);
    if (!http) {
      const endpoint = awsEndpoint("ec2", region, {
        ...(this.options.fips ? { fips: true } : {}),
        ...(this.options.dualstack ? { dualstack: true } : {}),
      });
      const signer = new SigV4Signer({ service: "ec2", region, credentials: this.credentials });
      http = new Ec2Http(this.provider, endpoint.url, signer, this.options.transport);
      this.others.set(region, http);
    }
    return http;
  }

  /**
   * The zone creates use when the caller names none and EC2 needs one (CreateVolume): the region's first
   * available zone, asked once.
   */
  zone(signal: AbortSignal | undefined): Promise<string> {
    this.defaultZone ??= (async () => {
      const doc = await this.http.call(
        "DescribeAvailabilityZones",
        new Ec2Params().filters({ state: "available" }),
        { signal, idempotent: true },
      );
      const [first] = doc.list("availabilityZoneInfo").flatMap((s) => s.list("item"));
      if (!first) throw doc.invalid("availabilityZoneInfo", "lists no available zone");
      return first.str("zoneName");
    })();
    // A failed lookup is not cached: the next create asks again.
    this.defaultZone.catch(() => {
      this.defaultZone = undefined;
    });
    return this.defaultZone;
  }

  async close(): Promise<void> {
    await this.http.close();
    for (const http of this.others.values()) await http.close();
  }
}
