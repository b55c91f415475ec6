/**
 * Static API tokens: option beats environment, the first set variable wins, a missing or broken token is an
 * AuthError that names every place looked at and never the value, and the hooks put the token in the header
 * each provider expects.
 */
import { describe, expect, it } from "vitest";
import {
  bearerAuthorizer,
  bearerToken,
  providerTokenAuthorizer,
  type TOKEN_CONVENTIONS,
  tokenHeaderAuthorizer,
} from "../../src/core/credentials/bearer.js";
import { AuthError } from "../../src/core/errors.js";
import { REDACTED, redactText } from "../../src/core/redact.js";
import type { Attempt } from "../../src/core/transport/types.js";

const attempt = (): Attempt => ({
  method: "GET",
  url: new URL("https://api.example.test/v2/account"),
  headers: {},
  body: undefined,
  signal: new AbortController().signal,
  attempt: 1,
  idempotent: true,
  mode: "buffer",
  operation: undefined,
});

const failure = (fn: () => unknown): AuthError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return err as AuthError;
  }
  throw new Error("expected an AuthError");
};

describe("bearerToken", () => {
  const envVars = ["EXAMPLE_TOKEN", "EXAMPLE_ACCESS_TOKEN"];

  it("prefers the option over the environment", () => {
    const env = { EXAMPLE_TOKEN: "env-token-aaaa" };
    expect(bearerToken({ provider: "example", token: "opt-token-bbbb", envVars, env })).toBe(
      "opt-token-bbbb",
    );
  });

  it("takes the first set variable, skipping empty ones", () => {
    const env = { EXAMPLE_TOKEN: "  ", EXAMPLE_ACCESS_TOKEN: "second-token-cccc" };
    expect(bearerToken({ provider: "example", envVars, env })).toBe("second-token-cccc");
    const both = { EXAMPLE_TOKEN: "first-token-dddd", EXAMPLE_ACCESS_TOKEN: "second-token-cccc" };
    expect(bearerToken({ provider: "example", envVars, env: both })).toBe("first-token-dddd");
  });

  it("trims the newline a token read from a file carries", () => {
    expect(bearerToken({ provider: "example", envVars, env: { EXAMPLE_TOKEN: "tok-eeee-1234\n" } })).toBe(
      "tok-eeee-1234",
    );
  });

  it("registers the token so redaction scrubs it anywhere", () => {
    const token = "registered-token-ffff-0123";
    bearerToken({ provider: "example", token, envVars, env: {} });
    expect(redactText(`echoed back: ${token}!`)).toBe(`echoed back: ${REDACTED}!`);
  });

  it("names the option and every variable when nothing is set", () => {
    const err = failure(() => bearerToken({ provider: "example", envVars, env: {}, optionName: "apiToken" }));
    expect(err.message).toContain("apiToken");
    for (const name of envVars) expect(err.message).toContain(name);
    expect(err.provider).toBe("example");
  });

  it("refuses an empty option without falling back to the environment", () => {
    const err = failure(() =>
      bearerToken({ provider: "example", token: "", envVars, env: { EXAMPLE_TOKEN: "other-token-gggg" } }),
    );
    expect(err.message).toMatch(/token option is empty/);
  });

  it("refuses a token with inner whitespace or control characters, without quoting it", () => {
    const broken = "Token: abc\u0007defghijk";
    const err = failure(() => bearerToken({ provider: "example", token: broken, envVars, env: {} }));
    expect(err.message).toMatch(/spaces or control characters/);
    expect(err.message).not.toContain("defghijk");
    const spaced = "half-one half-two-hhhh";
    const err2 = failure(() =>
      bearerToken({ provider: "example", envVars, env: { EXAMPLE_ACCESS_TOKEN: spaced } }),
    );
    expect(err2.message).toContain("EXAMPLE_ACCESS_TOKEN");
    expect(JSON.stringify(err2)).not.toContain("half-two");
  });
});

describe("authorize hooks", () => {
  it("sets Authorization: Bearer", () => {
    const a = attempt();
    bearerAuthorizer("bearer-token-iiii")(a);
    expect(a.headers.authorization).toBe("Bearer bearer-token-iiii");
  });

  it("sets a bare token header, lower-cased for the transport", () => {
    const a = attempt();
    tokenHeaderAuthorizer("header-token-jjjj", "X-Auth-Token")(a);
    expect(a.headers["x-auth-token"]).toBe("header-token-jjjj");
    expect(a.headers.authorization).toBeUndefined();
  });

  it("follows each provider's convention", () => {
    const cases: Array<[keyof typeof TOKEN_CONVENTIONS, string, string]> = [
      ["digitalocean", "DIGITALOCEAN_ACCESS_TOKEN", "authorization"],
      ["linode", "LINODE_CLI_TOKEN", "authorization"],
      ["vultr", "VULTR_API_KEY", "authorization"],
      ["hetzner", "HCLOUD_TOKEN", "authorization"],
      ["cloudflare", "CLOUDFLARE_API_TOKEN", "authorization"],
      ["scaleway", "SCW_SECRET_KEY", "x-auth-token"],
      ["equinixmetal", "METAL_AUTH_TOKEN", "x-auth-token"],
    ];
    for (const [provider, variable, header] of cases) {
      const a = attempt();
      providerTokenAuthorizer(provider, { env: { [variable]: `${provider}-token-kkkk` } })(a);
      const expected =
        header === "authorization" ? `Bearer ${provider}-token-kkkk` : `${provider}-token-kkkk`;
      expect(a.headers[header], provider).toBe(expected);
    }
  });

  it("says which variables a provider reads when none is set", () => {
    const err = failure(() => providerTokenAuthorizer("digitalocean", { env: {} }));
    expect(err.message).toContain("DIGITALOCEAN_TOKEN");
    expect(err.message).toContain("DIGITALOCEAN_ACCESS_TOKEN");
  });
});
