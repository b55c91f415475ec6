import { describe, expect, it } from "vitest";
import { REDACTED, redactHeaders, redactText, redactUrl, registerSecret } from "../../src/core/redact.js";

describe("redaction", () => {
  it("removes signatures, tokens and credentials from URLs", () => {
    const url =
      "https://bucket.s3.amazonaws.com/k?X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fus-east-1&X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok123&partNumber=2";
    const out = redactUrl(url);
    expect(out).not.toContain("AKIDEXAMPLE");
    expect(out).not.toContain("deadbeef");
    expect(out).not.toContain("tok123");
    expect(out).toContain("partNumber=2");
    expect(out).toContain(`X-Amz-Signature=${REDACTED}`);
    expect(redactUrl("https://user:pa55word@host.test/x?sig=abc&sv=2021")).not.toMatch(/pa55word|sig=abc/);
  });

  it("redacts sensitive headers and leaves the rest", () => {
    const out = redactHeaders({
      Authorization: "AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature=ff00",
      "X-Auth-Token": "gAAAAB",
      "content-type": "text/plain",
    });
    expect(out.Authorization).toBe(REDACTED);
    expect(out["X-Auth-Token"]).toBe(REDACTED);
    expect(out["content-type"]).toBe("text/plain");
  });

  it("scrubs free text by pattern and by registered value", () => {
    registerSecret("s3cr3t-value-123");
    const text = [
      'the body said {"password":"hunter22","name":"ok"}',
      "Authorization: Bearer abc.def.ghi",
      "echo s3cr3t-value-123 back",
      "<SecretAccessKey>wJalr</SecretAccessKey>",
      "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
    ].join("\n");
    const out = redactText(text);
    for (const secret of ["hunter22", "abc.def.ghi", "s3cr3t-value-123", "wJalr", "AAAA"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('"name":"ok"');
  });

  it("ignores values too short to scrub safely", () => {
    registerSecret("ab");
    expect(redactText("abc ab")).toBe("abc ab");
  });
});
