/**
 * IP addresses in A and AAAA records, checked with node:net and written in one canonical form, so the
 * same address read back from any provider compares equal ("2001:DB8:0:0::1" and "2001:db8::1").
 */
import { isIPv4, isIPv6 } from "node:net";
import { invalid } from "./invalid.js";

export function canonicalIPv4(value: unknown, what: string): string {
  if (typeof value !== "string" || !isIPv4(value.trim())) {
    const hint =
      typeof value === "string" && isIPv6(value.trim())
        ? "An IPv6 address belongs in an AAAA record"
        : undefined;
    throw invalid(what, `${JSON.stringify(value)} is not an IPv4 address`, hint);
  }
  return value.trim();
}

export function canonicalIPv6(value: unknown, what: string): string {
  if (typeof value !== "string" || !isIPv6(value.trim())) {
    const hint =
      typeof value === "string" && isIPv4(value.trim())
        ? "An IPv4 address belongs in an A record"
        : undefined;
    throw invalid(what, `${JSON.stringify(value)} is not an IPv6 address`, hint);
  }
  // The WHATWG URL serialiser writes the RFC 5952 form: lower case, the longest run of zero groups
  // compressed, and an embedded IPv4 tail in hex ("::ffff:1.2.3.4" is "::ffff:102:304").
  return new URL(`http://[${value.trim()}]/`).hostname.slice(1, -1);
}
