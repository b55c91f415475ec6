/**
 * Checks a request against Route 53's API model (the botocore service-2.json in the shared folder), the
 * way the service reads it: the operation is found by HTTP method and requestUri template, then every
 * query parameter and header must be an input member bound there, required ones present, and an XML body
 * must be the input's root element in the model's namespace, with child elements named, ordered, listed
 * and typed as the shapes say (enums, lengths, integers, booleans).
 */
import { parseXml } from "../../src/core/codec/xml.js";
import type { XmlObject, XmlValue } from "../../src/core/codec/xml-shape.js";

interface Member {
  shape: string;
  location?: string;
  locationName?: string;
  xmlNamespace?: { uri: string };
}

interface Shape {
  type: string;
  members?: Record<string, Member>;
  required?: string[];
  member?: Member;
  enum?: string[];
  min?: number;
  max?: number;
}

export interface Route53Model {
  operations: Record<
    string,
    {
      name: string;
      http: { method: string; requestUri: string };
      input?: Member & { xmlNamespace?: { uri: string } };
    }
  >;
  shapes: Record<string, Shape>;
}

export interface SeenRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** Headers of the transport and the SigV4 signer, which no operation's input lists. */
const TRANSPORT_HEADERS = new Set([
  "user-agent",
  "host",
  "content-length",
  "content-type",
  "authorization",
  "x-amz-date",
  "x-amz-security-token",
  "x-amz-content-sha256",
]);

function templateRegex(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) =>
      part.startsWith("{")
        ? part.endsWith("+}")
          ? "(.+)"
          : "([^/]+)"
        : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${source}$`);
}

/** The operation a request is, by method and path, or undefined when none matches. */
export function operationOf(model: Route53Model, req: SeenRequest): string | undefined {
  for (const [name, op] of Object.entries(model.operations)) {
    if (op.http.method !== req.method) continue;
    const [path = ""] = op.http.requestUri.split("?");
    if (templateRegex(path).test(req.url.pathname)) return name;
  }
  return undefined;
}

function checkValue(
  model: Route53Model,
  shapeName: string,
  value: XmlValue,
  path: string,
  out: string[],
): void {
  const shape = model.shapes[shapeName];
  if (!shape) {
    out.push(`${path}: shape ${shapeName} is not in the model`);
    return;
  }
  if (shape.type === "structure") {
    if (typeof value !== "object" || Array.isArray(value)) {
      out.push(`${path}: should be an element with children (${shapeName})`);
      return;
    }
    checkStructure(model, shapeName, value, path, out);
    return;
  }
  if (shape.type === "list") {
    if (typeof value !== "object" || Array.isArray(value)) {
      out.push(`${path}: a list (${shapeName}) should be an element holding its items`);
      return;
    }
    const itemName = shape.member?.locationName ?? "member";
    const keys = Object.keys(value).filter((k) => !k.startsWith("@_"));
    for (const key of keys)
      if (key !== itemName) out.push(`${path}: list items must be <${itemName}>, not <${key}>`);
    const items = value[itemName];
    const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
    if (shape.min !== undefined && list.length < shape.min) out.push(`${path}: at least ${shape.min} items`);
    if (shape.max !== undefined && list.length > shape.max) out.push(`${path}: at most ${shape.max} items`);
    for (const [i, item] of list.entries()) {
      checkValue(model, shape.member!.shape, item, `${path}.${itemName}[${i}]`, out);
    }
    return;
  }
  if (typeof value !== "string") {
    out.push(`${path}: should be text (${shape.type})`);
    return;
  }
  if (shape.type === "string") {
    if (shape.enum && !shape.enum.includes(value))
      out.push(`${path}: "${value}" is not one of ${shape.enum.join("|")}`);
    if (shape.min !== undefined && value.length < shape.min) out.push(`${path}: shorter than ${shape.min}`);
    if (shape.max !== undefined && value.length > shape.max) out.push(`${path}: longer than ${shape.max}`);
  } else if (shape.type === "long" || shape.type === "integer") {
    if (!/^-?[0-9]+$/.test(value)) out.push(`${path}: "${value}" is not an integer`);
    else {
      const n = Number(value);
      if (shape.min !== undefined && n < shape.min) out.push(`${path}: ${n} is below ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) out.push(`${path}: ${n} is above ${shape.max}`);
    }
  } else if (shape.type === "boolean") {
    if (value !== "true" && value !== "false") out.push(`${path}: "${value}" is not true or false`);
  }
}

