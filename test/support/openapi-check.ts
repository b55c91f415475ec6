/**
 * A small OpenAPI 3 request checker for replay tests: it finds the operation by method and path template
 * (after the server's base path), then checks that every query parameter is declared, required ones are
 * present, path parameters fit their schemas, and a JSON body validates against the operation's request
 * schema. The schema check covers what provider specs use: $ref, type (and nullable), enum, required,
 * properties, additionalProperties, items, allOf, anyOf, oneOf (exactly one), string lengths, number
 * bounds, ipv4/ipv6 formats; properties marked readOnly are never required of, nor allowed in, a request
 * (OpenAPI 3.0 4.7.25.2).
 */
import { readFileSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { reportCounts } from "./counts.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

export interface OpenApiDoc {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, Schema>; parameters?: Record<string, Schema> };
}

/**
 * Where a spec is known to be wrong about requests, and the test says why: fields the server assigns but the
 * spec lists as required (a response schema reused for requests), and operations documented with a
 * required body that the API and its own SDKs call without one.
 */
export interface SpecAllowances {
  serverAssigned?: readonly string[];
  bodyNotRequired?: readonly string[];
}

export interface CheckedRequest {
  method: string;
  url: URL;
  /** Parsed JSON, when a body was sent. */
  body?: unknown;
}

/** A spec from JSON, or from YAML in the block style spec generators write (see `parseYamlSubset`). */
export function loadOpenApi(path: string): OpenApiDoc {
  const text = readFileSync(path, "utf8");
  return (/\.ya?ml$/.test(path) ? parseYamlSubset(text) : JSON.parse(text)) as OpenApiDoc;
}

/**
 * The YAML that tools such as PyYAML write for OpenAPI specs: block mappings and sequences by
 * indentation (a sequence may sit at its key's indentation), plain, 'single' and "double" quoted scalars
 * that may run over several lines, and empty flow collections ([] and {}). Anchors, tags, block scalars
 * (| and >) and non-empty flow collections are refused rather than misread.
 */
