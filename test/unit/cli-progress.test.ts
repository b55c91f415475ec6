import { describe, expect, it } from "vitest";
import { formatBytes, formatClock, parseDuration, parseSize } from "../../src/cli/format.js";
import { renderTransferLine, TransferBar, WaitTimer } from "../../src/cli/progress.js";

/** The pattern the terminal test looks for: bytes of total, a rate and an ETA. */
const PROGRESS =
  /\[[=> ]+\]\s+\d+%\s+[\d.]+ (B|KiB|MiB|GiB) \/ [\d.]+ (B|KiB|MiB|GiB)\s+[\d.]+ (B|KiB|MiB|GiB)\/s\s+ETA \d+:\d\d/;

describe("cli progress rendering", () => {
  it("draws bytes, percentage, rate and ETA", () => {
    const line = renderTransferLine({
      label: "big.bin",
      done: 22.5 * 1024 * 1024,
      total: 50 * 1024 * 1024,
      rate: 10 * 1024 * 1024,
      elapsedMs: 2250,
      columns: 120,
    });
    expect(line).toMatch(PROGRESS);
    expect(line).toContain("45%");
    expect(line).toContain("22.5 MiB / 50.0 MiB");
    expect(line).toContain("10.0 MiB/s");
    expect(line).toContain("ETA 0:03");
    expect(line.startsWith("big.bin  [")).toBe(true);
  });

  it("fits narrow terminals by shortening the label from the left", () => {
    const line = renderTransferLine({
      label: "some/very/long/path/to/a/file/with/a/long/name.bin",
      done: 1,
      total: 2,
      rate: 1,
      elapsedMs: 1000,
      columns: 80,
    });
    expect(line.length).toBeLessThan(80);
    expect(line).toContain("name.bin");
    expect(line.startsWith("…")).toBe(true);
  });

  it("shows bytes and elapsed time when the total is unknown, and dashes before a rate is known", () => {
    const line = renderTransferLine({
      label: "-",
      done: 2048,
      total: undefined,
      rate: undefined,
      elapsedMs: 65_000,
      columns: 80,
    });
    expect(line).toBe("-  2.0 KiB  --  1:05");
  });

  it("redraws at most ten times a second and erases itself when done", () => {
    const writes: string[] = [];
    const terminal = {
      columns: 100,
      write: (s: string) => writes.push(s) > 0,
    } as unknown as NodeJS.WritableStream;
    let now = 0;
    const bar = new TransferBar(terminal, "x", 1000, () => now);
    for (let i = 1; i <= 100; i++) {
      now = i * 5; // 100 updates in half a second
      bar.update(i * 10);
    }
    bar.finish();
    const frames = writes.filter((w) => w.includes("["));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThanOrEqual(6);
    expect(writes[writes.length - 1]).toBe("\r\x1b[2K");
    bar.update(5); // after finish: nothing more is drawn
    expect(writes[writes.length - 1]).toBe("\r\x1b[2K");
  });
});

describe("cli number formats", () => {
  it("formats sizes and clocks", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(50 * 1024 * 1024)).toBe("50.0 MiB");
    expect(formatClock(7000)).toBe("0:07");
    expect(formatClock(3_723_000)).toBe("1:02:03");
  });

  it("parses sizes (binary units) and durations", () => {
    expect(parseSize("8M")).toBe(8 * 1024 * 1024);
    expect(parseSize("8MiB")).toBe(8 * 1024 * 1024);
    expect(parseSize("512k")).toBe(512 * 1024);
    expect(parseSize("1.5G")).toBe(1.5 * 1024 ** 3);
    expect(parseSize("100")).toBe(100);
    expect(parseSize("fast")).toBeUndefined();
    expect(parseSize("0")).toBeUndefined();
    expect(parseDuration("900")).toBe(900);
    expect(parseDuration("15m")).toBe(900);
    expect(parseDuration("7d")).toBe(604_800);
    expect(parseDuration("-1")).toBeUndefined();
  });
});

describe("cli wait timer", () => {
  it("shows the elapsed time and the last state, then erases itself", () => {
    const writes: string[] = [];
    const terminal = {
      columns: 80,
      write: (s: string) => writes.push(s) > 0,
    } as unknown as NodeJS.WritableStream;
    let now = 0;
    const timer = new WaitTimer(terminal, "waiting for web-1 to be running", () => now);
    now = 12_000;
    timer.setState("pending");
    expect(writes[writes.length - 1]).toBe(
      "\r\x1b[2Kwaiting for web-1 to be running  0:12 elapsed  (pending)",
    );
    timer.stop();
    expect(writes[writes.length - 1]).toBe("\r\x1b[2K");
  });
});
