/**
 * A Swift proxy for replay tests: an undici MockAgent where each expected request is registered once, with
 * its exact method, path, query and X-Auth-Token, and answered with a recorded (or scripted) reply. A
 * request that differs in any of these matches nothing and fails (net connect is disabled), and
 * `assertNoPendingInterceptors` at the end proves every registered answer was asked for. Every request
 * that matched is kept in order, with its headers, for the assertions the matchers cannot make.
 */
import { MockAgent } from "undici";
import { headerRecord } from "./mock-headers.js";

export interface SwiftReply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface SeenSwift {
  method: string;
  url: URL;
  headers: Record<string, string>;
}

export interface SwiftExpectation {
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  /** The URL path as sent (percent-encoded), e.g. "/v1/AUTH_x/test%20container". */
  path: string;
  /** The exact query: every parameter the driver sends must be here, and no other. */
  query?: Record<string, string>;
  /** Off for requests that carry no account token. Default: the token must be sent. */
  token?: boolean;
}

export interface MockSwift {
  agent: MockAgent;
  seen: SeenSwift[];
  expect(request: SwiftExpectation, reply: SwiftReply): void;
  close(): Promise<void>;
}

export function mockSwift(origin: string, token: string): MockSwift {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: SeenSwift[] = [];
  return {
    agent,
    seen,
    expect(request, reply) {
      agent
        .get(origin)
        .intercept({
          method: request.method,
          path: request.path,
          // undici compares the query as a sorted parameter set, so order does not matter but extras do.
          ...(request.query ? { query: request.query } : {}),
          ...(request.token === false ? {} : { headers: { "x-auth-token": token } }),
        })
        .reply((opts) => {
          seen.push({
            method: opts.method,
            url: new URL(opts.path, origin),
            headers: headerRecord(opts.headers),
          });
          return {
            statusCode: reply.status,
            data: reply.body ?? "",
            responseOptions: { headers: reply.headers ?? {} },
          };
        });
    },
    close: () => agent.close(),
  };
}

/**
 * libcloud's meta_data.json is its parsed view of an account HEAD; Swift says the same in these headers
 * (and a HEAD has no body), so that is how it is replayed.
 */
export function accountHeadHeaders(meta: {
  bytes_used: number;
  container_count: number;
  object_count: number;
}): Record<string, string> {
  return {
    "x-account-bytes-used": String(meta.bytes_used),
    "x-account-container-count": String(meta.container_count),
    "x-account-object-count": String(meta.object_count),
  };
}
