import { describe, expect, it } from "vitest";
import { maskOptions } from "../../src/cli/config/mask.js";
import { mergeOptions, setDotted } from "../../src/cli/config/provider-options.js";
import { splitGlobalFlags } from "../../src/cli/global-flags.js";
import { parseLocation } from "../../src/cli/storage/storage-url.js";
import { UsageError } from "../../src/cli/usage-error.js";

describe("cli storage locations", () => {
  it("reads scheme://container/key, keeping the key literal", () => {
    expect(parseLocation("s3://bucket/a/b c?.txt")).toEqual({
      kind: "url",
      raw: "s3://bucket/a/b c?.txt",
      scheme: "s3",
      container: "bucket",
      key: "a/b c?.txt",
    });
    expect(parseLocation("S3://bucket")).toMatchObject({ scheme: "s3", container: "bucket", key: "" });
    expect(parseLocation("minio://b/dir/")).toMatchObject({ scheme: "minio", container: "b", key: "dir/" });
    expect(parseLocation("s3://")).toMatchObject({ container: undefined, key: "" });
  });

  it("reads local:///absolute paths whole, normalised", () => {
    expect(parseLocation("local:///srv/data/./photos//cat.jpg")).toMatchObject({
      scheme: "local",
      container: undefined,
      absolutePath: "/srv/data/photos/cat.jpg",
    });
    expect(parseLocation("local:///srv/data/photos/")).toMatchObject({ absolutePath: "/srv/data/photos/" });
  });

  it("takes everything else as a file path, and - as stdio", () => {
    expect(parseLocation("./s3:bucket")).toEqual({ kind: "file", path: "./s3:bucket" });
    expect(parseLocation("/tmp/x")).toEqual({ kind: "file", path: "/tmp/x" });
    expect(parseLocation("photo.jpg")).toEqual({ kind: "file", path: "photo.jpg" });
    expect(parseLocation("-")).toEqual({ kind: "stdio" });
  });

  it("refuses malformed URLs with a usage error that shows the right form", () => {
    expect(() => parseLocation("s3:bucket/key")).toThrow(UsageError);
    const hint = (text: string): string | undefined => {
      try {
        parseLocation(text);
      } catch (err) {
        return (err as UsageError).hint;
      }
      return undefined;
    };
    expect(hint("s3:/bucket/key")).toBe("Write s3://bucket/key, or ./s3:/bucket/key if it is a local file");
    expect(() => parseLocation("s3:///key")).toThrow(/has no container/);
  });
});

describe("cli global flags", () => {
  it("takes them from anywhere until --", () => {
    const { flags, rest } = splitGlobalFlags([
      "storage",
      "--json",
      "ls",
      "--profile",
      "prod",
      "s3://b",
      "--",
      "--json",
    ]);
    expect(flags).toMatchObject({ json: true, profile: "prod", jsonl: false });
    expect(rest).toEqual(["storage", "ls", "s3://b", "--", "--json"]);
    expect(splitGlobalFlags(["--profile=x"]).flags.profile).toBe("x");
  });

  it("refuses --json with --jsonl, and --profile without a name", () => {
    expect(() => splitGlobalFlags(["--json", "--jsonl"])).toThrow(UsageError);
    expect(() => splitGlobalFlags(["--profile"])).toThrow(/needs a profile name/);
  });
});

describe("cli profile options", () => {
  it("nests dotted keys and merges objects", () => {
    const over: Record<string, unknown> = {};
    setDotted(over, "credentials.secretAccessKey", "s");
    expect(mergeOptions({ region: "a", credentials: { accessKeyId: "k" } }, over)).toEqual({
      region: "a",
      credentials: { accessKeyId: "k", secretAccessKey: "s" },
    });
    expect(() => setDotted({}, "__proto__.x", 1)).toThrow(UsageError);
  });

  it("masks every secret-looking value whole, and passwords in URLs", () => {
    const masked = maskOptions({
      endpoint: "https://user:hunter2@example.com/",
      region: "eu-west-1",
      apiKey: "abc123",
      credentials: { accessKeyId: "AKIA", secretAccessKey: "topsecret", sessionToken: "tok" },
      password: "pw",
      nested: { clientSecret: "cs", port: 9000 },
    });
    const text = JSON.stringify(masked);
    for (const secret of ["hunter2", "abc123", "topsecret", "tok", '"pw"', "cs"])
      expect(text).not.toContain(secret);
    expect(masked).toMatchObject({ region: "eu-west-1", nested: { port: 9000 } });
    expect(text).toContain("https://user:[REDACTED]@example.com/");
  });
});
