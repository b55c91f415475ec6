// omnicloud/storage: the portable object-storage API and the contract its drivers implement.
export type { PutRequest, StorageDriver } from "./driver.js";
export { openStorage } from "./open.js";
export { Storage } from "./storage.js";
export type * from "./types.js";
