import { describe, expect, it } from "vitest";
import { UnsupportedOperationError } from "../../src/compute/errors.js";
import { isNodeState, NODE_STATES, unreachableFrom } from "../../src/compute/states.js";
import {
  AlreadyExistsError,
  AuthError,
  InvalidInputError,
  NetworkError,
  NotFoundError,
  PermissionError,
  ProviderError,
  TimeoutError,
} from "../../src/core/errors.js";
import { libvirtCodeName, libvirtError } from "../../src/providers/libvirt/errors.js";
import { isPrivateAddress } from "../../src/providers/libvirt/node-read.js";
import { mapDomainState } from "../../src/providers/libvirt/states.js";

describe("portable node states", () => {
  it("has the nine states and recognises only them", () => {
    expect(NODE_STATES).toEqual([
      "running",
      "starting",
      "stopping",
      "stopped",
      "rebooting",
      "pending",
      "terminated",
      "error",
      "unknown",
    ]);
    expect(isNodeState("running")).toBe(true);
    expect(isNodeState("active")).toBe(false);
    expect(isNodeState(undefined)).toBe(false);
  });

  it("treats only terminated and error as states a waiter cannot leave", () => {
    expect(unreachableFrom("terminated", ["running"])).toBe(true);
    expect(unreachableFrom("error", ["stopped"])).toBe(true);
    expect(unreachableFrom("error", ["error"])).toBe(false);
    expect(unreachableFrom("terminated", ["terminated", "stopped"])).toBe(false);
    // A stopped node may still be starting on a cloud that reports the old state for a while.
    expect(unreachableFrom("stopped", ["running"])).toBe(false);
    expect(unreachableFrom("pending", ["running"])).toBe(false);
  });
});

describe("libvirt domain states", () => {
  // [virDomainState, reason, portable state, libvirt state name, reason name]
  const table: [number, number, string, string, string][] = [
    [0, 0, "unknown", "nostate", "unknown"],
    [1, 1, "running", "running", "booted"],
    [1, 5, "running", "running", "unpaused"],
    [2, 0, "running", "blocked", "unknown"],
    [3, 1, "stopped", "paused", "user"],
    [3, 11, "starting", "paused", "starting-up"],
    [3, 8, "stopping", "paused", "shutting-down"],
    [3, 5, "error", "paused", "ioerror"],
    [3, 10, "error", "paused", "crashed"],
    [3, 3, "pending", "paused", "save"],
    [3, 2, "pending", "paused", "migration"],
    [3, 9, "pending", "paused", "snapshot"],
    [4, 1, "stopping", "shutdown", "user"],
    [5, 1, "stopped", "shutoff", "shutdown"],
    [5, 2, "stopped", "shutoff", "destroyed"],
    [5, 3, "stopped", "shutoff", "crashed"],
    [5, 6, "error", "shutoff", "failed"],
    [6, 1, "error", "crashed", "panicked"],
    [7, 0, "stopped", "pmsuspended", "unknown"],
    [42, 0, "unknown", "state-42", "unknown"],
  ];
  it.each(table)("state %i reason %i is %s", (state, reason, portable, name, why) => {
    expect(mapDomainState(state, reason)).toEqual({ state: portable, providerState: name, reason: why });
  });

  it("names reasons libvirt may add later instead of failing", () => {
    expect(mapDomainState(1, 99).reason).toBe("reason-99");
  });
});

describe("libvirt errors", () => {
  const err = (code: number, call = "virDomainCreate") =>
    libvirtError("Starting node x", call, { code, domain: 10, message: `message ${code}` });

  it("maps virErrorNumber to typed errors, keeping libvirt's code name", () => {
    expect(err(42)).toBeInstanceOf(NotFoundError);
    expect(err(42).code).toBe("VIR_ERR_NO_DOMAIN");
    expect(err(50)).toBeInstanceOf(NotFoundError);
    expect(err(28)).toBeInstanceOf(AlreadyExistsError);
    expect(err(90)).toBeInstanceOf(AlreadyExistsError);
    expect(err(45)).toBeInstanceOf(AuthError);
    expect(err(88)).toBeInstanceOf(PermissionError);
    expect(err(68)).toBeInstanceOf(TimeoutError);
    expect(err(39)).toBeInstanceOf(NetworkError);
    expect(err(27)).toBeInstanceOf(InvalidInputError);
    expect(err(1)).toBeInstanceOf(ProviderError);
    expect(err(1).code).toBe("VIR_ERR_INTERNAL_ERROR");
    expect(err(12345).code).toBe("VIR_ERR_12345");
    expect(libvirtCodeName(55)).toBe("VIR_ERR_OPERATION_INVALID");
  });

  it("says what was being done, what libvirt said, and what to do for invalid operations", () => {
    const e = err(55);
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e).not.toBeInstanceOf(UnsupportedOperationError);
    expect(e.message).toContain("Starting node x: message 55");
    expect(e.hint).toMatch(/state/);
    expect(e.provider).toBe("libvirt");
  });

  it("turns 'not supported by the driver' into UnsupportedOperationError", () => {
    for (const code of [3, 74, 84]) expect(err(code)).toBeInstanceOf(UnsupportedOperationError);
  });

  it("treats a failed connect as a network error, and a failure without a report as a provider error", () => {
    expect(err(38, "virConnectOpen")).toBeInstanceOf(NetworkError);
    expect(err(38, "virDomainCreate")).toBeInstanceOf(ProviderError);
    expect(libvirtError("x", "virDomainCreate", undefined)).toBeInstanceOf(ProviderError);
  });
});

describe("address classification", () => {
  it("splits private from public addresses", () => {
    for (const ip of [
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.122.5",
      "169.254.1.1",
      "100.64.0.1",
      "127.0.0.1",
      "fd00::1",
      "fe80::1",
      "::1",
    ]) {
      expect(isPrivateAddress(ip)).toBe(true);
    }
    for (const ip of ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::1"])
      expect(isPrivateAddress(ip)).toBe(false);
  });
});
