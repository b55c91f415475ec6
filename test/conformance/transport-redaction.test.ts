import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OmnicloudError, PermissionError } from "../../src/core/errors.js";
import { registerSecret } from "../../src/core/redact.js";
import { Transport } from "../../src/core/transport/transport.js";
import { startServer, type TestServer } from "../support/http-server.js";

// Secrets of every kind a request can carry; none may be printed or put in an error.
const AUTH_SIGNATURE = "abcd1f0e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccdd";
const AUTHORIZATION = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${AUTH_SIGNATURE}`;
const SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue0123456789/abc+def==";
const QUERY_SIGNATURE = "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddccbbaa99887766554433221100";
const SAS_SIG = "sVzZ0vZ1SASsignatureEXAMPLE%2Bslash%3D";
const QUERY_TOKEN = "qtok-EXAMPLE-7f3a9c2e";
const REGISTERED = "reg1stered-Secret-Value-Zq81";
const SECRETS = [AUTH_SIGNATURE, SESSION_TOKEN, QUERY_SIGNATURE, SAS_SIG, QUERY_TOKEN, REGISTERED];
/** What a secret could look like once URL-decoded by a server that echoes it. */
const DECODED = SECRETS.map((s) => decodeURIComponent(s));

function leaks(text: string): string[] {
  return [...SECRETS, ...DECODED].filter((s) => text.includes(s));
}

describe("redaction: no secret in logs or errors", () => {
  let server: TestServer;
  const transports: Transport[] = [];

  beforeAll(async () => {
    registerSecret(REGISTERED);
    server = await startServer(({ req, res }) => {
      const url = new URL(req.url ?? "/", "http://x");
      const auth = req.headers.authorization ?? "";
      const token = String(req.headers["x-amz-security-token"] ?? "");
      const custom = String(req.headers["x-custom-secret"] ?? "");
      res.setHeader("x-amz-request-id", "RID-403");
      if (url.pathname.startsWith("/ok")) {
        res.end("fine");
        return;
      }
      if (url.pathname.startsWith("/s3")) {
        // S3's SignatureDoesNotMatch quotes the signature it got and the canonical request.
        res.statusCode = 403;
        res.setHeader("content-type", "application/xml");
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>` +
            `<Message>Bad signature for key ${custom}</Message>` +
            `<SignatureProvided>${AUTH_SIGNATURE}</SignatureProvided>` +
            `<CanonicalRequest>GET ${req.url} x-amz-security-token:${token} authorization:${auth}</CanonicalRequest>` +
            `<Token>${token}</Token><RequestId>RID-403</RequestId></Error>`,
        );
        return;
      }
      // A JSON API echoing the whole request back in its error.
      res.statusCode = 403;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          error: {
            code: "AccessDenied",
            // Name-based rules catch a token quoted as a header ("name: value"); a token quoted in bare
            // prose is caught only once registered, as credential loaders do (see REGISTERED).
            message: `Denied ${req.url} with Authorization: ${auth}, x-amz-security-token: ${token}, key ${custom}`,
          },
          request: { url: req.url, headers: { authorization: auth, "x-amz-security-token": token } },
        }),
      );
    });
  });

  afterEach(async () => {
    for (const t of transports.splice(0)) await t.close();
  });

  afterAll(async () => {
    await server.close();
  });

  const secretRequest = (path: string) => ({
    method: "GET" as const,
    url: `${server.url}${path}?X-Amz-Signature=${QUERY_SIGNATURE}&sig=${SAS_SIG}&token=${QUERY_TOKEN}&list-type=2`,
    headers: {
      authorization: AUTHORIZATION,
      "x-amz-security-token": SESSION_TOKEN,
      "x-custom-secret": REGISTERED,
    },
  });

  function checkError(err: unknown): void {
    expect(err).toBeInstanceOf(PermissionError);
    const e = err as PermissionError;
    expect(e.status).toBe(403);
    expect(e.requestId).toBe("RID-403");
    expect(leaks(e.message)).toEqual([]);
    expect(leaks(JSON.stringify(e))).toEqual([]);
    expect(leaks(JSON.stringify(e.toJSON()))).toEqual([]);
    expect(leaks(e.bodyExcerpt ?? "")).toEqual([]);
    expect(leaks(e.request ?? "")).toEqual([]);
    expect(leaks(String(e.stack))).toEqual([]);
    // Redaction keeps the useful parts: what failed, where, and the provider's code.
    expect(e.request).toContain("list-type=2");
    expect(e.bodyExcerpt).toBeTruthy();
  }

  it("the server really received the secrets (so the test below means something)", async () => {
    const t = new Transport({ provider: "redact", proxy: false, retry: false });
    transports.push(t);
    await t.send(secretRequest("/ok")).catch(() => undefined);
    const seen = server.requests.at(-1);
    expect(seen?.headers.authorization).toBe(AUTHORIZATION);
    expect(seen?.headers["x-amz-security-token"]).toBe(SESSION_TOKEN);
    expect(seen?.url).toContain(QUERY_SIGNATURE);
  });

  it("logger lines carry method, path, status and ms but no secret; errors echoing secrets are scrubbed", async () => {
    const lines: string[] = [];
    const t = new Transport({ provider: "redact", proxy: false, retry: false, logger: (l) => lines.push(l) });
    transports.push(t);

    const ok = await t.send(secretRequest("/ok/object"));
    expect(ok.status).toBe(200);
    const s3 = await t.send(secretRequest("/s3/bucket/key")).catch((e: unknown) => e);
    checkError(s3);
    expect((s3 as OmnicloudError).code).toBe("SignatureDoesNotMatch");
    const json = await t.send(secretRequest("/json/thing")).catch((e: unknown) => e);
    checkError(json);
    expect((json as OmnicloudError).code).toBe("AccessDenied");

    expect(lines).toHaveLength(3);
    for (const line of lines) expect(leaks(line)).toEqual([]);
    expect(lines[0]).toMatch(
      /^omnicloud redact GET http:\/\/127\.0\.0\.1:\d+\/ok\/object\?\S* -> 200 \d+(\.\d+)? ms/,
    );
    expect(lines[1]).toMatch(/GET \S*\/s3\/bucket\/key\?\S* -> 403 \d+(\.\d+)? ms request-id RID-403/);
    expect(lines[2]).toMatch(/GET \S*\/json\/thing\?\S* -> 403 \d+(\.\d+)? ms/);
    // The parameters are still there, their values replaced.
    expect(lines[0]).toContain("X-Amz-Signature=");
    expect(lines[0]).toContain("list-type=2");
  });

  it("with retries, every attempt's log line is scrubbed too", async () => {
    const lines: string[] = [];
    const t = new Transport({
      provider: "redact",
      proxy: false,
      retry: { maxAttempts: 2, baseDelayMs: 1, random: () => 0, retryStatuses: [403] },
      logger: (l) => lines.push(l),
    });
    transports.push(t);
    const err = await t.send(secretRequest("/s3/retried")).catch((e: unknown) => e);
    checkError(err);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("attempt 2");
    for (const line of lines) expect(leaks(line)).toEqual([]);
  });

  it("a network failure's log line and error carry no secret", async () => {
    const lines: string[] = [];
    const gone = await startServer(() => {});
    const port = gone.port;
    await gone.close();
    const t = new Transport({ provider: "redact", proxy: false, retry: false, logger: (l) => lines.push(l) });
    transports.push(t);
    const req = secretRequest("/x");
    const err = await t
      .send({ ...req, url: req.url.replace(server.url, `http://127.0.0.1:${port}`) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OmnicloudError);
    expect(leaks((err as OmnicloudError).message)).toEqual([]);
    expect(leaks(JSON.stringify(err))).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/-> ECONNREFUSED \d+(\.\d+)? ms/);
    expect(leaks(lines[0]!)).toEqual([]);
  });

  it("OMNICLOUD_DEBUG=1 writes scrubbed lines to stderr", async () => {
    const captured: string[] = [];
    const realWrite = process.stderr.write;
    const previous = process.env.OMNICLOUD_DEBUG;
    process.env.OMNICLOUD_DEBUG = "1";
    let t: Transport;
    try {
      t = new Transport({ provider: "redact-debug", proxy: false, retry: false });
      transports.push(t);
      process.stderr.write = ((chunk: string | Uint8Array): boolean => {
        captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        return true;
      }) as typeof process.stderr.write;
      await t.send(secretRequest("/ok/debug"));
      await t.send(secretRequest("/s3/debug")).catch(() => undefined);
    } finally {
      process.stderr.write = realWrite;
      if (previous === undefined) delete process.env.OMNICLOUD_DEBUG;
      else process.env.OMNICLOUD_DEBUG = previous;
    }
    const ours = captured.filter((l) => l.startsWith("omnicloud redact-debug "));
    expect(ours).toHaveLength(2);
    expect(ours[0]).toMatch(/GET \S*\/ok\/debug\?\S* -> 200 \d+(\.\d+)? ms/);
    expect(ours[1]).toMatch(/GET \S*\/s3\/debug\?\S* -> 403 \d+(\.\d+)? ms/);
    for (const line of captured) expect(leaks(line)).toEqual([]);
  });
});
