/**
 * A routed DigitalOcean API for the compute replay test: an undici MockAgent (no real network) that answers
 * by method and path from recorded or written answers, and keeps every exchange — the request with its
 * parsed JSON body, and the answer with its status, body and where it came from — so the test can check
 * both sides against the OpenAPI spec.
 */
import { MockAgent } from "undici";
import { headerRecord } from "./mock-headers.js";

export interface DoAnswer {
  status: number;
  body?: unknown;
  /** "recorded:<fixture file>" or "written": recorded answers may predate today's spec. */
  source: string;
}

export interface DoExchange {
  method: string;
  url: URL;
  body?: unknown;
  headers: Record<string, string>;
  answer: DoAnswer;
}

export type DoRoute = (req: Omit<DoExchange, "answer">) => DoAnswer | undefined;

export interface DoMock {
  agent: MockAgent;
  exchanges: DoExchange[];
  unrouted: string[];
  /** Answer the next request matching `when` once with `answer`, before the routes. */
  once(when: (req: Omit<DoExchange, "answer">) => boolean, answer: DoAnswer): void;
  close(): Promise<void>;
}

export function doMock(origin: string, route: DoRoute): DoMock {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const exchanges: DoExchange[] = [];
  const unrouted: string[] = [];
  const scripted: { when: (r: Omit<DoExchange, "answer">) => boolean; answer: DoAnswer }[] = [];
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
      const req = {
        method: opts.method,
        url: new URL(opts.path, origin),
        headers: headerRecord(opts.headers),
        ...(raw ? { body: JSON.parse(raw) as unknown } : {}),
      };
      const i = scripted.findIndex((s) => s.when(req));
      const answer = i >= 0 ? scripted.splice(i, 1)[0]!.answer : route(req);
      if (!answer) unrouted.push(`${req.method} ${req.url.pathname}${req.url.search}`);
      const given = answer ?? {
        status: 500,
        body: { id: "server_error", message: "unrouted" },
        source: "written",
      };
      exchanges.push({ ...req, answer: given });
      return {
        statusCode: given.status,
        data: given.body === undefined ? "" : JSON.stringify(given.body),
        responseOptions: { headers: { "content-type": "application/json", "x-request-id": "mock-request" } },
      };
    })
    .persist();
  return {
    agent,
    exchanges,
    unrouted,
    once(when, answer) {
      scripted.push({ when, answer });
    },
    close: () => agent.close(),
  };
}
