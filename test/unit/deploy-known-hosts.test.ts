import { describe, expect, it } from "vitest";
import {
  checkKnownHosts,
  hashHostName,
  hostFieldMatches,
  knownHostsLine,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from "../../src/deploy/known-hosts.js";

// Real public keys made with ssh-keygen -t ed25519, as they appear in known_hosts.
const ED_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMQm1cfq1eKKTu/e7dl2HRwXgFEMveFP5vIf7gjxKg8k";
const ED_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHko0n+SpkaXi2U88pRBEfa91qlo6ImGkTCXfe0W5Ikk";
const blob = (line: string): Buffer => Buffer.from(line.split(" ")[1]!, "base64");

// Written by `ssh-keygen -H` from the line "[127.0.0.1]:2222 <ED_A>".
const HASHED_BY_SSH_KEYGEN = `|1|Umw0DMeGiQkSIUccRcYoGM6GD0M=|dmC4HpjL5Zmc1rrKVmNA+XWD5T8= ${ED_A}`;

describe("known_hosts parsing", () => {
  it("reads plain, bracketed, comma-listed, hashed and marked lines, skipping comments and garbage", () => {
    const entries = parseKnownHosts(
      [
        "# comment",
        "",
        `web-1,10.0.0.5 ${ED_A} comment here`,
        `[10.0.0.5]:2222 ${ED_B}`,
        HASHED_BY_SSH_KEYGEN,
        `@revoked * ${ED_B}`,
        `@cert-authority *.example.com ${ED_A}`,
        `@unknown-marker host ${ED_A}`,
        "host ssh-ed25519 not-base64!",
        // The type written differs from the type inside the blob: corrupt, skipped.
        `host ssh-rsa ${ED_A.split(" ")[1]}`,
        "too-short",
      ].join("\n"),
      "kh",
    );
    expect(entries.map((e) => [e.hosts, e.type, e.marker, e.source])).toEqual([
      ["web-1,10.0.0.5", "ssh-ed25519", undefined, "kh:3"],
      ["[10.0.0.5]:2222", "ssh-ed25519", undefined, "kh:4"],
      [HASHED_BY_SSH_KEYGEN.split(" ")[0], "ssh-ed25519", undefined, "kh:5"],
      ["*", "ssh-ed25519", "revoked", "kh:6"],
      ["*.example.com", "ssh-ed25519", "cert-authority", "kh:7"],
    ]);
  });

  it("looks up port 22 by bare name and other ports as [host]:port", () => {
    expect(lookupName("Web-1", 22)).toBe("web-1");
    expect(lookupName("10.0.0.5", 2222)).toBe("[10.0.0.5]:2222");
    expect(lookupName("::1", 2222)).toBe("[::1]:2222");
  });
});

describe("host field matching", () => {
  it("matches hashed names as ssh-keygen -H writes them", () => {
    const field = HASHED_BY_SSH_KEYGEN.split(" ")[0]!;
    expect(hostFieldMatches(field, "[127.0.0.1]:2222")).toBe(true);
    expect(hostFieldMatches(field, "[127.0.0.1]:2223")).toBe(false);
    expect(hostFieldMatches(field, "127.0.0.1")).toBe(false);
  });

  it("round-trips our own hashing with a random salt", () => {
    const hashed = hashHostName("[h]:1");
    expect(hashed).toMatch(/^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28}$/);
    expect(hostFieldMatches(hashed, "[h]:1")).toBe(true);
  });

  it("supports comma lists, * and ? wildcards, case-insensitively", () => {
    expect(hostFieldMatches("a,B.example.com", "b.example.com")).toBe(true);
    expect(hostFieldMatches("*.example.com", "web.example.com")).toBe(true);
    expect(hostFieldMatches("*.example.com", "example.com")).toBe(false);
    expect(hostFieldMatches("web-?", "web-1")).toBe(true);
    expect(hostFieldMatches("web-?", "web-12")).toBe(false);
    expect(hostFieldMatches("[10.0.0.*]:2222", "[10.0.0.9]:2222")).toBe(true);
    // Regex characters in patterns are literal.
    expect(hostFieldMatches("10.0.0.5", "10x0x0x5")).toBe(false);
  });

  it("lets a matching negation veto the whole field", () => {
    expect(hostFieldMatches("*.example.com,!bad.example.com", "good.example.com")).toBe(true);
    expect(hostFieldMatches("*.example.com,!bad.example.com", "bad.example.com")).toBe(false);
    expect(hostFieldMatches("!bad", "other")).toBe(false);
  });
});

describe("known_hosts verdicts", () => {
  const entries = parseKnownHosts(
    [
      `[10.0.0.5]:2222 ${ED_A}`,
      `*.example.com ${ED_A}`,
      `@revoked * ${ED_B}`,
      `@cert-authority ca.test ${ED_A}`,
    ].join("\n"),
    "kh",
  );

  it("matches the key recorded for the host", () => {
    expect(checkKnownHosts(entries, "10.0.0.5", 2222, blob(ED_A))).toMatchObject({ status: "match" });
    expect(checkKnownHosts(entries, "web.example.com", 22, blob(ED_A))).toMatchObject({ status: "match" });
  });

  it("reports a mismatch with the keys that were expected", () => {
    const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEplsDYqVHbSZAotlObscdMXPi91shi8FYPwapXjt6Hx";
    const verdict = checkKnownHosts(entries, "10.0.0.5", 2222, blob(other));
    expect(verdict.status).toBe("mismatch");
    if (verdict.status === "mismatch") expect(verdict.known.map((e) => e.source)).toEqual(["kh:1"]);
  });

  it("refuses a revoked key for every host, even one whose line would match", () => {
    const withGood = parseKnownHosts(`[10.0.0.5]:2222 ${ED_B}\n@revoked other-host ${ED_B}`, "kh");
    expect(checkKnownHosts(withGood, "10.0.0.5", 2222, blob(ED_B))).toMatchObject({ status: "revoked" });
    expect(checkKnownHosts(entries, "anything", 22, blob(ED_B))).toMatchObject({ status: "revoked" });
  });

  it("calls a host with no plain line unknown, counting @cert-authority lines that cannot vouch", () => {
    expect(checkKnownHosts(entries, "10.0.0.5", 22, blob(ED_A))).toEqual({
      status: "unknown",
      certAuthorities: 0,
    });
    expect(checkKnownHosts(entries, "ca.test", 22, blob(ED_A))).toEqual({
      status: "unknown",
      certAuthorities: 1,
    });
  });

  it("lists the key types known for a host, for negotiation", () => {
    const mixed = parseKnownHosts(`h ${ED_A}\nh ${ED_B}\n@revoked h ${ED_A}`, "kh");
    expect(knownKeyTypes(mixed, "h", 22)).toEqual(["ssh-ed25519"]);
    expect(knownKeyTypes(mixed, "other", 22)).toEqual([]);
  });

  it("writes new lines that it then matches, hashed or plain", () => {
    for (const hash of [true, false]) {
      const line = knownHostsLine("10.1.1.1", 2200, "ssh-ed25519", blob(ED_A), hash);
      expect(line.startsWith(hash ? "|1|" : "[10.1.1.1]:2200 ")).toBe(true);
      expect(checkKnownHosts(parseKnownHosts(line), "10.1.1.1", 2200, blob(ED_A)).status).toBe("match");
    }
  });
});
