/**
 * The Transport for link-local credential endpoints (container and EC2 instance metadata). They answer in
 * milliseconds or not at all, so timeouts are short; and they must never be reached through a proxy,
 * which would see the credentials and could not reach a link-local address anyway.
 */
import type { LogSink } from "../../../core/layers/logging.js";
import { Transport } from "../../../core/transport/transport.js";

export interface MetadataHttpOptions {
  logger?: LogSink;
  /** Connect and response-header timeout. Default 1 s, as AWS's SDKs use. */
  timeoutMs?: number;
}

/** A Transport for one credential load; the caller closes it, so no pooled socket outlives the load. */
export function metadataTransport(provider: string, options: MetadataHttpOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? 1_000;
  return new Transport({
    provider,
    proxy: false,
    connectTimeoutMs: timeoutMs,
    headersTimeoutMs: timeoutMs * 2,
    bodyTimeoutMs: timeoutMs * 2,
    retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200, budgetMs: timeoutMs * 6 },
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