export function parseYamlSubset(text: string): unknown {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  const indentOf = (line: string): number => line.length - line.trimStart().length;
  const blank = (line: string | undefined): boolean => line !== undefined && /^\s*(#.*)?$/.test(line);
  const skip = (): void => {
    while (i < lines.length && blank(lines[i])) i++;
  };
  const fail = (why: string): Error => new Error(`YAML line ${i + 1}: ${why}`);

  /** A scalar that starts on line i at `from` (column), with any continuation lines deeper than `indent`. */
  function scalar(first: string, indent: number): unknown {
    const t = first.trim();
    if (t.startsWith("'") || t.startsWith('"')) return quoted(t, indent);
    if (/^[&*!|>]/.test(t)) throw fail(`"${t.slice(0, 20)}" uses YAML this reader does not take`);
    if (t === "[]") return [];
    if (t === "{}") return {};
    if (t.startsWith("[") || t.startsWith("{")) throw fail("non-empty flow collections are not supported");
    let value = t;
    // Plain scalars fold onto the following deeper lines.
    while (i < lines.length && !blank(lines[i]) && indentOf(lines[i]!) > indent)
      value += ` ${lines[i++]!.trim()}`;
    return plainValue(value);
  }

  function plainValue(t: string): unknown {
    if (t === "" || t === "~" || t === "null") return null;
    if (t === "true") return true;
    if (t === "false") return false;
    if (/^-?(0|[1-9][0-9]*)$/.test(t)) return Number(t);
    if (/^-?(0|[1-9][0-9]*)?\.[0-9]+([eE][-+]?[0-9]+)?$/.test(t)) return Number(t);
    return t;
  }

  /** A quoted scalar, possibly spanning lines: line breaks fold to spaces, empty lines to newlines. */
  function quoted(start: string, indent: number): string {
    const q = start[0]!;
    let raw = start.slice(1);
    const pieces: string[] = [];
    for (;;) {
      const end = closing(raw, q);
      if (end >= 0) {
        pieces.push(raw.slice(0, end));
        const rest = raw.slice(end + 1).trim();
        if (rest !== "" && !rest.startsWith("#")) throw fail(`text after a quoted scalar: "${rest}"`);
        break;
      }
      pieces.push(raw);
      if (i >= lines.length) throw fail("a quoted scalar is not closed");
      const next = lines[i++]!;
      if (indentOf(next) <= indent && !blank(next)) throw fail("a quoted scalar is not closed");
      raw = `\u0000${next.trim()}`;
    }
    // Join the physical lines as YAML folds them: one break is a space, each blank line a newline.
    let out = "";
    for (const [n, piece] of pieces.entries()) {
      const content = n === 0 ? piece : piece.slice(1);
      // Blanks before a line break are not content; before the closing quote they are.
      const trimmed = n < pieces.length - 1 ? content.replace(/[ \t]+$/, "") : content;
      if (n > 0) {
        if (trimmed === "" && n < pieces.length - 1) {
          out += "\n";
          continue;
        }
        if (!out.endsWith("\n")) {
          // A double-quoted line ending in "\" continues without a space.
          if (q === '"' && out.endsWith("\\")) out = out.slice(0, -1);
          else out += " ";
        }
      }
      out += trimmed;
    }
    return q === "'" ? out.replace(/''/g, "'") : unescapeDouble(out);
  }

  function closing(raw: string, q: string): number {
    for (let k = 0; k < raw.length; k++) {
      if (q === "'" && raw[k] === "'") {
        if (raw[k + 1] === "'") {
          k++;
          continue;
        }
        return k;
      }
      if (q === '"') {
        if (raw[k] === "\\") {
          k++;
          continue;
        }
        if (raw[k] === '"') return k;
      }
    }
    return -1;
  }

  function unescapeDouble(t: string): string {
    // YAML 1.1 double-quoted escapes (PyYAML writes \xXX, \uXXXX and \UXXXXXXXX for what it cannot print).
    const map: Record<string, string> = {
      n: "\n",
      t: "\t",
      r: "\r",
      a: "\u0007",
      b: "\b",
      e: "\u001b",
      f: "\f",
      v: "\v",
      N: "\u0085",
      _: "\u00a0",
      L: "\u2028",
      P: "\u2029",
      '"': '"',
      "\\": "\\",
      "/": "/",
      "0": "\u0000",
      " ": " ",
    };
    return t.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
      if (e.length > 1) return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
      const v = map[e];
      if (v === undefined) throw fail(`unknown escape \\${e}`);
      return v;
    });
  }

  /** "key: rest" split at the first ": " (or final ":") outside quotes. */
  function splitKey(content: string): [string, string] | undefined {
    // A plain key runs to the first ":" followed by a blank or the line's end ("account:read_only: x").
    const m = /^(?!- )('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^'"#\s](?:[^:]|:(?!\s|$))*?):(?:\s+(.*))?$/.exec(
      content,
    );
    if (!m) return undefined;
    const rawKey = m[1]!;
    const key = rawKey.startsWith("'")
      ? rawKey.slice(1, -1).replace(/''/g, "'")
      : rawKey.startsWith('"')
        ? unescapeDouble(rawKey.slice(1, -1))
        : rawKey;
    return [key, m[2] ?? ""];
  }

  function node(indent: number): unknown {
    skip();
    if (i >= lines.length) return null;
    const line = lines[i]!;
    const at = indentOf(line);
    if (at < indent) return null;
    const content = line.trim();
    return content === "-" || content.startsWith("- ") ? sequence(at) : mapping(at);
  }

  /** The value after "key:" on line i-1: inline, a deeper block, or a sequence at the key's indentation. */
  function value(rest: string, indent: number): unknown {
    if (rest !== "" && !rest.startsWith("#")) return scalar(rest, indent);
    skip();
    if (i >= lines.length) return null;
    const next = lines[i]!;
    const at = indentOf(next);
    const t = next.trim();
    if (at > indent) return node(at);
    if (at === indent && (t === "-" || t.startsWith("- "))) return sequence(at);
    return null;
  }

  function mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (;;) {
      skip();
      if (i >= lines.length) return out;
      const line = lines[i]!;
      const at = indentOf(line);
      if (at < indent) return out;
      if (at > indent) throw fail("unexpected indentation");
      const content = line.trim();
      if (content === "-" || content.startsWith("- ")) return out;
      const kv = splitKey(content);
      if (!kv) throw fail(`"${content.slice(0, 40)}" is not a "key: value" line`);
      i++;
      out[kv[0]] = value(kv[1], indent);
    }
  }

  function sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      skip();
      if (i >= lines.length) return out;
      const line = lines[i]!;
      const at = indentOf(line);
      const content = line.trim();
      if (at !== indent || !(content === "-" || content.startsWith("- "))) return out;
      const item = content === "-" ? "" : content.slice(2).trimStart();
      const itemIndent = indent + (content.length - item.length);
      if (item === "") {
        i++;
        out.push(node(indent + 1));
      } else if (item.startsWith("- ") || splitKey(item)) {
        // "- key: value" opens a mapping (or "- - x" a sequence) whose lines sit at the item's column.
        lines[i] = `${" ".repeat(itemIndent)}${item}`;
        out.push(node(itemIndent));
      } else {
        i++;
        out.push(scalar(item, indent));
      }
    }
  }

  const doc = node(0);
  skip();
  if (i < lines.length) throw fail("content after the document");
  return doc;
}

