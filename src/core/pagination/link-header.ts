/**
 * RFC 8288 Link headers, as GitHub-style APIs use them for paging:
 * `Link: <https://api.example.com/items?page=2>; rel="next", <...?page=9>; rel="last"`.
 *
 * Parsed with a small scanner rather than split(",") because URIs and quoted parameters may themselves
 * contain commas and semicolons. A header that does not follow the grammar raises an error: skipping a
 * broken link could silently lose the "next" one and end a listing early.
 */
import { ProviderError } from "../errors.js";
import { redactText } from "../redact.js";

export interface LinkValue {
  /** The target as written, possibly relative; resolve it against the request URL. */
  uri: string;
  /** Relation types, lower-cased ("next", "last", ...). A link may have several: rel="next last". */
  rel: string[];
  /** Parameters by lower-cased name, values unquoted; the first occurrence of a name wins (RFC 8288 3.3). */
  params: Record<string, string>;
}

/** Parse one Link header, or several (repeated headers are a comma-separated list by HTTP's rules). */
export function parseLinkHeader(value: string | readonly string[] | null | undefined): LinkValue[] {
  if (value === null || value === undefined) return [];
  const text = typeof value === "string" ? value : value.join(", ");
  return new LinkScanner(text).links();
}

/** The first link whose relation types include `rel` (compared case-insensitively). */
export function findLink(links: readonly LinkValue[], rel: string): LinkValue | undefined {
  const wanted = rel.toLowerCase();
  return links.find((link) => link.rel.includes(wanted));
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const WHITESPACE = /[ \t]/;

class LinkScanner {
  private i = 0;
  constructor(private readonly s: string) {}

  links(): LinkValue[] {
    const out: LinkValue[] = [];
    for (;;) {
      // "#rule" lists allow empty elements: ", , <a>" is one link.
      while (this.i < this.s.length && (WHITESPACE.test(this.peek()) || this.peek() === ",")) this.i++;
      if (this.i >= this.s.length) return out;
      out.push(this.linkValue());
    }
  }

  private linkValue(): LinkValue {
    if (this.peek() !== "<") throw this.malformed("expected '<' to start a link");
    const close = this.s.indexOf(">", this.i);
    if (close < 0) throw this.malformed("the '<' has no closing '>'");
    const uri = this.s.slice(this.i + 1, close).trim();
    this.i = close + 1;
    const params: Record<string, string> = {};
    for (;;) {
      this.skipSpace();
      if (this.i >= this.s.length || this.peek() === ",") break;
      if (this.peek() !== ";") throw this.malformed("expected ';' or ',' after a link");
      this.i++;
      this.skipSpace();
      if (this.i >= this.s.length || this.peek() === "," || this.peek() === ";") continue; // empty param
      const name = this.token().toLowerCase();
      if (name === "") throw this.malformed("expected a parameter name");
      this.skipSpace();
      let value = "";
      if (this.peek() === "=") {
        this.i++;
        this.skipSpace();
        value = this.peek() === '"' ? this.quoted() : this.bareValue();
      }
      if (!Object.hasOwn(params, name)) params[name] = value;
    }
    const rel = (params.rel ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    return { uri, rel, params };
  }

  private token(): string {
    const start = this.i;
    while (this.i < this.s.length && TOKEN_CHAR.test(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }

  /** RFC 8288 wants a token; servers send a little more (e.g. "/"), so take anything up to a delimiter. */
  private bareValue(): string {
    const start = this.i;
    while (this.i < this.s.length && !/[\s;,"]/.test(this.peek())) this.i++;
    return this.s.slice(start, this.i);
  }

  private quoted(): string {
    let out = "";
    for (this.i++; this.i < this.s.length; this.i++) {
      const c = this.peek();
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c === "\\") this.i++;
      out += this.s[this.i] ?? "";
    }
    throw this.malformed("a quoted value is not closed");
  }

  private skipSpace(): void {
    while (this.i < this.s.length && WHITESPACE.test(this.peek())) this.i++;
  }

  private peek(): string {
    return this.s[this.i] ?? "";
  }

  private malformed(problem: string): ProviderError {
    const shown = redactText(this.s.length > 200 ? `${this.s.slice(0, 200)}...` : this.s);
    return new ProviderError(
      `The Link header is malformed at character ${this.i + 1}: ${problem} (${shown})`,
    );
  }
}
