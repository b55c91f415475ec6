/**
 * SigV4 wired to omnicloud's Transport: `authorize` signs each attempt (so a retry carries a fresh date and
 * refreshed credentials), `presign` makes presigned URLs, and `signChunkedUpload` prepares an S3 upload in
 * aws-chunked form with per-chunk signatures.
 */
import { createHash } from "node:crypto";
import { pipeline, Readable } from "node:stream";
import { InvalidInputError } from "../../core/errors.js";
import type { Attempt, HttpMethod } from "../../core/transport/types.js";
import { AwsChunkedEncoder, DEFAULT_CHUNK_SIZE, encodedContentLength } from "./chunked.js";
import type { AwsCredentialProvider, AwsCredentials } from "./credentials/types.js";
import {
  isPresignParam,
  type SignableRequest,
  type SigV4Context,
  STREAMING_PAYLOAD,
  signHeaders,
  signQuery,
  UNSIGNED_PAYLOAD,
} from "./sigv4.js";
import { canonicalQuery, encodeWirePath, type Pair, parseQuery, uriEncode } from "./sigv4-canonical.js";
import { EMPTY_SHA256, sha256Hex, signingKey } from "./sigv4-key.js";

export interface SigV4SignerOptions {
  /** The signing name, e.g. "s3", "ec2", "sts". */
  service: string;
  region: string;
  credentials: AwsCredentialProvider;
  /**
   * S3's rules: the path is signed as sent (not normalised, not encoded twice), every request carries
   * x-amz-content-sha256, and bodies that are streams or files go UNSIGNED-PAYLOAD instead of being read
   * twice. Default: on for service "s3".
   */
  s3Rules?: boolean;
  /** Clock, for tests. */
  now?: () => number;
}

/** Headers this signer sets on an attempt; a re-sign removes them first. */
const OWN_HEADERS = ["authorization", "x-amz-date", "x-amz-security-token"];
const SHA256_HEADER = "x-amz-content-sha256";

export interface ChunkedUploadInput {
  method: HttpMethod;
  url: string | URL;
  headers?: Record<string, string>;
  /** The object's bytes, exactly `decodedLength` of them. */
  body: Readable | AsyncIterable<Uint8Array>;
  decodedLength: number;
  /** Default 64 KiB; at least 8 KiB. */
  chunkSize?: number;
  signal?: AbortSignal;
}

/** What to hand to `Transport.send`: the request is signed already, so the authorize hook leaves it be. */
export interface ChunkedUpload {
  url: URL;
  headers: Record<string, string>;
  body: Readable;
  /** The aws-chunked body's length, for the transport's `contentLength`. */
  contentLength: number;
}

export interface PresignInput {
  url: string | URL;
  /** Default GET. */
  method?: HttpMethod;
  /** Seconds, 1 to 604800. Default 900. */
  expiresIn?: number;
  /** Headers the user of the URL must send exactly so (they are signed). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class SigV4Signer {
  readonly service: string;
  readonly region: string;
  private readonly s3Rules: boolean;
  private readonly now: () => number;
  /** Attempts this signer signed, so a retry is re-signed but a caller's own signature is left alone. */
  private readonly signedByUs = new WeakSet<Attempt>();

  constructor(private readonly options: SigV4SignerOptions) {
    this.service = options.service;
    this.region = options.region;
    this.s3Rules = options.s3Rules ?? options.service === "s3";
    this.now = options.now ?? Date.now;
  }

  private context(credentials: AwsCredentials, date: Date): SigV4Context {
    return {
      credentials,
      region: this.region,
      service: this.service,
      date,
      normalize: !this.s3Rules,
      doubleEncode: !this.s3Rules,
      contentSha256Header: this.s3Rules,
    };
  }

  /**
   * For `new Transport({ authorize: signer.authorize })`. Sets X-Amz-Date, X-Amz-Security-Token,
   * x-amz-content-sha256 (S3) and Authorization on the attempt. It rewrites the URL's query (and, under S3
   * rules, its path) into the canonical encoding first, so what is sent is byte for byte what was signed.
   */
  readonly authorize = async (attempt: Attempt): Promise<void> => {
    if (attempt.headers.authorization !== undefined && !this.signedByUs.has(attempt)) return;
    const credentials = await this.options.credentials.get(attempt.signal);
    for (const name of OWN_HEADERS) delete attempt.headers[name];

    const given = attempt.headers[SHA256_HEADER];
    const payloadHash = given ?? (await this.payloadHash(attempt));
    this.canonicaliseUrl(attempt.url);

    const headers: Pair[] = [["host", attempt.url.host]];
    for (const [name, value] of Object.entries(attempt.headers)) {
      // The dispatcher adds content-length after signing on the first attempt; leave it out of every
      // attempt's signature alike.
      if (name !== "content-length" && name !== "host") headers.push([name, value]);
    }
    const signed = signHeaders(
      {
        method: attempt.method,
        path: attempt.url.pathname,
        query: parseQuery(attempt.url.search),
        headers,
        payloadHash,
      },
      this.context(credentials, new Date(this.now())),
    );
    for (const [name, value] of signed.headers) attempt.headers[name.toLowerCase()] = value;
    this.signedByUs.add(attempt);
  };

