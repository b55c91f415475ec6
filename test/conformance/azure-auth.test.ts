/**
 * Shared Key and SAS signing proved against a real Blob service (Azurite on 127.0.0.1), every request through
 * omnicloud's Transport: the right key works, a wrong key and a tampered or expired SAS get typed 403s, SAS
 * permissions are enforced, and no secret reaches a log line or an error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError, OmnicloudError, PermissionError } from "../../src/core/errors.js";
import { Transport } from "../../src/core/transport/transport.js";
import type { Attempt, HttpRequest } from "../../src/core/transport/types.js";
import { DEV_STORE_ACCOUNT } from "../../src/providers/azure/account-key.js";
import { azureStorageErrorParser } from "../../src/providers/azure/errors.js";
import { accountSas, blobServiceSas, blobServiceSasUrl, withSas } from "../../src/providers/azure/sas.js";
import { sharedKeyAuthorizer } from "../../src/providers/azure/shared-key.js";
import { type Azurite, startAzurite } from "../support/azurite.js";

const WRONG = {
  accountName: DEV_STORE_ACCOUNT.accountName,
  accountKey: Buffer.alloc(64, 7).toString("base64"),
};
const CONTAINER = "omni-auth";
const BLOB = "dir/hello world é.txt";
const BODY = "hello from omnicloud";
const HOUR = 3_600_000;

/** A blob path as it goes in a URL: each segment encoded, slashes kept. */
const blobPath = (name: string): string => name.split("/").map(encodeURIComponent).join("/");

