/**
 * Blob service error codes as typed errors. The shared storage parser (errors.ts) reads the XML body or the
 * x-ms-error-code header and knows the auth codes; this adds the Blob codes whose class the HTTP status
 * alone gets wrong or leaves vague (a 409 may be "exists" or "being deleted", a 416 is bad input, a 503
 * ServerBusy is throttling, a 400 Md5Mismatch is corruption in transit).
 */
import { type ErrorKind, kindForStatus } from "../../core/errors.js";
import type { ErrorParser } from "../../core/transport/response-error.js";
import { azureStorageErrorParser } from "./errors.js";

const BLOB_KINDS: Readonly<Record<string, ErrorKind>> = {
  BlobNotFound: "NotFound",
  ContainerNotFound: "NotFound",
  ResourceNotFound: "NotFound",
  ContainerAlreadyExists: "AlreadyExists",
  BlobAlreadyExists: "AlreadyExists",
  // A container deleted a moment ago keeps its name for ~30 s: a create then fails as if the name were taken.
  ContainerBeingDeleted: "AlreadyExists",
  AuthorizationFailure: "Permission",
  AuthorizationPermissionMismatch: "Permission",
  AuthorizationResourceTypeMismatch: "Permission",
  AuthorizationServiceMismatch: "Permission",
  AuthorizationProtocolMismatch: "Permission",
  AuthorizationSourceIPMismatch: "Permission",
  InsufficientAccountPermissions: "Permission",
  AccountIsDisabled: "Permission",
  ContainerDisabled: "Permission",
  ServerBusy: "RateLimit",
  OperationTimedOut: "Timeout",
  Md5Mismatch: "Integrity",
  Crc64Mismatch: "Integrity",
  InvalidRange: "InvalidInput",
  InvalidBlockId: "InvalidInput",
  InvalidBlockList: "InvalidInput",
  InvalidBlobOrBlock: "InvalidInput",
  InvalidMetadata: "InvalidInput",
  InvalidResourceName: "InvalidInput",
  InvalidHeaderValue: "InvalidInput",
  InvalidQueryParameterValue: "InvalidInput",
  MissingRequiredHeader: "InvalidInput",
  OutOfRangeInput: "InvalidInput",
  RequestBodyTooLarge: "InvalidInput",
  // The source of a copy changed since we looked at it: a precondition, not an auth or server fault.
  SourceConditionNotMet: "Integrity",
  CannotVerifyCopySource: "NotFound",
};

/** The storage parser, then the Blob code table where the shared one has no opinion. */
export const blobErrorParser: ErrorParser = (response) => {
  const parsed = azureStorageErrorParser(response);
  if (parsed?.code === undefined) return parsed;
  // The shared parser's kind wins: it tells a refused signature (Auth) from a policy denial (Permission).
  if (parsed.kind === undefined) {
    const kind = BLOB_KINDS[parsed.code];
    if (kind) parsed.kind = kind;
  }
  return parsed;
};

/** The kind of an error that arrives inside a 2xx answer (a batch sub-response): its code, else its status. */
export function blobErrorKind(code: string | undefined, status: number): ErrorKind {
  return (code === undefined ? undefined : BLOB_KINDS[code]) ?? kindForStatus(status);
}
