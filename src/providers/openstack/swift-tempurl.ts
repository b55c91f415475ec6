/**
 * TempURL signed URLs. The signature is an HMAC over "METHOD\nEXPIRES\nPATH" (PATH being the object's
 * unencoded path, /v1/AUTH_x/container/object) keyed by the account's X-Account-Meta-Temp-URL-Key. The
 * digest is the strongest of SHA-256 and SHA-1 the cluster's /info lists as allowed.
 */
import { createHmac, randomBytes } from "node:crypto";
import { InvalidInputError } from "../../core/errors.js";
import { headerValue } from "../../core/transport/response-error.js";
import type { SignedUrlRequest } from "../../storage/driver.js";
import type { SwiftHttp } from "./swift-requests.js";

export class TempUrlSigner {
  private key: Promise<string> | undefined;
  private digest: Promise<"sha256" | "sha1"> | undefined;

  constructor(
    private readonly http: SwiftHttp,
    private readonly info: (signal?: AbortSignal) => Promise<Record<string, unknown>>,
    givenKey: string | undefined,
  ) {
    if (givenKey) this.key = Promise.resolve(givenKey);
  }

  private async loadKey(signal?: AbortSignal): Promise<string> {
    const head = await this.http.send({ method: "HEAD", signal });
    const existing = headerValue(head.headers, "x-account-meta-temp-url-key");
    if (existing) return existing;
    // None yet: set one (needs an account owner; a refusal surfaces as the PermissionError it is).
    const key = randomBytes(24).toString("hex");
    await this.http.send({ method: "POST", headers: { "x-account-meta-temp-url-key": key }, signal });
    return key;
  }

  private async loadDigest(signal?: AbortSignal): Promise<"sha256" | "sha1"> {
    const tempurl = (await this.info(signal)).tempurl as { allowed_digests?: string[] } | undefined;
    if (!tempurl)
      throw new InvalidInputError(`${this.http.provider}: this cluster has no tempurl middleware`);
    const allowed = tempurl.allowed_digests ?? ["sha1"];
    return allowed.includes("sha256") ? "sha256" : "sha1";
  }

  async sign(request: SignedUrlRequest): Promise<URL> {
    this.key ??= this.loadKey(request.signal);
    this.digest ??= this.loadDigest(request.signal);
    const [key, digest] = await Promise.all([this.key, this.digest]).catch((err: unknown) => {
      this.key = undefined;
      this.digest = undefined;
      throw err;
    });
    const url = new URL(await this.http.url(request.container, request.name, request.signal ?? undefined));
    const expires = Math.floor(Date.now() / 1000) + request.expiresIn;
    const path = decodeURIComponent(url.pathname);
    const sig = createHmac(digest, key).update(`${request.method}\n${expires}\n${path}`).digest("hex");
    url.searchParams.set("temp_url_sig", sig);
    url.searchParams.set("temp_url_expires", String(expires));
    return url;
  }
}