function checkStructure(
  model: Route53Model,
  shapeName: string,
  value: XmlObject,
  path: string,
  out: string[],
): void {
  const shape = model.shapes[shapeName]!;
  const byElement = new Map<string, [string, Member]>();
  const order: string[] = [];
  for (const [name, m] of Object.entries(shape.members ?? {})) {
    if (m.location) continue; // bound to the URI, query or headers, never the body
    const element = m.locationName ?? name;
    byElement.set(element, [name, m]);
    order.push(element);
  }
  const children = Object.keys(value).filter((k) => !k.startsWith("@_") && k !== "#text");
  let last = -1;
  for (const child of children) {
    const found = byElement.get(child);
    if (!found) {
      out.push(`${path}: <${child}> is not a member of ${shapeName}`);
      continue;
    }
    const at = order.indexOf(child);
    if (at < last) out.push(`${path}: <${child}> comes after a member the model lists later`);
    last = Math.max(last, at);
    const v = value[child]!;
    if (Array.isArray(v)) out.push(`${path}: <${child}> appears more than once`);
    else checkValue(model, found[1].shape, v, `${path}.${child}`, out);
  }
  for (const required of shape.required ?? []) {
    const m = shape.members?.[required];
    if (!m || m.location) continue;
    if (!children.includes(m.locationName ?? required))
      out.push(`${path}: required <${m.locationName ?? required}> is missing`);
  }
}

/** Problems with one request against the model; empty when it conforms. */
export function checkRequest(
  model: Route53Model,
  req: SeenRequest,
): { operation?: string; problems: string[] } {
  const name = operationOf(model, req);
  if (!name)
    return {
      problems: [`${req.method} ${req.url.pathname}: no operation of the model has this method and path`],
    };
  const op = model.operations[name]!;
  const problems: string[] = [];
  const input = op.input ? model.shapes[op.input.shape] : undefined;
  const members = Object.entries(input?.members ?? {});

  const queryNames = new Map(
    members.filter(([, m]) => m.location === "querystring").map(([n, m]) => [m.locationName!, n]),
  );
  for (const key of new Set(req.url.searchParams.keys())) {
    if (!queryNames.has(key)) problems.push(`${name}: query "${key}" is not in the model`);
    else {
      const member = input!.members![queryNames.get(key)!]!;
      for (const value of req.url.searchParams.getAll(key)) {
        checkValue(model, member.shape, value, `${name} query ${key}`, problems);
      }
    }
  }
  const headerNames = new Set(
    members.filter(([, m]) => m.location === "header").map(([, m]) => m.locationName!.toLowerCase()),
  );
  for (const header of Object.keys(req.headers)) {
    const h = header.toLowerCase();
    if (!TRANSPORT_HEADERS.has(h) && !headerNames.has(h))
      problems.push(`${name}: header "${h}" is not in the model`);
  }
  for (const required of input?.required ?? []) {
    const m = input!.members![required]!;
    if (m.location === "querystring" && !req.url.searchParams.has(m.locationName!)) {
      problems.push(`${name}: required query ${m.locationName} is missing`);
    }
  }
  // URI members must fill their template segment with a value of their shape.
  const [path = ""] = op.http.requestUri.split("?");
  const values = templateRegex(path).exec(req.url.pathname)!.slice(1);
  const labels = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]!);
  labels.forEach((label, i) => {
    const member = members.find(([, m]) => m.location === "uri" && m.locationName === label);
    if (!member) problems.push(`${name}: URI label {${label}} is not an input member`);
    else checkValue(model, member[1].shape, decodeURIComponent(values[i]!), `${name} uri ${label}`, problems);
  });

  const rootName = op.input?.locationName;
  const hasBody = req.body !== undefined && req.body.length > 0;
  if (rootName === undefined) {
    if (hasBody) problems.push(`${name}: the model has no request body, but one was sent`);
    return { operation: name, problems };
  }
  if (!hasBody) {
    problems.push(`${name}: the model wants a <${rootName}> body, none was sent`);
    return { operation: name, problems };
  }
  const doc = parseXml(req.body!.toString("utf8"), { provider: "route53-model", operation: name });
  const roots = Object.keys(doc);
  if (roots.length !== 1 || roots[0] !== rootName) {
    problems.push(`${name}: body root is <${roots.join(",")}>, the model says <${rootName}>`);
    return { operation: name, problems };
  }
  const root = doc[rootName] as XmlObject;
  const ns = op.input?.xmlNamespace?.uri;
  if (ns && root["@_xmlns"] !== ns)
    problems.push(`${name}: xmlns is "${String(root["@_xmlns"])}", the model says "${ns}"`);
  checkStructure(model, op.input!.shape, root, rootName, problems);
  return { operation: name, problems };
}
