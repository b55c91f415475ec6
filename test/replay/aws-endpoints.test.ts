/**
 * The endpoint rules in src/providers/aws/endpoints.ts, checked against botocore's endpoints.json: for
 * every partition, every region it lists, and the services omnicloud speaks, the derived hostname and
 * signing region must be the ones the file gives (its explicit hostname, or its default template).
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { awsEndpoint, partitionOf } from "../../src/providers/aws/endpoints.js";
import { s3Address } from "../../src/providers/aws/s3-addressing.js";
import { describeShared, sharedPath } from "../support/shared.js";

interface Variant {
  hostname?: string;
  dnsSuffix?: string;
  tags: string[];
}
interface EndpointEntry {
  hostname?: string;
  credentialScope?: { region?: string };
  variants?: Variant[];
  deprecated?: boolean;
}
interface ServiceEntry {
  defaults?: { hostname?: string; variants?: Variant[] };
  endpoints: Record<string, EndpointEntry>;
  isRegionalized?: boolean;
  partitionEndpoint?: string;
}
interface PartitionEntry {
  partition: string;
  dnsSuffix: string;
  defaults: { hostname: string; variants?: Variant[] };
  regions: Record<string, unknown>;
  services: Record<string, ServiceEntry>;
}

const SERVICES = ["s3", "ec2", "ecs", "elasticloadbalancing", "sts", "route53", "iam"];

function fill(template: string, service: string, region: string, dnsSuffix: string): string {
  return template.replace("{service}", service).replace("{region}", region).replace("{dnsSuffix}", dnsSuffix);
}

function variantFor(list: Variant[] | undefined, tags: string[]): Variant | undefined {
  const want = [...tags].sort().join(",");
  return list?.find((v) => [...v.tags].sort().join(",") === want);
}

describeShared("AWS endpoint rules against endpoints.json", () => {
  const load = (): PartitionEntry[] =>
    (
      JSON.parse(readFileSync(sharedPath("specs/aws-models/endpoints.json"), "utf8")) as {
        partitions: PartitionEntry[];
      }
    ).partitions;

  it("puts every listed region in its partition", () => {
    let checked = 0;
    for (const p of load()) {
      for (const region of Object.keys(p.regions)) {
        if (region.endsWith("-global")) continue; // pseudo-regions name partition endpoints, not places
        expect(partitionOf(region).id, region).toBe(p.partition);
        expect(partitionOf(region).dnsSuffix, region).toBe(p.dnsSuffix);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("derives each service's hostname and signing region for every region", () => {
    let checked = 0;
    for (const p of load()) {
      for (const service of SERVICES) {
        const s = p.services[service];
        if (!s) continue;
        const global =
          s.isRegionalized === false && s.partitionEndpoint ? s.endpoints[s.partitionEndpoint] : undefined;
        const regions = global
          ? Object.keys(p.regions).filter((r) => !r.endsWith("-global"))
          : Object.keys(s.endpoints);
        for (const region of regions) {
          if (!(region in p.regions)) continue; // fips-*, aws-global and other aliases are not regions
          const entry = global ?? s.endpoints[region] ?? {};
          const template = entry.hostname ?? s.defaults?.hostname ?? p.defaults.hostname;
          const expected = fill(template, service, region, p.dnsSuffix);
          const got = awsEndpoint(service, region);
          expect(got.hostname, `${service} ${region}`).toBe(expected);
          expect(got.signingRegion, `${service} ${region}`).toBe(entry.credentialScope?.region ?? region);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it("derives S3's FIPS and dual-stack hostnames where the file lists them", () => {
    let checked = 0;
    for (const p of load()) {
      const s = p.services.s3;
      if (!s) continue;
      for (const [region, entry] of Object.entries(s.endpoints)) {
        if (!(region in p.regions)) continue;
        for (const tags of [["fips"], ["dualstack"], ["dualstack", "fips"]]) {
          const explicit = variantFor(entry.variants, tags);
          const fallback = variantFor(s.defaults?.variants, tags);
          const v = explicit ?? fallback;
          // Only variants the file states for this region, or as the service default when the region
          // inherits defaults; the partition-wide default variants are not S3's.
          if (!v) continue;
          const host = v.hostname ? fill(v.hostname, "s3", region, v.dnsSuffix ?? p.dnsSuffix) : undefined;
          if (!host) continue;
          const got = awsEndpoint("s3", region, {
            fips: tags.includes("fips"),
            dualstack: tags.includes("dualstack"),
          });
          expect(got.hostname, `s3 ${tags.join("+")} ${region}`).toBe(host);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("builds S3 object URLs on those hostnames", () => {
    for (const p of load()) {
      for (const region of Object.keys(p.services.s3?.endpoints ?? {})) {
        if (!(region in p.regions)) continue;
        const a = s3Address({ region }, "my-bucket", "a b.txt");
        expect(a.url.href).toBe(`https://my-bucket.s3.${region}.${p.dnsSuffix}/a%20b.txt`);
      }
    }
  });
});
