/**
 * Batch delete with the Blob Batch API (REST 2020-04-08 and later, container-scoped): one POST
 * `/{container}?restype=container&comp=batch` whose multipart/mixed body holds up to 256 Delete Blob
 * sub-requests, each authorised on its own with a Shared Key signature; the answer is a multipart/mixed
 * body with one HTTP response per sub-request, matched by Content-ID.
 *
 * Used by stores opened with the account key only (see blob.ts for why SAS and bearer stores are not).
 */
import { randomUUID } from "node:crypto";
import {
  errorClasses,
  InvalidInputError,
  type OmnicloudError,
  ProviderError,
  RateLimitError,
} from "../../core/errors.js";
import { headerValue } from "../../core/transport/response-error.js";
import type { DeleteOutcome } from "../../storage/driver.js";
import { accountKeyBytes } from "./account-key.js";
import { blobErrorKind } from "./blob-errors.js";
import type { BlobHttp } from "./blob-requests.js";
import { sharedKeyStringToSign, signWithAccountKey } from "./shared-key.js";

/** The service's limit on sub-requests per batch. */
export const BLOB_BATCH_LIMIT = 256;
const CRLF = "\r\n";

/** Signs a sub-request with the account key, as the service checks each one on its own. */
type SubSigner = (url: URL, headers: Record<string, string>) => string;

function subSigner(http: BlobHttp): SubSigner {
  const auth = http.auth;
  if (auth.kind !== "shared-key") {
    throw new ProviderError("Blob Batch needs the account key to sign its sub-requests", {
      provider: http.provider,
    });
  }
  const { accountName } = auth.credentials;
  const key = accountKeyBytes(auth.credentials);
  return (url, headers) => {
    const toSign = sharedKeyStringToSign(accountName, {
      method: "DELETE",
      url,
      headers: { ...headers, "content-length": "0" },
    });
    return `SharedKey ${accountName}:${signWithAccountKey(key, toSign)}`;
  };
}

/** One Delete Blob sub-request, as its multipart part. */
function subRequest(
  http: BlobHttp,
  sign: SubSigner,
  container: string,
  name: string,
  index: number,
  date: string,
): string {
  const url = new URL(http.url(container, name));
  const headers: Record<string, string> = {
    "x-ms-date": date,
    // As a single delete does: the blob goes with its snapshots.
    "x-ms-delete-snapshots": "include",
  };
  headers.authorization = sign(url, headers);
  const lines = [
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    `Content-ID: ${index}`,
    "",
    // The path as the service sees it (with the emulator's account segment); no version: the batch's
    // x-ms-version applies to every sub-request.
    `DELETE ${url.pathname} HTTP/1.1`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    "Content-Length: 0",
    // The blank line that ends the sub-request's headers; its body is empty.
    "",
    "",
  ];
  return lines.join(CRLF);
}

/** The batch body: each part after a delimiter line, then the closing delimiter. */
export function batchBody(
  http: BlobHttp,
  container: string,
  names: readonly string[],
  boundary: string,
  date: string,
): string {
  const sign = subSigner(http);
  const parts = names.map(
    (name, i) => `--${boundary}${CRLF}${subRequest(http, sign, container, name, i, date)}`,
  );
  return `${parts.join(CRLF)}${CRLF}--${boundary}--${CRLF}`;
}

/** One sub-response: the Content-ID it answers (when given), its status, headers and body. */
export interface SubResponse {
  id: number | undefined;
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
}

/** Header lines up to the first blank line; names lower-cased. Returns the rest after the blank line. */
function readHeaders(lines: string[], from: number): { headers: Record<string, string>; next: number } {
  const headers: Record<string, string> = {};
  let i = from;
  for (; i < lines.length && lines[i] !== ""; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, next: i + 1 };
}

