/**
 * The `ec2` compute driver's options and its typed create extras (what RunInstances takes beyond the
 * portable create: network placement, security groups, an instance profile, …).
 */
import type { ExplicitCredentials } from "./credentials/chain.js";
import type { AwsCredentialProvider } from "./credentials/types.js";
import type { Ec2TransportOptions } from "./ec2-http.js";
import type { Ec2Filters } from "./ec2-query.js";

export interface Ec2ComputeOptions {
  /** AWS region. Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's. */
  region?: string;
  /** A custom endpoint (LocalStack, an EC2-compatible cloud), e.g. "http://127.0.0.1:4566". */
  endpoint?: string;
  fips?: boolean;
  dualstack?: boolean;
  /** Keys, or a credential provider. Default: AWS's credential chain. */
  credentials?: ExplicitCredentials | AwsCredentialProvider;
  /** Profile for the credential chain and region. */
  profile?: string;
  /**
   * Whose images `listImages` shows: account ids or "self", "amazon", "aws-marketplace". Default ["self"]:
   * without an owner EC2 lists every public image (hundreds of thousands). Any image id, public or not,
   * can still be named in a create.
   */
  imageOwners?: readonly string[];
  /** DescribeImages filters for `listImages`, e.g. `{ architecture: "arm64" }`. */
  imageFilters?: Ec2Filters;
  /**
   * Hourly USD prices by instance type, for sizes. The built-in table covers a few common types in
   * us-east-1 only; elsewhere sizes have no price unless given here.
   */
  prices?: Readonly<Record<string, number>>;
  /** EBS type for `createVolume` ("gp3", "gp2", "io2", …). Default: EC2's default. */
  volumeType?: string;
  /** First waiter poll interval. Default 5000 ms (instances take tens of seconds to start). */
  pollIntervalMs?: number;
  transport?: Ec2TransportOptions;
  /** The provider id in errors and `compute.as(…)`. Default "ec2". */
  provider?: string;
}

/** RunInstances options beyond the portable create, for `createNode({ …, extras })`. */
export interface Ec2CreateExtras {
  /** The VPC subnet to launch into (its zone wins over `location`). */
  subnetId?: string;
  securityGroupIds?: readonly string[];
  /** Security group names, for the default VPC (EC2-Classic style). */
  securityGroupNames?: readonly string[];
  iamInstanceProfile?: { arn: string } | { name: string };
  ebsOptimized?: boolean;
  /** Detailed (1-minute) CloudWatch monitoring. */
  monitoring?: boolean;
  privateIpAddress?: string;
  /** What an OS-initiated shutdown does: stop (default) or terminate. */
  shutdownBehavior?: "stop" | "terminate";
  /** Refuse TerminateInstances until turned off again. */
  disableApiTermination?: boolean;
  /** Launch as a one-time spot instance instead of on demand. */
  spot?: boolean;
  /** Also tag the volumes RunInstances creates with the node's name and tags. Default true. */
  tagVolumes?: boolean;
}

export interface Ec2ImageListOptions {
  owners?: readonly string[];
  imageIds?: readonly string[];
  filters?: Ec2Filters;
  executableBy?: readonly string[];
  signal?: AbortSignal;
}

export interface Ec2InstanceListOptions {
  instanceIds?: readonly string[];
  filters?: Ec2Filters;
  /** Terminated instances stay visible in EC2 for about an hour; the portable listing hides them. */
  includeTerminated?: boolean;
  signal?: AbortSignal;
}
