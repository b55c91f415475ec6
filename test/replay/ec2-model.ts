/**
 * Checks EC2 Query API requests (and XML answers) against EC2's API model, the botocore service-2.json in
 * the shared folder, the way the service reads them under the "ec2" protocol:
 *
 * - the Action is an operation of the model and Version is the model's apiVersion;
 * - every parameter name walks the input shape: a structure member is named by its queryName, else its
 *   locationName with the first letter upper-cased, else its own name; a list is always flattened as
 *   `Name.1`, `Name.2`, … with indexes from 1 and no gaps; nothing may follow a scalar;
 * - scalars have their type's form (integers, "true"/"false", base64 blobs, enum values, lengths, ranges);
 * - required members are present, at the top and inside every structure that is present.
 *
 * An answer is checked the other way round: every element must be a member of the output shape (by its
 * locationName, lists holding `item` elements), so a recorded or hand-written answer cannot carry names
 * EC2 never sends.
 */
import type { XmlObject, XmlValue } from "../../src/core/codec/xml-shape.js";

interface MemberRef {
  shape: string;
  locationName?: string;
  queryName?: string;
}

interface Shape {
  type: string;
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}

export interface Ec2Model {
  metadata: { apiVersion: string; protocol: string };
  operations: Record<string, { name: string; input?: { shape: string }; output?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

/** A parameter tree: scalars at the leaves, names (or list indexes) on the way. */
type Tree = { kind: "leaf"; value: string } | { kind: "node"; children: Map<string, Tree> };

function insert(tree: Map<string, Tree>, path: string[], value: string, full: string, out: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const existing = tree.get(head);
  if (rest.length === 0) {
    if (existing) out.push(`${full}: given more than once`);
    else tree.set(head, { kind: "leaf", value });
    return;
  }
  if (existing?.kind === "leaf") {
    out.push(`${full}: ${head} is both a value and a structure`);
    return;
  }
  const node = existing ?? { kind: "node" as const, children: new Map<string, Tree>() };
  tree.set(head, node);
  insert(node.children, rest, value, full, out);
}

/** The name a member goes by on the wire under the ec2 protocol. */
export function wireName(memberName: string, ref: MemberRef): string {
  if (ref.queryName) return ref.queryName;
  if (ref.locationName) return ref.locationName[0]!.toUpperCase() + ref.locationName.slice(1);
  return memberName;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function checkScalar(shape: Shape, shapeName: string, value: string, path: string, out: string[]): void {
  switch (shape.type) {
    case "string":
      if (shape.enum && !shape.enum.includes(value)) {
        out.push(`${path}: "${value}" is not one of ${shapeName}'s values (${shape.enum.join("|")})`);
      }
      if (shape.min !== undefined && value.length < shape.min) out.push(`${path}: shorter than ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max) out.push(`${path}: longer than ${shape.max}`);
      if (shape.pattern && !new RegExp(shape.pattern, "u").test(value)) {
        out.push(`${path}: "${value}" does not match ${shape.pattern}`);
      }
      return;
    case "integer":
    case "long": {
      if (!/^-?\d+$/.test(value)) {
        out.push(`${path}: "${value}" is not an integer`);
        return;
      }
      const n = Number(value);
      if (shape.min !== undefined && n < shape.min) out.push(`${path}: ${n} is below ${shape.min}`);
      if (shape.max !== undefined && n > shape.max) out.push(`${path}: ${n} is above ${shape.max}`);
      return;
    }
    case "float":
    case "double":
      if (!Number.isFinite(Number(value)) || value.trim() === "")
        out.push(`${path}: "${value}" is not a number`);
      return;
    case "boolean":
      if (value !== "true" && value !== "false") out.push(`${path}: "${value}" is not true or false`);
      return;
    case "blob":
      if (!BASE64.test(value)) out.push(`${path}: a blob must be base64`);
      return;
    case "timestamp":
      if (!ISO_TIME.test(value)) out.push(`${path}: "${value}" is not an ISO 8601 time`);
      return;
    default:
      out.push(`${path}: ${shapeName} is a ${shape.type}, not a scalar`);
  }
}

function checkTree(model: Ec2Model, shapeName: string, tree: Tree, path: string, out: string[]): void {
  const shape = model.shapes[shapeName];
  if (!shape) {
    out.push(`${path}: shape ${shapeName} is not in the model`);
    return;
  }
  if (shape.type === "structure") {
    if (tree.kind === "leaf") {
      out.push(`${path}: ${shapeName} is a structure; give its members, not a value`);
      return;
    }
    const byWire = new Map<string, [string, MemberRef]>();
    for (const [name, ref] of Object.entries(shape.members ?? {}))
      byWire.set(wireName(name, ref), [name, ref]);
    for (const [segment, child] of tree.children) {
      const found = byWire.get(segment);
      const at = path === "" ? segment : `${path}.${segment}`;
      if (!found) {
        out.push(`${at}: not a member of ${shapeName}`);
        continue;
      }
      checkTree(model, found[1].shape, child, at, out);
    }
    for (const required of shape.required ?? []) {
      const ref = shape.members?.[required];
      if (ref && !tree.children.has(wireName(required, ref))) {
        out.push(`${path || "(request)"}: required ${required} (as ${wireName(required, ref)}) is missing`);
      }
    }
    return;
  }
  if (shape.type === "list") {
    if (tree.kind === "leaf") {
      out.push(`${path}: a list (${shapeName}) is sent as ${path}.1, ${path}.2, …`);
      return;
    }
    const indexes = [...tree.children.keys()];
    const numbers = indexes.map((i) => (/^[1-9]\d*$/.test(i) ? Number(i) : Number.NaN));
    if (numbers.some(Number.isNaN))
      out.push(`${path}: list items must be numbered from 1, got ${indexes.join(", ")}`);
    const sorted = numbers.filter((n) => !Number.isNaN(n)).sort((a, b) => a - b);
    if (sorted.some((n, i) => n !== i + 1)) out.push(`${path}: list indexes must run 1..n without gaps`);
    if (shape.min !== undefined && sorted.length < shape.min)
      out.push(`${path}: at least ${shape.min} items`);
    if (shape.max !== undefined && sorted.length > shape.max) out.push(`${path}: at most ${shape.max} items`);
    for (const [index, child] of tree.children)
      checkTree(model, shape.member!.shape, child, `${path}.${index}`, out);
    return;
  }
  if (shape.type === "map") {
    out.push(`${path}: maps are not expected in EC2 inputs (${shapeName})`);
    return;
  }
  if (tree.kind !== "leaf") {
    out.push(`${path}: ${shapeName} is a ${shape.type}; nothing may follow it`);
    return;
  }
  checkScalar(shape, shapeName, tree.value, path, out);
}

export interface CheckedRequest {
  action: string | undefined;
  problems: string[];
}

/** The form body's pairs, decoded (RFC 3986 percent-encoding, "+" as a space for form bodies). */
export function formPairs(body: string): [string, string][] {
  if (body === "") return [];
  return body.split("&").map((pair) => {
    const at = pair.indexOf("=");
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return at < 0 ? [decode(pair), ""] : [decode(pair.slice(0, at)), decode(pair.slice(at + 1))];
  });
}

/** Every problem the model finds with one request's form body; none means EC2 would parse it as meant. */
export function checkEc2Request(model: Ec2Model, body: string): CheckedRequest {
  const problems: string[] = [];
  const pairs = formPairs(body);
  const action = pairs.find(([k]) => k === "Action")?.[1];
  const version = pairs.find(([k]) => k === "Version")?.[1];
  if (version !== model.metadata.apiVersion) {
    problems.push(`Version is ${version ?? "missing"}, the model is ${model.metadata.apiVersion}`);
  }
  const op = action === undefined ? undefined : model.operations[action];
  if (!op) {
    problems.push(`Action ${action ?? "(missing)"} is not an operation of the model`);
    return { action, problems };
  }
  const root = new Map<string, Tree>();
  for (const [name, value] of pairs) {
    if (name === "Action" || name === "Version") continue;
    if (name.split(".").some((s) => s === "")) {
      problems.push(`${name}: empty name segment`);
      continue;
    }
    insert(root, name.split("."), value, name, problems);
  }
  if (op.input) checkTree(model, op.input.shape, { kind: "node", children: root }, "", problems);
  else if (root.size > 0) problems.push(`${action} takes no input, got ${[...root.keys()].join(", ")}`);
  return { action, problems };
}

// ---- answers ----

function checkXmlValue(
  model: Ec2Model,
  shapeName: string,
  value: XmlValue,
  path: string,
  out: string[],
): void {
  const shape = model.shapes[shapeName];
  if (!shape) return;
  if (shape.type === "structure") {
    if (value === "") return;
    if (typeof value !== "object" || Array.isArray(value)) {
      out.push(`${path}: expected child elements (${shapeName})`);
      return;
    }
    checkXmlStructure(model, shapeName, value, path, out);
    return;
  }
  if (shape.type === "list") {
    if (value === "") return;
    if (typeof value !== "object" || Array.isArray(value)) {
      out.push(`${path}: a list (${shapeName}) holds <item> elements`);
      return;
    }
    const itemName = shape.member?.locationName ?? "member";
    for (const key of Object.keys(value)) {
      if (key.startsWith("@_")) continue;
      if (key !== itemName) {
        out.push(`${path}: list items are <${itemName}>, not <${key}>`);
        continue;
      }
      const items = value[key]!;
      const list = Array.isArray(items) ? items : [items];
      for (const [i, item] of list.entries()) {
        checkXmlValue(model, shape.member!.shape, item, `${path}.${itemName}[${i}]`, out);
      }
    }
    return;
  }
  if (typeof value !== "string") out.push(`${path}: expected text (${shape.type})`);
}

function checkXmlStructure(
  model: Ec2Model,
  shapeName: string,
  value: XmlObject,
  path: string,
  out: string[],
): void {
  const shape = model.shapes[shapeName]!;
  const byElement = new Map<string, MemberRef>();
  for (const [name, ref] of Object.entries(shape.members ?? {})) byElement.set(ref.locationName ?? name, ref);
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith("@_") || key === "#text") continue;
    const ref = byElement.get(key);
    if (!ref) {
      out.push(`${path}: <${key}> is not a member of ${shapeName}`);
      continue;
    }
    const repeats = Array.isArray(child) ? child : [child];
    for (const one of repeats) checkXmlValue(model, ref.shape, one, `${path}.${key}`, out);
  }
}

/** Problems with an answer to `action`: its root element and every element below it. */
export function checkEc2Response(model: Ec2Model, action: string, doc: XmlObject): string[] {
  const out: string[] = [];
  const op = model.operations[action];
  if (!op) return [`${action} is not an operation`];
  const rootName = `${action}Response`;
  const root = doc[rootName];
  if (root === undefined) return [`the root element is ${Object.keys(doc).join(", ")}, not ${rootName}`];
  if (typeof root !== "object" || Array.isArray(root)) return out;
  const { requestId: _requestId, ...rest } = root as XmlObject;
  if (op.output) checkXmlStructure(model, op.output.shape, rest, rootName, out);
  return out;
}
