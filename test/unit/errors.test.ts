import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  AbortedError,
  AlreadyExistsError,
  AuthError,
  errorClasses,
  IntegrityError,
  InvalidInputError,
  kindForStatus,
  NetworkError,
  NotFoundError,
  OmnicloudError,
  PermissionError,
  ProviderError,
  RateLimitError,
  TimeoutError,
} from "../../src/core/errors.js";
import { VERSION } from "../../src/version.js";

describe("error hierarchy", () => {
  it("has every class under OmnicloudError with a stable kind and name", () => {
    const classes = [
      NotFoundError,
      AlreadyExistsError,
      AuthError,
      PermissionError,
      RateLimitError,
      InvalidInputError,
      TimeoutError,
      NetworkError,
      IntegrityError,
      AbortedError,
      ProviderError,
    ];
    for (const Cls of classes) {
      const err = new Cls("x");
      expect(err).toBeInstanceOf(OmnicloudError);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(Cls.name);
      expect(errorClasses[err.kind]).toBe(Cls);
    }
  });

  it("carries the provider's details in the message and fields, with the cause chain", () => {
    const root = new Error("socket hang up");
    const err = new ProviderError("GET https://x.test/a failed: Internal error", {
      provider: "s3",
      status: 500,
      code: "InternalError",
      requestId: "REQ123",
      bodyExcerpt: "<Error/>",
      cause: root,
      hint: "Try again later",
    });
    expect(err.message).toBe(
      "GET https://x.test/a failed: Internal error (status 500, code InternalError, request id REQ123). Try again later",
    );
    expect(err.cause).toBe(root);
    expect(err.toJSON()).toMatchObject({
      kind: "Provider",
      status: 500,
      code: "InternalError",
      requestId: "REQ123",
    });
  });

  it("keeps retryAfter on rate-limit errors", () => {
    expect(new RateLimitError("slow down", { retryAfter: 3 }).retryAfter).toBe(3);
  });

  it("maps bare statuses to classes", () => {
    expect(kindForStatus(404)).toBe("NotFound");
    expect(kindForStatus(401)).toBe("Auth");
    expect(kindForStatus(403)).toBe("Permission");
    expect(kindForStatus(429)).toBe("RateLimit");
    expect(kindForStatus(400)).toBe("InvalidInput");
    expect(kindForStatus(503)).toBe("Provider");
  });

  it("explain() appends a sentence", () => {
    expect(new NetworkError("It broke").explain("Not retried: x.").message).toBe("It broke. Not retried: x.");
  });
});

describe("version", () => {
  it("matches package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});