/** The sub-responses of a multipart/mixed batch answer. */
export function parseBatchResponse(body: string, boundary: string): SubResponse[] {
  const out: SubResponse[] = [];
  const sections = body.split(`--${boundary}`);
  // sections[0] is the preamble; a section starting with "--" is the closing delimiter's tail.
  for (const section of sections.slice(1)) {
    if (section.startsWith("--")) break;
    const lines = section.replace(/^\r?\n/, "").split(/\r?\n/);
    const part = readHeaders(lines, 0);
    // Skip blank lines before the status line (servers differ in how many they write).
    let i = part.next;
    while (i < lines.length && lines[i] === "") i++;
    const status = /^HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/.exec(lines[i] ?? "");
    if (!status) continue;
    const http = readHeaders(lines, i + 1);
    const id = part.headers["content-id"];
    out.push({
      id: id === undefined || !/^\d+$/.test(id) ? undefined : Number(id),
      status: Number(status[1]),
      reason: status[2] ?? "",
      headers: http.headers,
      body: lines.slice(http.next).join("\n").trim(),
    });
  }
  return out;
}

/** The typed error of one failed sub-response. */
function subError(
  http: BlobHttp,
  container: string,
  name: string,
  r: SubResponse,
  requestId: string | undefined,
): OmnicloudError {
  const code = r.headers["x-ms-error-code"] ?? /<Code>([^<]*)<\/Code>/.exec(r.body)?.[1];
  const message = /<Message>([^<\n]*)/.exec(r.body)?.[1]?.trim() || r.reason || `status ${r.status}`;
  const kind = blobErrorKind(code, r.status);
  const options = {
    provider: http.provider,
    status: r.status,
    code,
    requestId: r.headers["x-ms-request-id"] ?? requestId,
    request: `Blob Batch delete of ${container}/${name}`,
  };
  const text = `Delete of ${container}/${name} in a batch failed: ${message}`;
  return kind === "RateLimit" ? new RateLimitError(text, options) : new errorClasses[kind](text, options);
}

/** Delete `names` (at most BLOB_BATCH_LIMIT) from `container`; per-name failures are reported, not thrown. */
export async function deleteBatch(
  http: BlobHttp,
  container: string,
  names: string[],
  signal: AbortSignal | undefined,
): Promise<DeleteOutcome[]> {
  if (names.length === 0) return [];
  if (names.length > BLOB_BATCH_LIMIT) {
    throw new InvalidInputError(`A Blob Batch takes at most ${BLOB_BATCH_LIMIT} names, got ${names.length}`, {
      provider: http.provider,
    });
  }
  const boundary = `batch_${randomUUID()}`;
  const body = batchBody(http, container, names, boundary, new Date().toUTCString());
  const res = await http.send("Container_SubmitBatch", {
    method: "POST",
    container,
    query: { restype: "container", comp: "batch" },
    headers: { "content-type": `multipart/mixed; boundary=${boundary}` },
    body,
    // Deleting the same names again has the same effect. The signed dates inside are fixed when the body
    // is built, which a retry within the service's 15-minute window still passes.
    idempotent: true,
    signal,
  });
  const type = headerValue(res.headers, "content-type") ?? "";
  const answerBoundary = /boundary=("?)([^";]+)\1/i.exec(type)?.[2];
  if (answerBoundary === undefined) {
    throw new ProviderError(
      `Blob Batch on container ${container}: the answer is not multipart (${type || "no content type"})`,
      {
        provider: http.provider,
        requestId: res.requestId,
      },
    );
  }
  const subs = parseBatchResponse(res.body.toString("utf8"), answerBoundary);
  // A batch the service refused as a whole comes back as one sub-response without a Content-ID.
  const whole =
    subs.length === 1 && subs[0]!.id === undefined && subs[0]!.status >= 300 ? subs[0] : undefined;
  const byId = new Map(subs.filter((s) => s.id !== undefined).map((s) => [s.id, s]));
  return names.map((name, i): DeleteOutcome => {
    // By Content-ID where the service echoes it, else by position.
    const r = whole ?? (byId.size > 0 ? byId.get(i) : subs[i]);
    if (r === undefined) {
      return {
        name,
        error: new ProviderError(`Blob Batch on container ${container}: no answer for ${name}`, {
          provider: http.provider,
          requestId: res.requestId,
        }),
      };
    }
    // Already gone counts as deleted, as a single delete does.
    const code = r.headers["x-ms-error-code"];
    if (r.status < 300 || (r.status === 404 && (code === undefined || code === "BlobNotFound")))
      return { name };
    return { name, error: subError(http, container, name, r, res.requestId) };
  });
}
