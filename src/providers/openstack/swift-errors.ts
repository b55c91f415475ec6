/**
 * Swift's errors are short HTML or text bodies; the status carries the meaning. What the status alone
 * maps wrongly: 498 (rate limited by the ratelimit middleware) and 422 (the ETag we sent did not match the
 * bytes Swift received: corruption in transit).
 */
import type { ErrorParser } from "../../core/transport/response-error.js";

export const swiftErrorParser: ErrorParser = ({ status, body }) => {
  const text = body
    .toString("utf8", 0, Math.min(body.length, 4096))
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return {
    ...(text ? { message: text } : {}),
    ...(status === 498 || status === 429 ? { kind: "RateLimit" as const } : {}),
    ...(status === 422 ? { kind: "Integrity" as const, code: "EtagMismatch" } : {}),
  };
};
