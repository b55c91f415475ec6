// omnicloud/storage: the portable object-storage API and the contract its drivers implement.
export type {
  CompleteRequest,
  CopyRequest,
  DeleteOutcome,
  ExtrasOf,
  ListObjectsRequest,
  MultipartDriver,
  MultipartInit,
  MultipartLimits,
  MultipartUpload,
  PartRequest,
  PutBody,
  PutRequest,
  SignedUrlRequest,
  StorageDriver,
  UploadedPart,
} from "./driver.js";
export { openStorage } from "./open.js";
export { Storage } from "./storage.js";
export type * from "./types.js";
