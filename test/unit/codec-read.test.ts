import { describe, expect, it } from "vitest";
import { DocReader, readJson } from "../../src/core/codec/read.js";
import { ProviderError } from "../../src/core/errors.js";

const ctx = { provider: "s3", operation: "ListObjectsV2" };
const doc = (value: unknown) => new DocReader(value, ctx);

function failure(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error("expected a ProviderError");
}

describe("DocReader paths", () => {
  const r = doc({
    ListBucketResult: {
      Name: "photos",
      Contents: [{ Key: "a" }, { Key: "b" }],
      Single: { Key: "only" },
      Empty: "",
      Nothing: null,
    },
    "dotted.key": { v: "1" },
  });

  it("follows dot-separated names and numeric indexes", () => {
    expect(r.str("ListBucketResult.Name")).toBe("photos");
    expect(r.str("ListBucketResult.Contents.1.Key")).toBe("b");
    expect(r.str(["ListBucketResult", "Contents", 0, "Key"])).toBe("a");
  });

  it("takes index 0 of a single value as that value, mirroring XML's single element", () => {
    expect(r.str("ListBucketResult.Single.0.Key")).toBe("only");
    expect(r.has("ListBucketResult.Single.1")).toBe(false);
  });

  it("supports keys containing dots through array paths", () => {
    expect(r.str(["dotted.key", "v"])).toBe("1");
  });

  it("treats absent, null and the inside of an empty element as not there", () => {
    expect(r.has("ListBucketResult.Name")).toBe(true);
    expect(r.has("ListBucketResult.Prefix")).toBe(false);
    expect(r.has("ListBucketResult.Nothing")).toBe(false);
    expect(r.has("ListBucketResult.Empty.Child")).toBe(false);
    expect(r.has("Missing.Deeply.Nested")).toBe(false);
    expect(r.optStr("ListBucketResult.Nothing")).toBeUndefined();
    expect(r.raw("ListBucketResult.Contents.5")).toBeUndefined();
  });

  it("does not see inherited properties such as constructor or toString", () => {
    expect(r.has("ListBucketResult.constructor")).toBe(false);
    expect(r.has("toString")).toBe(false);
  });

  it("names the field, provider and operation when a required field is missing", () => {
    const err = failure(() => r.str("ListBucketResult.Prefix"));
    expect(err.message).toBe("s3 ListObjectsV2: the response has no ListBucketResult.Prefix");
    expect(err.provider).toBe("s3");
    expect(failure(() => r.str("ListBucketResult.Nothing")).message).toContain(
      "has no ListBucketResult.Nothing",
    );
  });

  it("refuses a name segment on a list instead of guessing an item", () => {
    expect(failure(() => r.str("ListBucketResult.Contents.Key")).message).toBe(
      "s3 ListObjectsV2: ListBucketResult.Contents is a list of 2, expected one item (use an index or list())",
    );
  });

  it("refuses to walk into text", () => {
    expect(failure(() => r.str("ListBucketResult.Name.First")).message).toBe(
      's3 ListObjectsV2: ListBucketResult.Name is "photos", expected an object with First',
    );
  });
});

describe("DocReader scalars", () => {
  const r = doc({
    s: "text",
    n: "0012",
    f: "-1.5e3",
    jn: 42,
    big: "9007199254740993",
    frac: "1.5",
    t: "true",
    F: "FALSE",
    jb: false,
    bad: "abc",
    hex: "0x1F",
    blank: "",
    inf: "Infinity",
    obj: { a: "1" },
    list: ["1", "2"],
    withAttr: { "#text": "v", "@_id": "7" },
    attrOnly: { "@_id": "7" },
    id: 3164444,
    iso: "2011-04-09T12:34:49.000Z",
    naive: "2018-01-01T00:01:01",
    offset: "2020-05-01T10:00:00+0200",
    day: "2020-02-29",
    nanos: "2021-03-04T05:06:07.123456789Z",
    http: "Sat, 09 Apr 2011 12:34:49 GMT",
    notDate: "1",
  });

  it("reads text, including an XML element that carries attributes", () => {
    expect(r.str("s")).toBe("text");
    expect(r.str("blank")).toBe("");
    expect(r.str("withAttr")).toBe("v");
    expect(r.str("withAttr.@_id")).toBe("7");
    expect(r.str("attrOnly")).toBe("");
  });

  it("refuses non-text where text is required, naming the field", () => {
    expect(failure(() => r.str("jn")).message).toBe("s3 ListObjectsV2: jn is 42, expected text");
    expect(failure(() => r.str("obj")).message).toBe("s3 ListObjectsV2: obj is an object, expected text");
    expect(failure(() => r.optStr("list")).message).toBe(
      "s3 ListObjectsV2: list is a list of 2, expected text",
    );
  });

  it("reads numbers from JSON numbers and decimal text", () => {
    expect(r.num("n")).toBe(12);
    expect(r.num("f")).toBe(-1500);
    expect(r.num("jn")).toBe(42);
    expect(r.optNum("missing")).toBeUndefined();
  });

  it.each(["bad", "hex", "blank", "inf", "obj"])("refuses %s as a number", (path) => {
    expect(failure(() => r.num(path)).message).toMatch(
      new RegExp(`^s3 ListObjectsV2: ${path} is .*, expected a number$`),
    );
  });

  it("reads integers and refuses fractions and unsafe integers", () => {
    expect(r.int("n")).toBe(12);
    expect(r.optInt("jn")).toBe(42);
    expect(failure(() => r.int("frac")).message).toBe('s3 ListObjectsV2: frac is "1.5", expected an integer');
    expect(() => r.int("big")).toThrow(ProviderError);
  });

  it("reads booleans from JSON and from true/false text in any case", () => {
    expect(r.bool("t")).toBe(true);
    expect(r.bool("F")).toBe(false);
    expect(r.bool("jb")).toBe(false);
    expect(r.optBool("missing")).toBeUndefined();
    expect(failure(() => r.bool("n")).message).toBe('s3 ListObjectsV2: n is "0012", expected true or false');
  });

  it("reads ids from text or integer JSON numbers", () => {
    expect(r.id("id")).toBe("3164444");
    expect(r.id("n")).toBe("0012");
    expect(r.optId("missing")).toBeUndefined();
    expect(() => r.id("obj")).toThrow(ProviderError);
  });

  it("reads ISO 8601 and HTTP dates, zone-less times as UTC", () => {
    expect(r.date("iso").toISOString()).toBe("2011-04-09T12:34:49.000Z");
    expect(r.date("naive").toISOString()).toBe("2018-01-01T00:01:01.000Z");
    expect(r.date("offset").toISOString()).toBe("2020-05-01T08:00:00.000Z");
    expect(r.date("day").toISOString()).toBe("2020-02-29T00:00:00.000Z");
    expect(r.date("nanos").toISOString()).toBe("2021-03-04T05:06:07.123Z");
    expect(r.date("http").toISOString()).toBe("2011-04-09T12:34:49.000Z");
    expect(r.optDate("missing")).toBeUndefined();
  });

  it("refuses text that merely parses as a date somewhere", () => {
    expect(failure(() => r.date("notDate")).message).toBe(
      's3 ListObjectsV2: notDate is "1", expected a date',
    );
    expect(() => r.date("jn")).toThrow(ProviderError);
    expect(() => doc({ d: "2020-13-45T99:00:00Z" }).date("d")).toThrow(ProviderError);
  });

  it("cuts long values in error messages", () => {
    const message = failure(() => doc({ v: "x".repeat(500) }).num("v")).message;
    expect(message.length).toBeLessThan(120);
  });
});

