/**
 * Domain names between omnicloud's presentation form ("dns\.admin.example.com.", escapes allowed) and
 * the wire form of RFC 1035 3.1 (length-prefixed labels ending in the root's zero byte).
 */
import { unescapeBytes } from "../../dns/charstring.js";
import { splitLabels } from "../../dns/names.js";

/** The wire form of an absolute presentation name, as written (no compression: RFC 3597 forbids it for newer types, and UPDATE senders need none). */
export function nameToWire(name: string): Buffer {
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  const parts: Buffer[] = [];
  if (bare !== "") {
    for (const label of splitLabels(bare)) {
      const bytes = unescapeBytes(label, `the name ${name}`);
      if (bytes.length === 0 || bytes.length > 63) {
        throw new RangeError(`the name ${name} has a label of ${bytes.length} octets`);
      }
      parts.push(Buffer.from([bytes.length]), bytes);
    }
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/**
 * One label's octets as presentation text, lower case (names compare without case, and the model keeps
 * them lower case). Octets outside letters, digits, "-", "_" and "/" are escaped, "." and "\" as "\."
 * and "\\" (so an SOA mailbox "dns\.admin" reads back as written), others as "\DDD". A lone "*" is a
 * wildcard label and stays as it is.
 */
export function labelToText(bytes: Uint8Array): string {
  if (bytes.length === 1 && bytes[0] === 0x2a) return "*";
  let out = "";
  for (const byte of bytes) {
    const lower = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
    const ch = String.fromCharCode(lower);
    if (/[a-z0-9_\-/]/.test(ch)) out += ch;
    else if (ch === "." || ch === "\\") out += `\\${ch}`;
    else out += `\\${String(lower).padStart(3, "0")}`;
  }
  return out;
}
