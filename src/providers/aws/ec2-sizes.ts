/**
 * Instance types as portable sizes. EC2's API does not publish prices (that is the separate Pricing API,
 * which needs other permissions), so a size carries a price only from the small table below (on-demand
 * Linux in us-east-1, as AWS lists it) or from the caller's own `prices` option; otherwise it is left
 * undefined rather than guessed.
 */
import type { Size } from "../../compute/types.js";
import type { DocReader } from "../../core/codec/read.js";

/** USD per hour, on-demand Linux, us-east-1: common general-purpose types only. */
const US_EAST_1_HOURLY: Readonly<Record<string, number>> = {
  "t2.nano": 0.0058,
  "t2.micro": 0.0116,
  "t2.small": 0.023,
  "t2.medium": 0.0464,
  "t3.nano": 0.0052,
  "t3.micro": 0.0104,
  "t3.small": 0.0208,
  "t3.medium": 0.0416,
  "t3.large": 0.0832,
  "m5.large": 0.096,
  "m5.xlarge": 0.192,
  "c5.large": 0.085,
  "r5.large": 0.126,
};

/** Hourly USD prices for a region: the caller's table wins; the built-in one is for us-east-1 only. */
export function priceTable(
  region: string,
  own: Readonly<Record<string, number>> | undefined,
): Readonly<Record<string, number>> {
  return { ...(region === "us-east-1" ? US_EAST_1_HOURLY : {}), ...own };
}

export function parseInstanceType(
  item: DocReader,
  provider: string,
  prices: Readonly<Record<string, number>>,
): Size {
  const id = item.str("instanceType");
  const price = prices[id];
  return {
    provider,
    id,
    name: id,
    vcpus: item.int("vCpuInfo.defaultVCpus"),
    ramMiB: item.int("memoryInfo.sizeInMiB"),
    // EBS-only types have no instance storage: their disk is whatever volume the node is given.
    diskGiB: item.optInt("instanceStorageInfo.totalSizeInGB"),
    price: price === undefined ? undefined : { amount: price, currency: "USD", per: "hour" },
  };
}