describe("DocReader lists and sub-readers", () => {
  const r = doc({
    R: {
      Many: [{ Key: "a" }, { Key: "b" }, { Size: "3" }],
      One: { Key: "solo" },
      Empty: "",
      Null: null,
      Tags: ["x", "y"],
      Tag: "z",
      Mixed: ["x", { a: "1" }],
    },
  });

  it("normalises XML's single element versus array, and absent to []", () => {
    expect(r.array("R.Many")).toHaveLength(3);
    expect(r.array("R.One")).toEqual([{ Key: "solo" }]);
    expect(r.array("R.Missing")).toEqual([]);
    expect(r.array("R.Null")).toEqual([]);
    expect(r.array("R.Empty.Item")).toEqual([]);
  });

  it("gives sub-readers whose errors name the item", () => {
    const items = r.list("R.Many");
    expect(items.map((item) => item.optStr("Key"))).toEqual(["a", "b", undefined]);
    expect(failure(() => items[2]!.str("Key")).message).toBe(
      "s3 ListObjectsV2: the response has no R.Many.2.Key",
    );
    expect(r.list("R.One")[0]!.str("Key")).toBe("solo");
    expect(r.list("R.Missing")).toEqual([]);
  });

  it("reads lists of text", () => {
    expect(r.strings("R.Tags")).toEqual(["x", "y"]);
    expect(r.strings("R.Tag")).toEqual(["z"]);
    expect(failure(() => r.strings("R.Mixed")).message).toBe(
      "s3 ListObjectsV2: R.Mixed.1 is an object, expected text",
    );
  });

  it("at() requires the value and keeps the path for later errors", () => {
    const one = r.at("R.One");
    expect(one.path).toBe("R.One");
    expect(one.str("Key")).toBe("solo");
    expect(failure(() => one.int("Size")).message).toBe("s3 ListObjectsV2: the response has no R.One.Size");
    expect(failure(() => r.at("R.Nope")).message).toBe("s3 ListObjectsV2: the response has no R.Nope");
    expect(r.optAt("R.Nope")).toBeUndefined();
    expect(r.optAt("R.One")?.str("Key")).toBe("solo");
  });

  it("reads the reader's own value with an empty path", () => {
    const item = r.list("R.Tags")[1]!;
    expect(item.str("")).toBe("y");
    expect(item.str([])).toBe("y");
  });

  it("lets drivers raise their own invalid-field errors in the same words", () => {
    expect(r.at("R.One").invalid("Key", "is not a known storage class").message).toBe(
      "s3 ListObjectsV2: R.One.Key is not a known storage class",
    );
  });
});

describe("readJson", () => {
  it("parses JSON into a reader", () => {
    const r = readJson(
      '{"droplets":[{"id":1,"name":"web"}],"links":{"pages":{"next":"https://x/?page=2"}}}',
      {
        provider: "digitalocean",
        operation: "ListDroplets",
      },
    );
    expect(r.list("droplets").map((d) => d.id("id"))).toEqual(["1"]);
    expect(r.optStr("links.pages.next")).toBe("https://x/?page=2");
  });

  it("raises a ProviderError naming the provider for a body that is not JSON", () => {
    expect(() => readJson("<html>", { provider: "digitalocean", operation: "ListDroplets" })).toThrow(
      "The ListDroplets response from digitalocean is not valid JSON",
    );
  });
});
