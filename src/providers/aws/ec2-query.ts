/**
 * EC2's query serialisation: every input is a flat list of name=value pairs in a form-encoded POST body.
 * The rules (from the "ec2" protocol of the API model): a member is named by its `queryName`, else by its
 * `locationName` with the first letter upper-cased, else by its own name; lists are always flattened as
 * `Name.1`, `Name.2`, … (1-based, whatever the list's own member name); a structure's members follow
 * their parent's name after a dot; booleans are "true"/"false"; blobs are base64.
 *
 * The helpers below spell the few nested forms the driver uses (filters, tag specifications) once, so no
 * call site builds "Filter.3.Value.2" by hand.
 */

/** A DescribeX filter: `{ name: "instance-state-name", values: ["running"] }`. */
export interface Ec2Filter {
  name: string;
  values: readonly string[];
}

/** Filters as users write them: a list, or an object of filter name to value(s). */
export type Ec2Filters = readonly Ec2Filter[] | Readonly<Record<string, string | readonly string[]>>;

/** The resource types a create call can tag as it creates (a subset of EC2's ResourceType enum). */
export type Ec2TaggableType = "instance" | "volume" | "snapshot" | "image" | "key-pair";

export class Ec2Params {
  private readonly pairs: [string, string][] = [];

  /** A scalar member; undefined is left out (EC2 then uses its default). */
  set(name: string, value: string | number | boolean | undefined): this {
    if (value !== undefined) this.pairs.push([name, String(value)]);
    return this;
  }

  /** A flattened list of scalars: `InstanceId.1=i-a&InstanceId.2=i-b`. */
  list(name: string, values: readonly string[] | undefined): this {
    values?.forEach((value, i) => {
      this.pairs.push([`${name}.${i + 1}`, value]);
    });
    return this;
  }

  /** `Filter.N.Name` and `Filter.N.Value.M`, the one filter form every Describe call shares. */
  filters(filters: Ec2Filters | undefined): this {
    normaliseFilters(filters).forEach((filter, i) => {
      this.pairs.push([`Filter.${i + 1}.Name`, filter.name]);
      this.list(`Filter.${i + 1}.Value`, filter.values);
    });
    return this;
  }

  /**
   * Tags applied by the create call itself (`TagSpecification.1.ResourceType` and `.Tag.N.Key/Value`), so a
   * resource is never visible untagged and no second CreateTags call can fail half-way.
   */
  tagSpecification(resourceTypes: readonly Ec2TaggableType[], tags: Readonly<Record<string, string>>): this {
    const entries = Object.entries(tags);
    if (entries.length === 0) return this;
    resourceTypes.forEach((type, i) => {
      const prefix = `TagSpecification.${i + 1}`;
      this.pairs.push([`${prefix}.ResourceType`, type]);
      entries.forEach(([key, value], j) => {
        this.pairs.push([`${prefix}.Tag.${j + 1}.Key`, key], [`${prefix}.Tag.${j + 1}.Value`, value]);
      });
    });
    return this;
  }

  /** The pairs in order, for tests and logs. */
  entries(): readonly (readonly [string, string])[] {
    return this.pairs;
  }

  /** The form body: Action and Version first, then the members, RFC 3986 percent-encoded. */
  body(action: string, version: string): string {
    const all: [string, string][] = [["Action", action], ["Version", version], ...this.pairs];
    return all.map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`).join("&");
  }
}

/** A page size within the bounds EC2 documents for the call (MaxResults is refused outside them). */
export function maxResults(pageSize: number | undefined, min: number, max: number): number {
  return Math.min(Math.max(Math.trunc(pageSize ?? max), min), max);
}

/** Percent-encoding as SigV4 and EC2 expect it: everything but unreserved characters, spaces as %20. */
export function formEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function normaliseFilters(filters: Ec2Filters | undefined): Ec2Filter[] {
  if (filters === undefined) return [];
  if (Array.isArray(filters)) return (filters as readonly Ec2Filter[]).map((f) => ({ ...f }));
  return Object.entries(filters as Readonly<Record<string, string | readonly string[]>>).map(
    ([name, value]) => ({ name, values: typeof value === "string" ? [value] : [...value] }),
  );
}
