// omnicloud/providers/digitalocean: the DigitalOcean compute driver and its types, for
// `compute.as("digitalocean")`, and the API client it stands on.
export {
  DIGITALOCEAN_API,
  DigitalOceanApi,
  type DigitalOceanApiOptions,
  type DigitalOceanTransportOptions,
} from "./api.js";
export { parseDigitalOceanError } from "./api-errors.js";
export {
  createDigitalOceanCompute,
  DigitalOceanCompute,
  type DigitalOceanComputeOptions,
  type DigitalOceanCreateExtras,
  type DigitalOceanNodeExtra,
  type DigitalOceanSize,
  type DigitalOceanVolumeExtra,
} from "./compute.js";
export { md5Fingerprint } from "./compute-keys.js";
export { mapDropletStatus } from "./compute-parse.js";
