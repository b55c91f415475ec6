import { describe, expect, it } from "vitest";
import { AuthError, NetworkError, OmnicloudError } from "../../src/core/errors.js";
import { HostKeyError, StepFailedError } from "../../src/deploy/errors.js";
import { OutputCapture, tail } from "../../src/deploy/output-capture.js";
import { asStepFailure, flattenResults } from "../../src/deploy/steps/run-in-order.js";

describe("StepFailedError", () => {
  it("names step, exit code and stderr tail, and grows a path through named sequences", () => {
    const inner = new StepFailedError({
      step: "install",
      reason: "exited with code 3",
      exitCode: 3,
      stderrTail: "E: no such package",
    });
    expect(inner.message).toBe('Step "install" exited with code 3; stderr ends with:\nE: no such package');
    expect(inner.kind).toBe("Provider");
    const outer = inner
      .within("web", [{ step: "first", durationMs: 1 }])
      .within(undefined, [{ step: "zero", durationMs: 1 }]);
    expect(outer.step).toBe("web > install");
    expect(outer.message).toContain('Step "web > install" exited with code 3');
    expect(outer.completed.map((r) => r.step)).toEqual(["zero", "first"]);
    expect(outer.toJSON()).toMatchObject({
      step: "web > install",
      exitCode: 3,
      stderrTail: "E: no such package",
    });
  });

  it("takes its kind from a timeout or from the error that caused it", () => {
    expect(new StepFailedError({ step: "s", reason: "r", timedOut: true }).kind).toBe("Timeout");
    expect(asStepFailure(new NetworkError("link down"), "upload").kind).toBe("Network");
    const plain = asStepFailure(new Error("boom"), "custom");
    expect(plain).toBeInstanceOf(OmnicloudError);
    expect(plain.message).toBe('Step "custom" failed: boom');
  });

  it("flattens sequence results into the leaf steps that ran", () => {
    expect(
      flattenResults([
        { step: "a", durationMs: 1 },
        {
          step: "seq",
          durationMs: 2,
          steps: [
            { step: "b", durationMs: 1 },
            { step: "inner", durationMs: 1, steps: [{ step: "c", durationMs: 1 }] },
          ],
        },
      ]).map((r) => r.step),
    ).toEqual(["a", "b", "c"]);
  });
});

describe("HostKeyError", () => {
  it("is an AuthError whose message names host, port, offered and expected keys", () => {
    const err = new HostKeyError({
      host: "10.0.0.5",
      port: 2222,
      problem: "mismatch",
      offeredType: "ssh-ed25519",
      offeredFingerprint: "SHA256:offered",
      expected: "SHA256:expected (hostKey.fingerprint)",
    });
    expect(err).toBeInstanceOf(AuthError);
    expect(err.kind).toBe("Auth");
    expect(err.code).toBe("HOST_KEY_MISMATCH");
    expect(err.message).toContain("10.0.0.5 port 2222");
    expect(err.message).toContain("ssh-ed25519 SHA256:offered");
    expect(err.message).toContain("SHA256:expected");
  });
});

describe("output capture", () => {
  it("decodes UTF-8 split across chunks and streams it", () => {
    const seen: string[] = [];
    const capture = new OutputCapture(100, (t) => seen.push(t));
    const bytes = Buffer.from("héllo wörld");
    capture.push(bytes.subarray(0, 2));
    capture.push(bytes.subarray(2));
    capture.end();
    expect(capture.text()).toBe("héllo wörld");
    expect(seen.join("")).toBe("héllo wörld");
  });

  it("keeps the end when output exceeds the limit", () => {
    const capture = new OutputCapture(10);
    for (let i = 0; i < 100; i++) capture.push(Buffer.from(`${i % 10}`));
    capture.end();
    expect(capture.text()).toBe("0123456789");
    expect(capture.truncated).toBe(true);
  });

  it("tails the last lines", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    expect(tail(`${text}\n\n`, 3)).toBe("line 27\nline 28\nline 29");
    expect(tail("x".repeat(50), 20, 10)).toBe(`…${"x".repeat(10)}`);
  });
});