function resolve(doc: OpenApiDoc, value: Json | undefined): Json | undefined {
  let current = value;
  for (let hops = 0; hops < 32 && current && typeof current === "object" && !Array.isArray(current); hops++) {
    const ref = current.$ref;
    if (typeof ref !== "string") return current;
    if (!ref.startsWith("#/")) throw new Error(`external $ref ${ref} is not supported`);
    let target: unknown = doc;
    for (const part of ref.slice(2).split("/")) {
      target = (target as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    if (target === undefined) throw new Error(`$ref ${ref} points nowhere`);
    current = target as Json;
  }
  return current;
}

function templateRegex(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((p) => (p.startsWith("{") ? "([^/]+)" : p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}/?$`);
}

const patterns = new Map<string, RegExp | undefined>();

/** A schema's pattern (ECMA-262, as OpenAPI says); one JS cannot compile checks nothing rather than fail. */
function patternOf(source: string): { test(text: string): boolean } {
  if (!patterns.has(source)) {
    try {
      patterns.set(source, new RegExp(source, "u"));
    } catch {
      patterns.set(source, undefined);
    }
  }
  return patterns.get(source) ?? { test: () => true };
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Problems of `value` against `schema`; empty when it validates. */
export function validate(
  doc: OpenApiDoc,
  schemaIn: Json | undefined,
  value: unknown,
  path: string,
  allow: SpecAllowances = {},
): string[] {
  const schema = resolve(doc, schemaIn) as Schema | undefined;
  if (!schema || typeof schema !== "object") return [];
  const out: string[] = [];
  if (value === null && schema.nullable === true) return [];
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf) out.push(...validate(doc, part, value, path, allow));
  }
  if (Array.isArray(schema.anyOf)) {
    const ok = schema.anyOf.some((part) => validate(doc, part, value, path, allow).length === 0);
    if (!ok) out.push(`${path}: matches none of anyOf`);
  }
  if (Array.isArray(schema.oneOf)) {
    const results = schema.oneOf.map((part) => validate(doc, part, value, path, allow));
    const matching = results.filter((r) => r.length === 0).length;
    if (matching !== 1) {
      const closest = results.reduce((a, b) => (b.length < a.length ? b : a), results[0] ?? []);
      out.push(
        `${path}: matches ${matching} of oneOf (want 1)${matching === 0 ? `; closest: ${closest.join("; ")}` : ""}`,
      );
    }
  }
  const type = schema.type;
  if (typeof type === "string") {
    const actual = typeOf(value);
    const fits = actual === type || (type === "number" && actual === "integer");
    if (!fits) {
      out.push(`${path}: is ${actual}, the schema says ${type}`);
      return out;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
    out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === "string") {
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength)
      out.push(`${path}: longer than ${schema.maxLength}`);
    if (typeof schema.minLength === "number" && value.length < schema.minLength)
      out.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.pattern === "string" && !patternOf(schema.pattern).test(value)) {
      out.push(`${path}: "${value}" does not match ${schema.pattern}`);
    }
    if (schema.format === "ipv4" && !isIPv4(value)) out.push(`${path}: "${value}" is not an IPv4 address`);
    if (schema.format === "ipv6" && !isIPv6(value)) out.push(`${path}: "${value}" is not an IPv6 address`);
  }
  if (typeof value === "number") {
    if (typeof schema.maximum === "number" && value > schema.maximum)
      out.push(`${path}: ${value} is above ${schema.maximum}`);
    if (typeof schema.minimum === "number" && value < schema.minimum)
      out.push(`${path}: ${value} is below ${schema.minimum}`);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => {
      out.push(...validate(doc, schema.items, item, `${path}[${i}]`, allow));
    });
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Json>;
    for (const name of Array.isArray(schema.required) ? schema.required : []) {
      if (typeof name !== "string" || name in obj) continue;
      const prop = resolve(doc, props[name]) as Schema | undefined;
      if (prop?.readOnly === true || readOnlyIn(doc, schema, name) || allow.serverAssigned?.includes(name))
        continue;
      out.push(`${path}: required "${name}" is missing`);
    }
    for (const [key, v] of Object.entries(obj)) {
      const prop = props[key];
      if (prop === undefined) {
        if (schema.additionalProperties === false) out.push(`${path}: "${key}" is not allowed`);
        else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
          out.push(...validate(doc, schema.additionalProperties, v, `${path}.${key}`, allow));
        }
        continue;
      }
      const resolved = resolve(doc, prop) as Schema | undefined;
      if (resolved?.readOnly === true) out.push(`${path}: "${key}" is read-only and may not be sent`);
      out.push(...validate(doc, prop, v, `${path}.${key}`, allow));
    }
  }
  return out;
}

/**
 * Whether `name` is a readOnly property of some part of the schema (through $ref, allOf, anyOf, oneOf):
 * specs often reuse a response schema for requests, listing server-set fields (id, created_on) as required.
 */
function readOnlyIn(doc: OpenApiDoc, schema: Schema, name: string, seen = new Set<Schema>()): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  for (const combo of ["allOf", "anyOf", "oneOf"] as const) {
    const parts = schema[combo];
    for (const part of Array.isArray(parts) ? parts : []) {
      const s = resolve(doc, part) as Schema | undefined;
      if (!s || typeof s !== "object") continue;
      const prop = resolve(doc, (s.properties as Record<string, Json> | undefined)?.[name]) as
        | Schema
        | undefined;
      if (prop?.readOnly === true || readOnlyIn(doc, s, name, seen)) return true;
    }
  }
  return false;
}

/** Every property a schema can hold, through allOf/anyOf/oneOf, for top-level "unknown field" checks. */
function knownProperties(doc: OpenApiDoc, schemaIn: Json | undefined, seen = new Set<Json>()): Set<string> {
  const schema = resolve(doc, schemaIn) as Schema | undefined;
  const out = new Set<string>();
  if (!schema || typeof schema !== "object" || seen.has(schema)) return out;
  seen.add(schema);
  for (const key of Object.keys((schema.properties ?? {}) as object)) out.add(key);
  for (const combo of ["allOf", "anyOf", "oneOf"] as const) {
    const parts = schema[combo];
    if (Array.isArray(parts))
      for (const p of parts) for (const k of knownProperties(doc, p, seen)) out.add(k);
  }
  return out;
}

/** Problems with one request against the spec; empty when it conforms. */
export function checkOpenApiRequest(
  doc: OpenApiDoc,
  req: CheckedRequest,
  allow: SpecAllowances = {},
): { operation?: string; problems: string[] } {
  const base = new URL(doc.servers?.[0]?.url ?? "http://x/").pathname.replace(/\/+$/, "");
  const path = req.url.pathname.startsWith(base) ? req.url.pathname.slice(base.length) : req.url.pathname;
  // The most literal template wins: "/zones/{id}/dns_records/export" before "/zones/{id}/dns_records/{rid}".
  const candidates = Object.keys(doc.paths)
    .filter((t) => templateRegex(t).test(path))
    .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  const template = candidates[0];
  if (!template) return { problems: [`${req.method} ${path}: no path of the spec matches`] };
  const item = doc.paths[template]!;
  const op = resolve(doc, item[req.method.toLowerCase()]) as Schema | undefined;
  if (!op) return { problems: [`${req.method} ${template}: the spec has no ${req.method} here`] };
  const name = typeof op.operationId === "string" ? op.operationId : `${req.method} ${template}`;
  const problems: string[] = [];
  const params = [...((item.parameters as Json[]) ?? []), ...((op.parameters as Json[]) ?? [])].map(
    (p) => resolve(doc, p) as Schema,
  );
  const query = params.filter((p) => p.in === "query");
  for (const key of new Set(req.url.searchParams.keys())) {
    const declared = query.find((p) => p.name === key);
    if (!declared) {
      problems.push(`${name}: query "${key}" is not declared`);
      continue;
    }
    const schema = resolve(doc, declared.schema) as Schema | undefined;
    for (const raw of req.url.searchParams.getAll(key)) {
      const value =
        schema?.type === "integer" || schema?.type === "number"
          ? Number(raw)
          : schema?.type === "boolean"
            ? raw === "true"
            : raw;
      problems.push(...validate(doc, declared.schema, value, `${name} query ${key}`));
    }
  }
  for (const p of query) {
    if (p.required === true && !req.url.searchParams.has(String(p.name)))
      problems.push(`${name}: required query "${p.name}" is missing`);
  }
  const values = templateRegex(template).exec(path)!.slice(1);
  const labels = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  labels.forEach((label, i) => {
    const declared = params.find((p) => p.in === "path" && p.name === label);
    if (!declared) problems.push(`${name}: path parameter {${label}} is not declared`);
    else {
      const schema = resolve(doc, declared.schema) as Schema | undefined;
      const raw = decodeURIComponent(values[i]!);
      const value = schema?.type === "integer" || schema?.type === "number" ? Number(raw) : raw;
      problems.push(...validate(doc, declared.schema, value, `${name} path ${label}`));
    }
  });
  const requestBody = resolve(doc, op.requestBody) as Schema | undefined;
  const content = requestBody?.content as Record<string, Schema> | undefined;
  const schema = content?.["application/json"]?.schema;
  if (req.body === undefined) {
    if (requestBody?.required === true && !allow.bodyNotRequired?.includes(name)) {
      problems.push(`${name}: a JSON body is required`);
    }
  } else if (schema === undefined) {
    problems.push(`${name}: a body was sent, but the operation takes none`);
  } else {
    problems.push(...validate(doc, schema, req.body, `${name} body`, allow));
    // Unknown top-level fields are not caught when the schema allows any (most specs do); name them.
    if (req.body && typeof req.body === "object" && !Array.isArray(req.body)) {
      const known = knownProperties(doc, schema);
      if (known.size > 0) {
        for (const key of Object.keys(req.body))
          if (!known.has(key)) problems.push(`${name} body: "${key}" is not in the schema`);
      }
    }
  }
  return { operation: name, problems };
}

// ---- responses (added for the compute replay tests) ----------------------------------------------------
//
// Answers are validated with Ajv, a full JSON Schema validator, against the response schema the operation
// declares for the status (or its "default"): OpenAPI 3.0 schemas are JSON Schema plus `nullable` (which
// Ajv knows), `discriminator`, `example` and `x-*` annotations (ignored here), and formats such as int64
// that carry no check. readOnly properties are of course allowed in answers.

/** ajv-formats is CommonJS: its default export arrives as the module object or as the function itself. */
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

/** OpenAPI's own format names, which constrain nothing JSON Schema can check. */
const OPENAPI_FORMATS = ["int32", "int64", "float", "double", "byte", "binary", "password", "decimal"];

const validators = new WeakMap<OpenApiDoc, { ajv: Ajv; compiled: Map<string, ValidateFunction> }>();

function ajvFor(doc: OpenApiDoc): { ajv: Ajv; compiled: Map<string, ValidateFunction> } {
  let entry = validators.get(doc);
  if (!entry) {
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(ajv);
    for (const name of OPENAPI_FORMATS) ajv.addFormat(name, true);
    // The whole document under one id, so every "#/components/…" reference resolves inside it.
    ajv.addSchema(doc as unknown as object, "openapi:doc");
    entry = { ajv, compiled: new Map() };
    validators.set(doc, entry);
  }
  return entry;
}

function pointerEscape(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function at(doc: OpenApiDoc, pointer: string): Json | undefined {
  let target: unknown = doc;
  for (const part of pointer.replace(/^#\//, "").split("/")) {
    if (target === undefined || target === null) return undefined;
    target = (target as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return target as Json | undefined;
}

/** The operation's template for a request path, as checkOpenApiRequest chooses it. */
function templateFor(doc: OpenApiDoc, url: URL): string | undefined {
  const base = new URL(doc.servers?.[0]?.url ?? "http://x/").pathname.replace(/\/+$/, "");
  const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
  return Object.keys(doc.paths)
    .filter((t) => templateRegex(t).test(path))
    .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
}

/**
 * Problems of a JSON answer against the response schema the spec declares for its status; empty when it
 * validates. An answer with no JSON schema declared for it is a problem only when it has a body.
 */
export function checkOpenApiResponse(
  doc: OpenApiDoc,
  req: { method: string; url: URL },
  status: number,
  body: unknown,
): { operation?: string; problems: string[] } {
  const template = templateFor(doc, req.url);
  if (!template) return { problems: [`${req.method} ${req.url.pathname}: no path of the spec matches`] };
  const method = req.method.toLowerCase();
  const opPointer = `#/paths/${pointerEscape(template)}/${method}`;
  const op = at(doc, opPointer) as Schema | undefined;
  if (!op) return { problems: [`${req.method} ${template}: the spec has no ${req.method} here`] };
  const name = typeof op.operationId === "string" ? op.operationId : `${req.method} ${template}`;
  const responses = (op.responses ?? {}) as Record<string, Json>;
  const key = String(status) in responses ? String(status) : "default" in responses ? "default" : undefined;
  if (key === undefined)
    return { operation: name, problems: [`${name}: status ${status} is not a declared answer`] };
  let pointer = `${opPointer}/responses/${key}`;
  for (let hops = 0; hops < 8; hops++) {
    const ref = (at(doc, pointer) as Schema | undefined)?.$ref;
    if (typeof ref !== "string") break;
    pointer = ref;
  }
  const schemaPointer = `${pointer}/content/application~1json/schema`;
  if (at(doc, schemaPointer) === undefined) {
    return {
      operation: name,
      problems: body === undefined ? [] : [`${name}: status ${status} declares no JSON body, yet one came`],
    };
  }
  const { ajv, compiled } = ajvFor(doc);
  let check = compiled.get(schemaPointer);
  if (!check) {
    check = ajv.compile({ $ref: `openapi:doc${schemaPointer}` });
    compiled.set(schemaPointer, check);
  }
  if (check(body)) return { operation: name, problems: [] };
  const problems = (check.errors ?? []).map(
    (e) =>
      `${name} ${status} answer${e.instancePath || ""}: ${e.message ?? "invalid"}${
        e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""
      }`,
  );
  return { operation: name, problems };
}

/**
 * Check every request a replay sent against the spec, print the count line the test run reports
 * ("<label> OpenAPI checks: N/M requests conform (operation n, …)"), and return every problem found.
 */
export function checkAllRequests(
  label: string,
  doc: OpenApiDoc,
  requests: readonly CheckedRequest[],
  allow: SpecAllowances = {},
): string[] {
  const problems: string[] = [];
  const ops = new Map<string, number>();
  let conforming = 0;
  for (const req of requests) {
    const r = checkOpenApiRequest(doc, req, allow);
    if (r.operation) ops.set(r.operation, (ops.get(r.operation) ?? 0) + 1);
    if (r.problems.length === 0) conforming++;
    problems.push(...r.problems);
  }
  reportCounts(
    `${label} OpenAPI checks: ${conforming}/${requests.length} requests conform (${[...ops].map(([o, n]) => `${o} ${n}`).join(", ")})`,
  );
  return problems;
}
