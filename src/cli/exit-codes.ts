import type { ErrorKind } from "../core/errors.js";

/** Stable exit codes by error class, so scripts can branch on them. Documented in `omnicloud --help`. */
export const EXIT_CODES: Record<ErrorKind | "Ok" | "Usage", number> = {
  Ok: 0,
  Internal: 1,
  Usage: 2,
  InvalidInput: 2,
  NotFound: 3,
  AlreadyExists: 4,
  Auth: 5,
  Permission: 6,
  RateLimit: 7,
  Timeout: 8,
  Network: 9,
  Integrity: 10,
  Provider: 11,
  Conflict: 12,
  Unsupported: 13,
  Aborted: 130,
};
