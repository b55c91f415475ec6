/**
 * DNS response codes as omnicloud's typed errors. The code names (REFUSED, NOTAUTH/BADSIG, ...) are kept
 * in the error's `code`, and the message says what the server meant by it in plain words.
 */
import {
  AlreadyExistsError,
  AuthError,
  InvalidInputError,
  NotFoundError,
  type OmnicloudError,
  PermissionError,
  ProviderError,
} from "../../core/errors.js";
import { RCODE, rcodeName } from "./constants.js";

export interface DnsFailure {
  /** What was being done, e.g. "UPDATE of example.com." */
  what: string;
  rcode: number;
  /** The TSIG error field of the answer (0 when none, or the answer was unsigned). */
  tsigError: number;
  /** Whether the request was signed: an unsigned request that is refused needs a key, not another key. */
  signed: boolean;
  provider: string;
  /** Who answered, "127.0.0.1:53". */
  server: string;
}

function code(f: DnsFailure): string {
  return f.tsigError === 0 ? rcodeName(f.rcode) : `${rcodeName(f.rcode)}/${rcodeName(f.tsigError)}`;
}

const TSIG_WORDS: Record<number, string> = {
  [RCODE.BADSIG]:
    "the TSIG signature did not verify: the secret (or the algorithm) differs from the server's",
  [RCODE.BADKEY]: "the server does not know this TSIG key (by name and algorithm)",
  [RCODE.BADTIME]: "the TSIG time is outside the server's fudge window: the clocks differ too much",
  [RCODE.BADTRUNC]: "the TSIG MAC was truncated more than the server allows",
};

/** The typed error for a failed answer. */
export function dnsError(f: DnsFailure): OmnicloudError {
  const options = { provider: f.provider, code: code(f), request: `${f.what} at ${f.server}` };
  const say = (words: string): string => `${f.what} failed: ${f.server} answered ${code(f)}, ${words}`;
  if (f.tsigError !== 0 && TSIG_WORDS[f.tsigError]) {
    return new AuthError(say(TSIG_WORDS[f.tsigError]!), {
      ...options,
      hint: "Check the key's name, algorithm and secret against the server's configuration",
    });
  }
  switch (f.rcode) {
    case RCODE.REFUSED:
    case RCODE.NOTAUTH: {
      // NOTAUTH is "not authoritative" in RFC 2136 and "not authorized" in RFC 8945; zone existence is
      // probed separately by the driver, so what is left here is a question of permission.
      // A signed request is also REFUSED when the server's own policy rejects the change (BIND's
      // check-integrity refuses an MX or SRV target in the zone without an address); the wire cannot tell.
      const words = f.signed
        ? "so this key may not do it, or the server's policy rejects the change (its log says which)"
        : "so an unsigned request may not do it; the server wants a TSIG key";
      return new PermissionError(say(words), {
        ...options,
        hint: f.signed
          ? "Allow the key in the zone's allow-update/allow-transfer (BIND) or its ACL (Knot)"
          : "Pass { key: { name, algorithm, secret } }",
      });
    }
    case RCODE.NXDOMAIN:
      return new NotFoundError(say("the name does not exist"), options);
    case RCODE.NXRRSET:
      return new NotFoundError(say("a record set the request required does not exist"), options);
    case RCODE.YXDOMAIN:
      return new AlreadyExistsError(say("a name the request required to be absent exists"), options);
    case RCODE.YXRRSET:
      return new AlreadyExistsError(say("a record set the request required to be absent exists"), options);
    case RCODE.NOTZONE:
      return new InvalidInputError(say("a name in the request is outside the zone"), options);
    case RCODE.FORMERR:
      return new ProviderError(say("the server could not read the request"), options);
    case RCODE.NOTIMP:
      return new ProviderError(say("the server does not implement this kind of request"), options);
    case RCODE.SERVFAIL:
      return new ProviderError(say("the server failed to process it; its log says why"), options);
    default:
      return new ProviderError(say("an unexpected answer"), options);
  }
}
