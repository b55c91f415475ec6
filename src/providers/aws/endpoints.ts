/**
 * Where an AWS service lives for a region, from a few rules instead of botocore's 600 KB endpoints file:
 * regions belong to a partition by name, a partition has a DNS suffix, and a regional service answers at
 * `{service}.{region}.{dnsSuffix}`. The exceptions that matter here (global services with one endpoint
 * per partition) are listed as facts. A replay test checks these rules against endpoints.json.
 */
import { InvalidInputError } from "../../core/errors.js";

export interface AwsPartition {
  /** "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b". */
  id: string;
  dnsSuffix: string;
  /** Suffix of the dual-stack (IPv4 + IPv6) endpoints, where the partition has them. */
  dualStackDnsSuffix?: string;
  regionPattern: RegExp;
}

/** Most specific first: "us-gov-west-1" must not fall to the commercial pattern. */
const PARTITIONS: readonly AwsPartition[] = [
  {
    id: "aws-us-gov",
    dnsSuffix: "amazonaws.com",
    dualStackDnsSuffix: "api.aws",
    regionPattern: /^us-gov-\w+-\d+$/,
  },
  {
    id: "aws-cn",
    dnsSuffix: "amazonaws.com.cn",
    dualStackDnsSuffix: "api.amazonwebservices.com.cn",
    regionPattern: /^cn-\w+-\d+$/,
  },
  { id: "aws-iso", dnsSuffix: "c2s.ic.gov", regionPattern: /^us-iso-\w+-\d+$/ },
  { id: "aws-iso-b", dnsSuffix: "sc2s.sgov.gov", regionPattern: /^us-isob-\w+-\d+$/ },
  {
    id: "aws",
    dnsSuffix: "amazonaws.com",
    dualStackDnsSuffix: "api.aws",
    regionPattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/,
  },
];

const REGION_SYNTAX = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The partition a region belongs to. A well-formed region no pattern knows (AWS opens new ones) is taken
 * to be commercial, as AWS's own SDKs do.
 */
export function partitionOf(region: string): AwsPartition {
  if (!REGION_SYNTAX.test(region)) {
    throw new InvalidInputError(`"${region}" is not an AWS region name`, {
      hint: 'Region names look like "eu-west-1"',
    });
  }
  const known = PARTITIONS.find((p) => p.regionPattern.test(region));
  return known ?? (PARTITIONS[PARTITIONS.length - 1] as AwsPartition);
}

interface GlobalEndpoint {
  hostname: string;
  signingRegion: string;
}

/**
 * Services with one endpoint per partition (botocore: isRegionalized false), by partition. Any region of the
 * partition uses it, and signatures are scoped to the region given here.
 */
const GLOBAL_SERVICES: Readonly<Record<string, Readonly<Record<string, GlobalEndpoint>>>> = {
  iam: {
    aws: { hostname: "iam.amazonaws.com", signingRegion: "us-east-1" },
    "aws-cn": { hostname: "iam.cn-north-1.amazonaws.com.cn", signingRegion: "cn-north-1" },
    "aws-us-gov": { hostname: "iam.us-gov.amazonaws.com", signingRegion: "us-gov-west-1" },
    "aws-iso": { hostname: "iam.us-iso-east-1.c2s.ic.gov", signingRegion: "us-iso-east-1" },
    "aws-iso-b": { hostname: "iam.us-isob-east-1.sc2s.sgov.gov", signingRegion: "us-isob-east-1" },
  },
  route53: {
    aws: { hostname: "route53.amazonaws.com", signingRegion: "us-east-1" },
    "aws-cn": { hostname: "route53.amazonaws.com.cn", signingRegion: "cn-northwest-1" },
    "aws-us-gov": { hostname: "route53.us-gov.amazonaws.com", signingRegion: "us-gov-west-1" },
    "aws-iso": { hostname: "route53.c2s.ic.gov", signingRegion: "us-iso-east-1" },
    "aws-iso-b": { hostname: "route53.sc2s.sgov.gov", signingRegion: "us-isob-east-1" },
  },
};

export interface EndpointOptions {
  /** FIPS 140 validated endpoint: `{service}-fips.{region}.{dnsSuffix}`. */
  fips?: boolean;
  /** Dual-stack (IPv6) endpoint. */
  dualstack?: boolean;
}

export interface AwsEndpoint {
  /** "https://ec2.eu-west-1.amazonaws.com". */
  url: string;
  hostname: string;
  /** The region to put in the signature's scope (differs from the region asked for on global services). */
  signingRegion: string;
  partition: string;
}

/**
 * The endpoint of `service` (its endpoint prefix, e.g. "ec2", "elasticloadbalancing", "s3") in `region`.
 * S3's dual-stack names differ from other services' ("s3.dualstack.{region}.{dnsSuffix}"), so S3 has its
 * own rule here.
 */
export function awsEndpoint(service: string, region: string, options: EndpointOptions = {}): AwsEndpoint {
  const partition = partitionOf(region);
  const global = GLOBAL_SERVICES[service]?.[partition.id];
  if (global) {
    if (options.fips || options.dualstack) {
      throw new InvalidInputError(
        `${service} has one global endpoint in ${partition.id}; no FIPS or dual-stack variant is derived`,
      );
    }
    return {
      url: `https://${global.hostname}`,
      hostname: global.hostname,
      signingRegion: global.signingRegion,
      partition: partition.id,
    };
  }
  const name = options.fips ? `${service}-fips` : service;
  let hostname: string;
  if (!options.dualstack) {
    hostname = `${name}.${region}.${partition.dnsSuffix}`;
  } else if (service === "s3") {
    hostname = `${name}.dualstack.${region}.${partition.dnsSuffix}`;
  } else if (partition.dualStackDnsSuffix) {
    hostname = `${name}.${region}.${partition.dualStackDnsSuffix}`;
  } else {
    throw new InvalidInputError(
      `The ${partition.id} partition (region ${region}) has no dual-stack endpoints`,
    );
  }
  return { url: `https://${hostname}`, hostname, signingRegion: region, partition: partition.id };
}
