/**
 * Deployment log lines. Everything passes through `redactText` on the way out, so a password, passphrase
 * or key registered with `registerSecret` never reaches a sink even if a message quotes it by accident.
 */
import { redactText } from "../core/redact.js";

export type DeployLogLevel = "debug" | "info" | "warn";

export interface DeployLogEntry {
  level: DeployLogLevel;
  message: string;
}

/** Receives every deployment log line, already redacted. */
export type DeployLogSink = (entry: DeployLogEntry) => void;

/** What the deploy code calls; the sink behind it is the caller's or the default. */
export interface DeployLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

function debugEnabled(): boolean {
  const flag = process.env.OMNICLOUD_DEBUG;
  return flag !== undefined && flag !== "" && flag !== "0" && flag.toLowerCase() !== "false";
}

/**
 * The default sink: warnings always go to stderr (an unverified host key must never pass silently),
 * info and debug only with OMNICLOUD_DEBUG=1.
 */
export const stderrSink: DeployLogSink = (entry) => {
  if (entry.level === "warn" || debugEnabled()) {
    process.stderr.write(`omnicloud deploy ${entry.level}: ${entry.message}\n`);
  }
};

export function makeLogger(sink: DeployLogSink = stderrSink): DeployLogger {
  const emit = (level: DeployLogLevel, message: string): void =>
    sink({ level, message: redactText(message) });
  return {
    debug: (message) => emit("debug", message),
    info: (message) => emit("info", message),
    warn: (message) => emit("warn", message),
  };
}
