/**
 * AWS's Signature Version 4 test suite (aws-c-auth), every v4 case found in the shared folder, byte for
 * byte: canonical request, string to sign, signature and the signed request, in the header form and in the
 * presigned query form.
 *
 * Conventions of the suite, read from its files: `request.txt` is a raw HTTP request whose request-line
 * target is the path as sent (it may hold a raw space or UTF-8, which the canonical form encodes once);
 * `context.json` gives the credentials, `normalize` (path normalisation), `sign_body` (add the
 * x-amz-content-sha256 header), `omit_session_token` (send the token unsigned) and the timestamp. The
 * signed request keeps the original header lines and appends X-Amz-Security-Token, X-Amz-Date,
 * x-amz-content-sha256 and Authorization in that order; the query form appends its parameters after the
 * request's own query, X-Amz-Signature last.
 *
 * v4a (ECDSA) cases are not run: omnicloud does not implement SigV4a yet.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { type SigV4Context, signHeaders, signQuery } from "../../src/providers/aws/sigv4.js";
import type { Pair } from "../../src/providers/aws/sigv4-canonical.js";
import { uriEncode } from "../../src/providers/aws/sigv4-canonical.js";
import { sha256Hex } from "../../src/providers/aws/sigv4-key.js";
import { reportCounts } from "../support/counts.js";
import { describeShared, sharedExists, sharedPath } from "../support/shared.js";

interface RawRequest {
  method: string;
  path: string;
  /** The query as written, without "?"; undefined when the target has none. */
  rawQuery: string | undefined;
  /** Header lines as written, continuation lines included. */
  headerLines: string[];
  /** Name and value per header, continuation lines joined with "\n". */
  headers: Pair[];
  body: string;
}

/** Parse the suite's raw request: request line, header lines (with obsolete line folding), blank, body. */
function parseRequest(text: string): RawRequest {
  const lines = text.split("\n");
  const requestLine = lines[0] ?? "";
  const firstSpace = requestLine.indexOf(" ");
  const lastSpace = requestLine.lastIndexOf(" ");
  const method = requestLine.slice(0, firstSpace);
  const target = requestLine.slice(firstSpace + 1, lastSpace);
  const q = target.indexOf("?");
  const headerLines: string[] = [];
  const headers: Array<[string, string]> = [];
  let i = 1;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") break;
    headerLines.push(line);
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last[1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(":");
    headers.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return {
    method,
    path: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? undefined : target.slice(q + 1),
    headerLines,
    headers,
    body: lines.slice(i + 1).join("\n"),
  };
}

/** Decoded query pairs of the raw query, as the signer takes them. */
function queryPairs(raw: string | undefined): Pair[] {
  if (raw === undefined || raw === "") return [];
  return raw.split("&").map((piece) => {
    const eq = piece.indexOf("=");
    const k = eq < 0 ? piece : piece.slice(0, eq);
    const v = eq < 0 ? "" : piece.slice(eq + 1);
    return [decodeURIComponent(k), decodeURIComponent(v)] as const;
  });
}

interface SuiteContext {
  credentials: { access_key_id: string; secret_access_key: string; token?: string };
  expiration_in_seconds: number;
  normalize: boolean;
  region: string;
  service: string;
  sign_body: boolean;
  timestamp: string;
  omit_session_token?: boolean;
}

const SUITE = "specs/aws-sigv4-test-suite/v4";
const suiteDir = sharedPath(SUITE);
const cases =
  sharedExists() && existsSync(suiteDir)
    ? readdirSync(suiteDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];

function read(name: string, file: string): string {
  return readFileSync(join(suiteDir, name, file), "utf8");
}

function load(name: string): { req: RawRequest; ctx: SigV4Context; expires: number } {
  const c = JSON.parse(read(name, "context.json")) as SuiteContext;
  const req = parseRequest(read(name, "request.txt"));
  const ctx: SigV4Context = {
    credentials: {
      accessKeyId: c.credentials.access_key_id,
      secretAccessKey: c.credentials.secret_access_key,
      ...(c.credentials.token ? { sessionToken: c.credentials.token } : {}),
    },
    region: c.region,
    service: c.service,
    date: new Date(c.timestamp),
    normalize: c.normalize,
    doubleEncode: true,
    contentSha256Header: c.sign_body,
    omitSessionToken: c.omit_session_token ?? false,
  };
  return { req, ctx, expires: c.expiration_in_seconds };
}

function signable(req: RawRequest) {
  return {
    method: req.method,
    path: req.path,
    query: queryPairs(req.rawQuery),
    headers: req.headers,
    payloadHash: sha256Hex(req.body),
  };
}

describeShared("AWS SigV4 test suite (v4)", () => {
  const passed = { header: 0, query: 0 };
  afterAll(() => {
    reportCounts(`SigV4 ${passed.header}/${cases.length} header, ${passed.query}/${cases.length} query`);
  });

  it("finds the suite's cases", () => {
    // The suite as shipped has 38; fewer means the folder is incomplete, not that cases may be skipped.
    expect(cases.length).toBeGreaterThanOrEqual(38);
  });

  for (const name of cases) {
    it(`${name}: header form`, () => {
      const { req, ctx } = load(name);
      const signed = signHeaders(signable(req), ctx);
      expect(signed.canonicalRequest).toBe(read(name, "header-canonical-request.txt"));
      expect(signed.stringToSign).toBe(read(name, "header-string-to-sign.txt"));
      expect(signed.signature).toBe(read(name, "header-signature.txt").trim());
      const wire =
        `${req.method} ${req.path}${req.rawQuery === undefined ? "" : `?${req.rawQuery}`} HTTP/1.1\n` +
        [...req.headerLines, ...signed.headers.map(([n, v]) => `${n}:${v}`)].map((l) => `${l}\n`).join("") +
        `\n${req.body}`;
      expect(wire).toBe(read(name, "header-signed-request.txt"));
      passed.header++;
    });

    it(`${name}: query form`, () => {
      const { req, ctx, expires } = load(name);
      const signed = signQuery(signable(req), { ...ctx, expiresIn: expires });
      expect(signed.canonicalRequest).toBe(read(name, "query-canonical-request.txt"));
      expect(signed.stringToSign).toBe(read(name, "query-string-to-sign.txt"));
      expect(signed.signature).toBe(read(name, "query-signature.txt").trim());
      const appended = signed.query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join("&");
      const query = req.rawQuery ? `${req.rawQuery}&${appended}` : appended;
      const wire =
        `${req.method} ${req.path}?${query} HTTP/1.1\n` +
        req.headerLines.map((l) => `${l}\n`).join("") +
        `\n${req.body}`;
      expect(wire).toBe(read(name, "query-signed-request.txt"));
      passed.query++;
    });
  }

  it.skip("v4a (ECDSA P-256) cases in specs/aws-sigv4-test-suite/v4a: SigV4a is not implemented yet", () => {});
});
