/**
 * Typed extraction from a parsed JSON or XML document. Drivers read fields through a DocReader so that a
 * missing or mistyped field fails at once with a message naming the field, provider and operation
 * ("s3 ListObjectsV2: the response has no ListBucketResult.Name") instead of an `undefined` that breaks
 * something later.
 */
import { ProviderError } from "../errors.js";
import { contextLabel, type DocContext } from "./context.js";
import { describeValue, isRecord, textOf, toBoolean, toDate, toId, toInteger, toNumber } from "./convert.js";
import { parseJson } from "./json.js";

/** "ListBucketResult.Contents.0.Key", or the same as segments when a key itself contains a dot. */
export type DocPath = string | readonly (string | number)[];

const INDEX = /^(?:0|[1-9]\d*)$/;

export class DocReader {
  /**
   * @param value the parsed document, or a part of it
   * @param context who answered and to what, for error messages
   * @param path where `value` sits in the whole document ("" for the root), for error messages
   */
  constructor(
    readonly value: unknown,
    readonly context: DocContext,
    readonly path: string = "",
  ) {}

  /** True when the path leads to a value that is not null. */
  has(path: DocPath): boolean {
    return this.lookup(path) !== undefined;
  }

  /** The value at the path as it is, or undefined when absent or null. */
  raw(path: DocPath): unknown {
    return this.lookup(path);
  }

  str(path: DocPath): string {
    return this.required(path, textOf, "text");
  }
  optStr(path: DocPath): string | undefined {
    return this.optional(path, textOf, "text");
  }

  /** A string, or an integer sent as a JSON number (numeric ids) turned into its decimal string. */
  id(path: DocPath): string {
    return this.required(path, toId, "an id");
  }
  optId(path: DocPath): string | undefined {
    return this.optional(path, toId, "an id");
  }

  /** A JSON number or a decimal string ("12", "-1.5e3"); hex, "", "NaN" and "Infinity" are refused. */
  num(path: DocPath): number {
    return this.required(path, toNumber, "a number");
  }
  optNum(path: DocPath): number | undefined {
    return this.optional(path, toNumber, "a number");
  }

  /** Like `num`, and the value must be a safe integer. */
  int(path: DocPath): number {
    return this.required(path, toInteger, "an integer");
  }
  optInt(path: DocPath): number | undefined {
    return this.optional(path, toInteger, "an integer");
  }

  /** `true`/`false`, as JSON booleans or as text in any letter case. */
  bool(path: DocPath): boolean {
    return this.required(path, toBoolean, "true or false");
  }
  optBool(path: DocPath): boolean | undefined {
    return this.optional(path, toBoolean, "true or false");
  }

  /** An ISO 8601 or HTTP date; ISO times without a zone are UTC. */
  date(path: DocPath): Date {
    return this.required(path, toDate, "a date");
  }
  optDate(path: DocPath): Date | undefined {
    return this.optional(path, toDate, "a date");
  }

  /**
   * The values at the path as a list. XML repeats an element to make a list, so one element parses as a
   * plain value and none as nothing: absent or null gives [], a single value gives [value].
   */
  array(path: DocPath): unknown[] {
    const value = this.lookup(path);
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
  }

  /** `array(path)` as texts; each item must be text. */
  strings(path: DocPath): string[] {
    return this.list(path).map((item) => item.str([]));
  }

  /** `array(path)` as sub-readers, whose errors name the item, e.g. "ListBucketResult.Contents.3.Key". */
  list(path: DocPath): DocReader[] {
    const base = this.fullPath(path);
    return this.array(path).map((item, i) => new DocReader(item, this.context, join(base, String(i))));
  }

  /** A sub-reader for the value at the path, which must be present. */
  at(path: DocPath): DocReader {
    const value = this.lookup(path);
    if (value === undefined) throw this.missing(path);
    return new DocReader(value, this.context, this.fullPath(path));
  }

  optAt(path: DocPath): DocReader | undefined {
    const value = this.lookup(path);
    return value === undefined ? undefined : new DocReader(value, this.context, this.fullPath(path));
  }

  /** The error drivers raise for a field that is present but makes no sense, worded like the others. */
  invalid(path: DocPath, problem: string): ProviderError {
    return this.error(`${this.fullPath(path) || "the response"} ${problem}`);
  }

  private required<V>(path: DocPath, convert: (value: unknown) => V | undefined, expected: string): V {
    const value = this.lookup(path);
    if (value === undefined) throw this.missing(path);
    return this.convert(path, value, convert, expected);
  }

  private optional<V>(
    path: DocPath,
    convert: (value: unknown) => V | undefined,
    expected: string,
  ): V | undefined {
    const value = this.lookup(path);
    return value === undefined ? undefined : this.convert(path, value, convert, expected);
  }

  private convert<V>(
    path: DocPath,
    value: unknown,
    convert: (value: unknown) => V | undefined,
    expected: string,
  ): V {
    const converted = convert(value);
    if (converted === undefined) throw this.invalid(path, `is ${describeValue(value)}, expected ${expected}`);
    return converted;
  }

  /**
   * Walk the path. Absent and null are both "not there" (JSON APIs send null for unset fields); an empty
   * XML element ("") has no children. A numeric segment indexes a list, and index 0 of a single value is
   * that value, mirroring `array`. A name segment on a list is an error, not a guess at which item.
   */
  private lookup(path: DocPath): unknown {
    let current = this.value;
    const walked: string[] = [];
    for (const segment of segments(path)) {
      if (current === undefined || current === null) return undefined;
      if (Array.isArray(current)) {
        if (!INDEX.test(segment)) {
          throw this.invalid(
            walked,
            `is ${describeValue(current)}, expected one item (use an index or list())`,
          );
        }
        current = current[Number(segment)];
      } else if (isRecord(current) && Object.hasOwn(current, segment)) {
        current = current[segment];
      } else if (INDEX.test(segment)) {
        if (segment !== "0") return undefined;
      } else if (isRecord(current) || current === "") {
        return undefined;
      } else {
        throw this.invalid(walked, `is ${describeValue(current)}, expected an object with ${segment}`);
      }
      walked.push(segment);
    }
    return current === null ? undefined : current;
  }

  private missing(path: DocPath): ProviderError {
    return this.error(`the response has no ${this.fullPath(path) || "value"}`);
  }

  private error(detail: string): ProviderError {
    return new ProviderError(`${contextLabel(this.context)}: ${detail}`, { provider: this.context.provider });
  }

  private fullPath(path: DocPath): string {
    return join(this.path, segments(path).join("."));
  }
}

/** Parse a JSON answer and wrap it in a DocReader. */
export function readJson(text: string, context: DocContext): DocReader {
  const what = `The ${context.operation} response`;
  return new DocReader(parseJson(text, { provider: context.provider, what }), context);
}

function segments(path: DocPath): string[] {
  if (typeof path !== "string") return path.map(String);
  return path === "" ? [] : path.split(".");
}

function join(base: string, rest: string): string {
  if (base === "") return rest;
  return rest === "" ? base : `${base}.${rest}`;
}
