/**
 * A scripted EC2 for replay tests: an undici MockAgent (no real network) that answers every POST to one
 * origin by its Action, from libcloud's recorded answers or from answers a test writes, and keeps every
 * request body so the test can check each against EC2's API model.
 */
import { MockAgent } from "undici";
import { formPairs } from "./ec2-model.js";
import { headerRecord } from "./mock-headers.js";

export interface Ec2Seen {
  action: string;
  params: Map<string, string>;
  body: string;
  headers: Record<string, string>;
  origin: string;
}

export interface Ec2Reply {
  status?: number;
  body: string;
}

export type Ec2Responder = (req: Ec2Seen) => Ec2Reply | undefined;

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  return "";
}

/** EC2's error document, as the service sends it. */
export function ec2Error(code: string, message: string, status = 400): Ec2Reply {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-${code}</RequestID></Response>`,
  };
}

export interface MockEc2 {
  agent: MockAgent;
  seen: Ec2Seen[];
  /** Answer the next request matching `when` with `reply` (once), before the default responder. */
  once(when: (req: Ec2Seen) => boolean, reply: Ec2Reply): void;
  /** Requests nothing answered: each is a test failure. */
  unanswered: string[];
  close(): Promise<void>;
}

export function mockEc2(origins: readonly string[], responder: Ec2Responder): MockEc2 {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: Ec2Seen[] = [];
  const unanswered: string[] = [];
  const scripted: { when: (r: Ec2Seen) => boolean; reply: Ec2Reply }[] = [];
  for (const origin of origins) {
    agent
      .get(origin)
      .intercept({ path: () => true, method: () => true })
      .reply((opts) => {
        const body = bodyText(opts.body);
        const params = new Map(formPairs(body));
        const req: Ec2Seen = {
          action: params.get("Action") ?? "",
          params,
          body,
          headers: headerRecord(opts.headers),
          origin,
        };
        seen.push(req);
        const i = scripted.findIndex((s) => s.when(req));
        const reply = i >= 0 ? scripted.splice(i, 1)[0]!.reply : responder(req);
        if (!reply) unanswered.push(req.action);
        const answer = reply ?? ec2Error("NoScript", `nothing answers ${req.action}`, 500);
        return {
          statusCode: answer.status ?? 200,
          data: answer.body,
          responseOptions: {
            headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": "mock-req" },
          },
        };
      })
      .persist();
  }
  return {
    agent,
    seen,
    unanswered,
    once(when, reply) {
      scripted.push({ when, reply });
    },
    close: () => agent.close(),
  };
}
