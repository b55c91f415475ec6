/**
 * Re-authentication on 401: a token can die before its stated expiry (revoked, its user's password changed,
 * fernet keys rotated out), and only the service's 401 tells. Nothing here is Keystone-specific; it lives
 * with its first user until a second provider needs it (then: src/core/layers).
 */

import type { Attempt, Layer, RawResponse } from "../../core/transport/types.js";

export interface ReauthOptions {
  /**
   * Forget the credential the rejected attempt carried, so the `authorize` hook fetches a new one. Gets the
   * attempt as it was sent, so a provider can ignore a 401 for a token it has already replaced.
   */
  invalidate: (attempt: Attempt) => void;
}

/** Drop an answer we will not hand back; a stream body is destroyed so its socket is not left hanging. */
function discard(response: RawResponse): void {
  if (!Buffer.isBuffer(response.body)) response.body.destroy();
}

/**
 * A Layer for `TransportOptions.layers`: on a 401 it invalidates the credential and sends the same attempt
 * once more. It sits outside the `authorize` hook, so the repeat is authorised afresh; inside retry, so
 * each retry gets its own single re-authentication and a token that stays refused cannot loop.
 *
 * Any method is repeated, POST included: a 401 means the request was refused before it was acted on. Only
 * a one-shot body (a stream already consumed) cannot be sent again; that 401 is returned with the reason.
 */
export function reauthenticateOn401(options: ReauthOptions): Layer {
  return (next) => async (attempt) => {
    const first = await next(attempt);
    if (first.status !== 401) return first;
    // Forget the token either way, so the caller's next request does not pay for another 401 first.
    options.invalidate(attempt);
    if (attempt.body && !attempt.body.replayable) {
      return {
        ...first,
        notRetried:
          "the token was refused and the request body is a one-shot stream, so it was not sent again with a new token",
      };
    }
    discard(first);
    return next(attempt);
  };
}
