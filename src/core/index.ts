// The core that every provider stands on: errors, the transport and its layers, pagination, codecs,
// waiters and the registry. Drivers import from here; users rarely need to.

export * from "./codec/index.js";
export * from "./credentials/bearer.js";
export * from "./credentials/oauth2.js";
export { type Expiring, RefreshingCredential, type RefreshingOptions } from "./credentials/refreshing.js";
export * from "./errors.js";
export type { LogSink } from "./layers/logging.js";
export type { RateLimitOptions } from "./layers/rate-limit.js";
export type { RetryEvent, RetryOptions } from "./layers/retry.js";
export { parseRetryAfter } from "./layers/retry-after.js";
export * from "./pagination.js";
export { REDACTED, redactHeaders, redactText, redactUrl, registerSecret } from "./redact.js";
export {
  findProvider,
  listProviders,
  openProvider,
  type ProviderDescriptor,
  type ProviderFactory,
  registerProvider,
  SERVICES,
  type ServiceKind,
} from "./registry.js";
export { abortedBy, deadlineSignal, sleep } from "./sleep.js";
export { fileBody } from "./transport/body.js";
export type { ProxyOptions, TlsOptions } from "./transport/dispatch.js";
export { defaultErrorParser, type ErrorParser } from "./transport/response-error.js";
export { buildUrl, Transport, type TransportOptions } from "./transport/transport.js";
export type * from "./transport/types.js";
export { type PollEvent, type WaitCheckResult, type WaitForOptions, waitFor } from "./waiter.js";
