/**
 * The smallest SigV4 header signature that S3 accepts for one PUT, for the bench's bare node:http baseline:
 * the request omnicloud sends (Content-MD5 of the body, an unsigned payload, an Authorization header) made
 * with nothing but node:crypto, so "omnicloud vs node:http doing the same requests" compares like with like.
 *
 * Only what such a PUT needs: a path of unreserved characters and slashes (sent and signed as is), no
 * query, these four headers. The signing key is derived once per day, as every real signer caches it.
 */
import { createHash, createHmac } from "node:crypto";

export interface SigV4Key {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const SERVICE = "s3";
const UNSIGNED = "UNSIGNED-PAYLOAD";
const SIGNED_HEADERS = "content-md5;host;x-amz-content-sha256;x-amz-date";

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** A signer for one set of credentials; `sign` returns the headers to add to a PUT of `body` at `path`. */
export function putSigner(
  key: SigV4Key,
  host: string,
): (path: string, body: Buffer) => Record<string, string> {
  let day = "";
  let signingKey: Buffer = Buffer.alloc(0);
  return (path, body) => {
    // "20250101T120000Z": the ISO date without separators or milliseconds.
    const iso = new Date().toISOString();
    const amzDate = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
    const date = amzDate.slice(0, 8);
    if (date !== day) {
      day = date;
      const kDate = hmac(`AWS4${key.secretAccessKey}`, date);
      signingKey = hmac(hmac(hmac(kDate, key.region), SERVICE), "aws4_request");
    }
    const md5 = createHash("md5").update(body).digest("base64");
    const canonical =
      `PUT\n${path}\n\ncontent-md5:${md5}\nhost:${host}\nx-amz-content-sha256:${UNSIGNED}\n` +
      `x-amz-date:${amzDate}\n\n${SIGNED_HEADERS}\n${UNSIGNED}`;
    const scope = `${date}/${key.region}/${SERVICE}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash("sha256").update(canonical).digest("hex")}`;
    const signature = createHmac("sha256", signingKey).update(toSign).digest("hex");
    return {
      "content-md5": md5,
      "x-amz-content-sha256": UNSIGNED,
      "x-amz-date": amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`,
    };
  };
}