describe("Azure Shared Key and SAS against Azurite", () => {
  let azurite: Azurite;
  const logLines: string[] = [];
  const errors: OmnicloudError[] = [];
  /** Every secret-bearing value these flows produced, to prove none leaked. */
  const secrets = new Set<string>([DEV_STORE_ACCOUNT.accountKey, WRONG.accountKey]);
  const transports: Transport[] = [];

  /** A transport signing with `creds`, recording each Shared Key signature it sends. */
  const signed = (creds: { accountName: string; accountKey: string }): Transport => {
    const authorize = sharedKeyAuthorizer(creds);
    const t = new Transport({
      provider: "azure",
      parseError: azureStorageErrorParser,
      logger: (line) => logLines.push(line),
      authorize: (attempt: Attempt) => {
        authorize(attempt);
        secrets.add(attempt.headers.authorization!.split(":")[1]!);
      },
    });
    transports.push(t);
    return t;
  };
  const anonymous = (): Transport => {
    const t = new Transport({
      provider: "azure",
      parseError: azureStorageErrorParser,
      logger: (line) => logLines.push(line),
    });
    transports.push(t);
    return t;
  };

  /** The error a call fails with, kept for the leak check. */
  const failure = async (call: Promise<unknown>): Promise<OmnicloudError> => {
    try {
      await call;
    } catch (err) {
      expect(err).toBeInstanceOf(OmnicloudError);
      errors.push(err as OmnicloudError);
      return err as OmnicloudError;
    }
    throw new Error("expected the call to fail");
  };

  const sasSig = (query: string): string => {
    const sig = new URLSearchParams(query).get("sig")!;
    secrets.add(sig);
    secrets.add(encodeURIComponent(sig));
    return sig;
  };

  const putBlob = (url: string, body: string): HttpRequest => ({
    method: "PUT",
    url,
    headers: { "x-ms-blob-type": "BlockBlob", "content-type": "text/plain" },
    body,
  });

  let good: Transport;
  let sasClient: Transport;

  beforeAll(async () => {
    azurite = await startAzurite();
    console.log(`Azurite: ${azurite.command.join(" ")} (pid ${azurite.pid})`);
    good = signed(DEV_STORE_ACCOUNT);
    sasClient = anonymous();
  });

  afterAll(async () => {
    for (const t of transports) await t.close();
    await azurite?.stop();
  });

  describe("Shared Key", () => {
    it("creates a container, puts, gets and lists a blob with the right key", async () => {
      const container = `${azurite.accountUrl}/${CONTAINER}`;
      const created = await good.send({ method: "PUT", url: container, query: { restype: "container" } });
      expect(created.status).toBe(201);

      const put = await good.send({
        ...putBlob(`${container}/${blobPath(BLOB)}`, BODY),
        headers: {
          "x-ms-blob-type": "BlockBlob",
          "content-type": "text/plain; charset=utf-8",
          "x-ms-meta-owner": "ann",
          "x-ms-meta-Note": "  padded value  ",
          "x-ms-meta-spaced": "two  spaces",
        },
      });
      expect(put.status).toBe(201);

      const got = await good.send({ method: "GET", url: `${container}/${blobPath(BLOB)}` });
      expect(got.status).toBe(200);
      expect(got.body.toString("utf8")).toBe(BODY);
      expect(got.headers["x-ms-meta-owner"]).toBe("ann");
      expect(got.headers["x-ms-meta-spaced"]).toBe("two  spaces");

      const listed = await good.send({
        method: "GET",
        url: container,
        // Several query parameters, signed sorted by name.
        query: { restype: "container", comp: "list", prefix: "dir/", include: "metadata" },
      });
      expect(listed.status).toBe(200);
      expect(listed.body.toString("utf8")).toContain("<Name>dir/hello world é.txt</Name>");
    });

    it("signs HEAD, ranges, empty bodies and account-level calls", async () => {
      const url = `${azurite.accountUrl}/${CONTAINER}/${blobPath(BLOB)}`;
      const head = await good.send({ method: "HEAD", url });
      expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(BODY)));

      const range = await good.send({ method: "GET", url, headers: { range: "bytes=0-4" } });
      expect(range.status).toBe(206);
      expect(range.body.toString("utf8")).toBe("hello");

      const empty = await good.send(putBlob(`${azurite.accountUrl}/${CONTAINER}/empty`, ""));
      expect(empty.status).toBe(201);

      const containers = await good.send({ method: "GET", url: azurite.accountUrl, query: { comp: "list" } });
      expect(containers.body.toString("utf8")).toContain(`<Name>${CONTAINER}</Name>`);
    });

    it("maps a missing blob on HEAD (no body) to NotFound from x-ms-error-code", async () => {
      const err = await failure(
        good.send({ method: "HEAD", url: `${azurite.accountUrl}/${CONTAINER}/nope` }),
      );
      expect(err.kind).toBe("NotFound");
      expect(err.status).toBe(404);
    });

    it("a wrong key gets 403, typed as AuthError with the x-ms-request-id", async () => {
      const bad = signed(WRONG);
      const err = await failure(
        bad.send({ method: "GET", url: `${azurite.accountUrl}/${CONTAINER}/${blobPath(BLOB)}` }),
      );
      expect(err).toBeInstanceOf(AuthError);
      expect(err.status).toBe(403);
      // Azure says AuthenticationFailed; Azurite says AuthorizationFailure with the same message.
      expect(["AuthenticationFailed", "AuthorizationFailure"]).toContain(err.code);
      expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(err.message).toContain(err.requestId!);

      const put = await failure(
        bad.send({ method: "PUT", url: `${azurite.accountUrl}/other`, query: { restype: "container" } }),
      );
      expect(put).toBeInstanceOf(AuthError);
    });
  });

  describe("service SAS", () => {
    const times = () => ({
      startsOn: new Date(Date.now() - 5 * 60_000),
      expiresOn: new Date(Date.now() + HOUR),
    });

    it("a read-only blob SAS reads the blob and may not write it", async () => {
      const sas = blobServiceSas({
        credentials: DEV_STORE_ACCOUNT,
        containerName: CONTAINER,
        blobName: BLOB,
        permissions: "r",
        ...times(),
      });
      sasSig(sas.query);
      const url = withSas(`${azurite.accountUrl}/${CONTAINER}/${blobPath(BLOB)}`, sas.query);
      const got = await sasClient.send({ method: "GET", url });
      expect(got.body.toString("utf8")).toBe(BODY);

      const err = await failure(sasClient.send(putBlob(url, "overwrite")));
      expect(err).toBeInstanceOf(PermissionError);
      expect(err.status).toBe(403);
      expect(err.requestId).toBeDefined();
    });

    it("a create/write blob SAS (built as a URL) uploads, with response overrides signed in", async () => {
      const url = blobServiceSasUrl(azurite.accountUrl, {
        credentials: DEV_STORE_ACCOUNT,
        containerName: CONTAINER,
        blobName: "sas/written.txt",
        permissions: "wcr",
        contentDisposition: "attachment; filename=written.txt",
        ...times(),
      });
      sasSig(new URL(url).search.slice(1));
      expect(new URL(url).searchParams.get("sp")).toBe("rcw");
      expect((await sasClient.send(putBlob(url, "via sas"))).status).toBe(201);
      const got = await sasClient.send({ method: "GET", url });
      expect(got.body.toString("utf8")).toBe("via sas");
      expect(got.headers["content-disposition"]).toBe("attachment; filename=written.txt");
    });

    it("a container SAS lists and reads within its permissions", async () => {
      const sas = blobServiceSas({
        credentials: DEV_STORE_ACCOUNT,
        containerName: CONTAINER,
        permissions: "lr",
        protocol: "https,http",
        ...times(),
      });
      sasSig(sas.query);
      const listUrl = withSas(`${azurite.accountUrl}/${CONTAINER}?restype=container&comp=list`, sas.query);
      const listed = await sasClient.send({ method: "GET", url: listUrl });
      expect(listed.body.toString("utf8")).toContain("sas/written.txt");

      const blobUrl = withSas(`${azurite.accountUrl}/${CONTAINER}/${blobPath(BLOB)}`, sas.query);
      expect((await sasClient.send({ method: "GET", url: blobUrl })).status).toBe(200);
      const err = await failure(sasClient.send(putBlob(blobUrl, "no")));
      expect(err.status).toBe(403);
    });

    it("a tampered signature, widened permissions or an expired SAS get 403", async () => {
      const base = `${azurite.accountUrl}/${CONTAINER}/${blobPath(BLOB)}`;
      const sas = blobServiceSas({
        credentials: DEV_STORE_ACCOUNT,
        containerName: CONTAINER,
        blobName: BLOB,
        permissions: "r",
        ...times(),
      });
      const sig = sasSig(sas.query);

      const flipped = sig.startsWith("A") ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
      const tampered = sas.query.replace(
        `sig=${encodeURIComponent(sig)}`,
        `sig=${encodeURIComponent(flipped)}`,
      );
      expect(tampered).not.toBe(sas.query);
      const e1 = await failure(sasClient.send({ method: "GET", url: withSas(base, tampered) }));
      expect(e1).toBeInstanceOf(AuthError);
      expect(e1.status).toBe(403);

      const widened = sas.query.replace("sp=r&", "sp=rw&");
      expect(widened).not.toBe(sas.query);
      const e2 = await failure(sasClient.send(putBlob(withSas(base, widened), "sneaky")));
      expect(e2.status).toBe(403);

      const expired = blobServiceSas({
        credentials: DEV_STORE_ACCOUNT,
        containerName: CONTAINER,
        blobName: BLOB,
        permissions: "r",
        startsOn: new Date(Date.now() - 2 * HOUR),
        expiresOn: new Date(Date.now() - HOUR),
      });
      sasSig(expired.query);
      const e3 = await failure(sasClient.send({ method: "GET", url: withSas(base, expired.query) }));
      expect(e3.status).toBe(403);
      expect([AuthError, PermissionError].some((c) => e3 instanceof c)).toBe(true);
      expect(e3.requestId).toBeDefined();
    });
  });

  describe("account SAS", () => {
    const times = () => ({
      startsOn: new Date(Date.now() - 5 * 60_000),
      expiresOn: new Date(Date.now() + HOUR),
    });

    it("a read/list account SAS lists containers and reads blobs, and may not write", async () => {
      const sas = accountSas({
        credentials: DEV_STORE_ACCOUNT,
        services: "b",
        resourceTypes: "sco",
        permissions: "lr",
        ...times(),
      });
      sasSig(sas.query);
      expect(new URLSearchParams(sas.query).get("sp")).toBe("rl");
      const list = await sasClient.send({
        method: "GET",
        url: withSas(`${azurite.accountUrl}?comp=list`, sas.query),
      });
      expect(list.body.toString("utf8")).toContain(`<Name>${CONTAINER}</Name>`);

      const blobUrl = withSas(`${azurite.accountUrl}/${CONTAINER}/${blobPath(BLOB)}`, sas.query);
      expect((await sasClient.send({ method: "GET", url: blobUrl })).body.toString("utf8")).toBe(BODY);
      const err = await failure(sasClient.send(putBlob(blobUrl, "no")));
      expect(err.status).toBe(403);
    });

    it("a write account SAS uploads; a tampered or expired one is refused", async () => {
      const sas = accountSas({
        credentials: DEV_STORE_ACCOUNT,
        resourceTypes: "co",
        permissions: "rwc",
        ...times(),
      });
      const sig = sasSig(sas.query);
      const url = withSas(`${azurite.accountUrl}/${CONTAINER}/account-sas.txt`, sas.query);
      expect((await sasClient.send(putBlob(url, "account sas"))).status).toBe(201);

      const tampered = sas.query.replace(
        `sig=${encodeURIComponent(sig)}`,
        // Change the first character to one it is not, so the tampering is never a no-op.
        `sig=${encodeURIComponent(`${sig.startsWith("x") ? "y" : "x"}${sig.slice(1)}`)}`,
      );
      const e1 = await failure(
        sasClient.send({
          method: "GET",
          url: withSas(`${azurite.accountUrl}/${CONTAINER}/account-sas.txt`, tampered),
        }),
      );
      expect(e1).toBeInstanceOf(AuthError);

      const expired = accountSas({
        credentials: DEV_STORE_ACCOUNT,
        resourceTypes: "co",
        permissions: "r",
        startsOn: new Date(Date.now() - 2 * HOUR),
        expiresOn: new Date(Date.now() - HOUR),
      });
      sasSig(expired.query);
      const e2 = await failure(
        sasClient.send({
          method: "GET",
          url: withSas(`${azurite.accountUrl}/${CONTAINER}/account-sas.txt`, expired.query),
        }),
      );
      expect(e2.status).toBe(403);
    });
  });

  describe("secrets", () => {
    it("no key, signature or SAS sig appears in log lines or errors", () => {
      expect(logLines.length).toBeGreaterThan(10);
      expect(errors.length).toBeGreaterThanOrEqual(8);
      const texts = [
        ...logLines,
        ...errors.flatMap((e) => [
          e.message,
          JSON.stringify(e.toJSON()),
          e.bodyExcerpt ?? "",
          e.request ?? "",
          e.stack ?? "",
          String((e.cause as Error | undefined)?.message ?? ""),
        ]),
      ].join("\n");
      const leaked = [...secrets].filter((s) => s.length >= 6 && texts.includes(s));
      expect(leaked).toEqual([]);
    });
  });
});
