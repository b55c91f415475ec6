/**
 * A scripted JSON API for DNS replay tests: an undici MockAgent on one origin answering from a per-test
 * script (first matching entry, used once), recording every request with its parsed JSON body for the
 * OpenAPI check. A request no script entry expected is answered 500 and remembered, and the test file
 * fails on it: the driver asked for something it should not have.
 */
import { MockAgent } from "undici";
import type { CheckedRequest } from "../support/openapi-check.js";
import { headerRecord } from "./mock-headers.js";

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SeenJson extends CheckedRequest {
  headers: Record<string, string>;
}

export interface JsonMock {
  agent: MockAgent;
  seen: SeenJson[];
  unscripted: string[];
  on(when: (r: SeenJson) => boolean, reply: Reply): void;
  reset(): void;
  close(): Promise<void>;
}

export function jsonMock(origin: string): JsonMock {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: SeenJson[] = [];
  const unscripted: string[] = [];
  let script: { when: (r: SeenJson) => boolean; reply: Reply }[] = [];
  agent
    .get(origin)
    .intercept({ path: () => true, method: () => true })
    .reply((opts) => {
      const raw =
        typeof opts.body === "string"
          ? opts.body
          : opts.body instanceof Uint8Array
            ? Buffer.from(opts.body).toString()
            : undefined;
      const req: SeenJson = {
        method: opts.method,
        url: new URL(opts.path, origin),
        headers: headerRecord(opts.headers),
        ...(raw ? { body: JSON.parse(raw) as unknown } : {}),
      };
      seen.push(req);
      const i = script.findIndex((s) => s.when(req));
      if (i < 0) unscripted.push(`${opts.method} ${opts.path}`);
      const reply = i >= 0 ? script.splice(i, 1)[0]!.reply : { status: 500, body: { message: "unscripted" } };
      const data =
        reply.body === undefined
          ? ""
          : typeof reply.body === "string"
            ? reply.body
            : JSON.stringify(reply.body);
      return {
        statusCode: reply.status,
        data,
        responseOptions: { headers: { "content-type": "application/json", ...reply.headers } },
      };
    })
    .persist();
  return {
    agent,
    seen,
    unscripted,
    on: (when, reply) => {
      script.push({ when, reply });
    },
    reset: () => {
      script = [];
    },
    close: () => agent.close(),
  };
}

/** A matcher on method and path (regex), optionally on query parameters. */
export function route(method: string, path: RegExp, query: Record<string, string> = {}) {
  return (r: SeenJson): boolean =>
    r.method === method &&
    path.test(r.url.pathname) &&
    Object.entries(query).every(([k, v]) => r.url.searchParams.get(k) === v);
}
