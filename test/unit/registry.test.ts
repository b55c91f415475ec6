import { describe, expect, it } from "vitest";
import { AlreadyExistsError, InvalidInputError } from "../../src/core/errors.js";
import { findProvider, listProviders, openProvider, registerProvider } from "../../src/core/registry.js";
import { closest, editDistance } from "../../src/core/suggest.js";
import "../../src/providers/builtin.js";

describe("registry", () => {
  it("imports a driver only when it is opened", async () => {
    let loads = 0;
    registerProvider<{ greet: () => string }, { who: string }>({
      service: "dns",
      name: "lazy-test",
      title: "Lazy test provider",
      load: async () => {
        loads++;
        return (options) => ({ greet: () => `hello ${options.who}` });
      },
    });
    expect(loads).toBe(0);
    const driver = await openProvider<{ greet: () => string }, { who: string }>("dns", "lazy-test", {
      who: "ann",
    });
    expect(loads).toBe(1);
    expect(driver.greet()).toBe("hello ann");
  });

  it("lets third parties register, refuses a taken name, and replaces on request", () => {
    const descriptor = {
      service: "compute" as const,
      name: "acme-cloud",
      title: "ACME",
      aliases: ["acme"],
      load: async () => () => ({}),
    };
    registerProvider(descriptor);
    expect(() => registerProvider(descriptor)).toThrow(AlreadyExistsError);
    registerProvider({ ...descriptor, title: "ACME v2" }, { replace: true });
    expect(findProvider("compute", "acme").title).toBe("ACME v2");
  });

  it("rejects bad provider ids and unknown services", () => {
    expect(() =>
      registerProvider({ service: "compute", name: "Bad Name", title: "x", load: async () => () => ({}) }),
    ).toThrow(InvalidInputError);
    expect(() =>
      registerProvider({
        service: "nosuch" as "compute",
        name: "ok",
        title: "x",
        load: async () => () => ({}),
      }),
    ).toThrow(/Unknown service "nosuch"/);
  });

  it("answers an unknown name with the closest match and the known ones", () => {
    let caught: unknown;
    try {
      findProvider("storage", "locl");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    const message = (caught as Error).message;
    expect(message).toContain('Unknown storage provider "locl"');
    expect(message).toContain('Did you mean "local"?');
    expect(message).toMatch(/Known storage providers: .*\blocal\b/);
  });

  it("opens the built-in local storage through an alias", () => {
    expect(findProvider("storage", "filesystem").name).toBe("local");
    expect(listProviders("storage").map((p) => p.name)).toContain("local");
  });
});

describe("suggestions", () => {
  it("measures edit distance", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  it("suggests only plausible typos", () => {
    expect(closest("stroage", ["storage", "compute", "dns"])).toBe("storage");
    expect(closest("dn", ["storage", "compute", "dns"])).toBe("dns");
    expect(closest("zzzzzz", ["storage", "compute", "dns"])).toBeUndefined();
  });
});