  /** Wire form equals canonical form: sorted RFC 3986 query, and under S3 rules an RFC 3986 path. */
  private canonicaliseUrl(url: URL): void {
    // Perf: URL setters re-parse the whole URL, so only set what actually changes.
    if (url.search !== "") {
      const query = `?${canonicalQuery(parseQuery(url.search))}`;
      if (query !== url.search) url.search = query;
    }
    if (this.s3Rules) {
      const path = encodeWirePath(url.pathname);
      if (path !== url.pathname) url.pathname = path;
    }
  }

  private async payloadHash(attempt: Attempt): Promise<string> {
    const body = attempt.body;
    if (!body) return EMPTY_SHA256;
    if (!body.replayable) {
      if (this.s3Rules) return UNSIGNED_PAYLOAD;
      throw new InvalidInputError(
        `${this.service} requests must sign their body, and a one-shot stream cannot be read twice`,
        { hint: "Pass the body as a string, bytes or a file" },
      );
    }
    const source = body.open();
    if (typeof source === "string" || source instanceof Uint8Array) return sha256Hex(source);
    // A file: S3 takes it unsigned; other services get its hash, read once here and again when sent.
    if (this.s3Rules) {
      source.destroy();
      return UNSIGNED_PAYLOAD;
    }
    const hash = createHash("sha256");
    for await (const chunk of source as AsyncIterable<Buffer>) hash.update(chunk);
    return hash.digest("hex");
  }

  /** A presigned URL: anyone holding it may make this one request until it expires. */
  async presign(input: PresignInput): Promise<URL> {
    const credentials = await this.options.credentials.get(input.signal);
    const url = new URL(input.url);
    if (this.s3Rules) url.pathname = encodeWirePath(url.pathname);
    const own = parseQuery(url.search);
    const headers: Pair[] = [["host", url.host]];
    for (const [name, value] of Object.entries(input.headers ?? {})) {
      if (name.toLowerCase() !== "host") headers.push([name, value]);
    }
    const request: SignableRequest = {
      method: input.method ?? "GET",
      path: url.pathname,
      query: own,
      headers,
      payloadHash: this.s3Rules ? UNSIGNED_PAYLOAD : EMPTY_SHA256,
    };
    const ctx = this.context(credentials, new Date(this.now()));
    const signed = signQuery(request, {
      ...ctx,
      contentSha256Header: false,
      expiresIn: input.expiresIn ?? 900,
    });
    const kept = own.filter(([name]) => !isPresignParam(name));
    url.search = [...kept, ...signed.query].map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join("&");
    return url;
  }

  /**
   * Sign an S3 upload whose body goes aws-chunked with chained chunk signatures: nothing is read ahead and
   * nothing hashed twice, yet every byte is signed. The request is signed now, so send it promptly (the
   * signature's date must be within 15 minutes of AWS's clock); a stream body is never retried anyway.
   */
  async signChunkedUpload(input: ChunkedUploadInput): Promise<ChunkedUpload> {
    const credentials = await this.options.credentials.get(input.signal);
    const chunkSize = input.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const contentLength = encodedContentLength(input.decodedLength, chunkSize);
    const url = new URL(input.url);
    this.canonicaliseUrl(url);

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
    for (const name of [...OWN_HEADERS, SHA256_HEADER]) delete headers[name];
    const encoding = headers["content-encoding"];
    headers["content-encoding"] = encoding ? `aws-chunked,${encoding}` : "aws-chunked";
    headers["content-length"] = String(contentLength);
    headers["x-amz-decoded-content-length"] = String(input.decodedLength);

    const ctx = { ...this.context(credentials, new Date(this.now())), contentSha256Header: true };
    const signed = signHeaders(
      {
        method: input.method,
        path: url.pathname,
        query: parseQuery(url.search),
        headers: [["host", url.host], ...Object.entries(headers)],
        payloadHash: STREAMING_PAYLOAD,
      },
      ctx,
    );
    for (const [name, value] of signed.headers) headers[name.toLowerCase()] = value;

    const encoder = new AwsChunkedEncoder(
      {
        signingKey: signingKey(credentials, signed.amzDate.slice(0, 8), this.region, this.service),
        amzDate: signed.amzDate,
        credentialScope: signed.credentialScope,
        seedSignature: signed.signature,
      },
      { chunkSize, decodedLength: input.decodedLength },
    );
    const source = input.body instanceof Readable ? input.body : Readable.from(input.body);
    // Errors reach the consumer through the encoder, which pipeline destroys along with the source.
    pipeline(source, encoder, () => {});
    return { url, headers, body: encoder, contentLength };
  }
}
