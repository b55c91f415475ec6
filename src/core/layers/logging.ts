import { redactText, redactUrl } from "../redact.js";
import type { Layer, RawResponse } from "../transport/types.js";

/** Where debug lines go. */
export type LogSink = (line: string) => void;

/** The sink `OMNICLOUD_DEBUG=1` turns on: one line per attempt on stderr. */
export function debugSinkFromEnv(env: NodeJS.ProcessEnv = process.env): LogSink | undefined {
  const flag = env.OMNICLOUD_DEBUG;
  if (!flag || flag === "0" || flag.toLowerCase() === "false") return undefined;
  return (line) => process.stderr.write(`${line}\n`);
}

/**
 * Logs method, URL, status, timing and request id of every attempt, with credentials redacted from the
 * URL and anything else printed. It sits innermost, so it shows what really went on the wire, retries
 * included.
 */
export function loggingLayer(
  provider: string,
  sink: LogSink,
  requestIdOf: (r: RawResponse) => string | undefined,
): Layer {
  return (next) => async (attempt) => {
    const started = performance.now();
    const head = `omnicloud ${provider} ${attempt.method} ${redactUrl(attempt.url)}`;
    const tag = attempt.attempt > 1 ? ` attempt ${attempt.attempt}` : "";
    try {
      const response = await next(attempt);
      const ms = (performance.now() - started).toFixed(1);
      const id = requestIdOf(response);
      sink(`${head} -> ${response.status} ${ms} ms${tag}${id ? ` request-id ${id}` : ""}`);
      return response;
    } catch (err) {
      const ms = (performance.now() - started).toFixed(1);
      const code = (err as { code?: string }).code ?? (err as Error).name;
      sink(redactText(`${head} -> ${code} ${ms} ms${tag}`));
      throw err;
    }
  };
}
