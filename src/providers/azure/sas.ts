/**
 * Shared access signatures for Blob storage, signed with the account key: a service SAS for one container or
 * blob, and an account SAS across services. Each returns the query string (no leading "?"); the `…Url`
 * helpers append it to a URL.
 */
import { InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import { accountKeyBytes, type StorageAccountCredentials } from "./account-key.js";
import { AZURE_STORAGE_VERSION, signWithAccountKey } from "./shared-key.js";

/** The documented permission orders; the service expects the letters in this order. */
const SERVICE_PERMISSION_ORDER = "racwdxyltfmeopi";
const ACCOUNT_PERMISSION_ORDER = "rwdxylacuptfi";
const SERVICES_ORDER = "bfqt";
const RESOURCE_TYPES_ORDER = "sco";

/** Letters of `given` checked against `allowed` and put in its order; duplicates dropped. */
function ordered(given: string, allowed: string, what: string): string {
  for (const ch of given) {
    if (!allowed.includes(ch)) {
      throw new InvalidInputError(`"${ch}" is not a valid ${what} letter (allowed: ${allowed})`, {
        provider: "azure",
      });
    }
  }
  const out = [...allowed].filter((ch) => given.includes(ch)).join("");
  if (out === "") throw new InvalidInputError(`No ${what} given`, { provider: "azure" });
  return out;
}

/** SAS times are UTC ISO 8601 to the second: "2024-05-01T12:00:00Z". */
function sasTime(date: Date | undefined): string {
  return date === undefined ? "" : date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** "2021-10-04" style versions compare correctly as strings. */
function atLeast(version: string, than: string): boolean {
  return version >= than;
}

interface CommonSasOptions {
  /** Signed version (sv). Default AZURE_STORAGE_VERSION; 2015-04-05 or later. */
  version?: string;
  startsOn?: Date;
  expiresOn: Date;
  /** An IP or range, "168.1.5.60" or "168.1.5.60-168.1.5.70" (sip). */
  ipRange?: string;
  /** "https" or "https,http" (spr). */
  protocol?: "https" | "https,http";
  /** Encryption scope for writes (ses, 2020-12-06 and later). */
  encryptionScope?: string;
}

export interface BlobServiceSasOptions extends CommonSasOptions {
  credentials: StorageAccountCredentials;
  containerName: string;
  /** Omit for a container SAS (sr=c). */
  blobName?: string;
  /** Letters from "racwdxyltfmeopi", any order. Omit only with `identifier` (the policy supplies them). */
  permissions?: string;
  /** A stored access policy on the container (si). */
  identifier?: string;
  /** Snapshot time, for a SAS on one snapshot (sr=bs). */
  snapshotTime?: string;
  /** Response header overrides the reader gets (rscc, rscd, rsce, rscl, rsct). */
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentType?: string;
}

export interface SasResult {
  /** The query string, without "?". */
  query: string;
  /** For debugging a 403: compare with the string the service says it signed. */
  stringToSign: string;
}

function assertVersion(version: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version) || !atLeast(version, "2015-04-05")) {
    throw new InvalidInputError(`SAS version ${version} is not supported (2015-04-05 or later)`, {
      provider: "azure",
    });
  }
}

function assertTimes(o: CommonSasOptions): void {
  if (Number.isNaN(o.expiresOn.getTime())) {
    throw new InvalidInputError("The SAS expiry is not a valid date", { provider: "azure" });
  }
  if (o.startsOn && o.startsOn.getTime() >= o.expiresOn.getTime()) {
    throw new InvalidInputError("The SAS start must be before its expiry", { provider: "azure" });
  }
}

/** Query pairs with empty values left out, each part percent-encoded. */
function toQuery(pairs: Array<[string, string | undefined]>): string {
  return pairs
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== "")
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
}

/** A service SAS for a container or a blob, signed with the account key. */
export function blobServiceSas(o: BlobServiceSasOptions): SasResult {
  const version = o.version ?? AZURE_STORAGE_VERSION;
  assertVersion(version);
  assertTimes(o);
  if (!o.permissions && !o.identifier) {
    throw new InvalidInputError("A service SAS needs permissions or a stored access policy identifier", {
      provider: "azure",
    });
  }
  const key = accountKeyBytes(o.credentials);
  const permissions = o.permissions ? ordered(o.permissions, SERVICE_PERMISSION_ORDER, "permission") : "";
  const resource = o.blobName === undefined ? "c" : o.snapshotTime ? "bs" : "b";
  const path = o.blobName === undefined ? o.containerName : `${o.containerName}/${o.blobName}`;
  const canonical = `/blob/${o.credentials.accountName}/${path}`;
  const start = sasTime(o.startsOn);
  const expiry = sasTime(o.expiresOn);

  // Field order of the string to sign, by signed version (Create a service SAS, "Version 2020-12-06 and later").
  const fields = [
    permissions,
    start,
    expiry,
    canonical,
    o.identifier ?? "",
    o.ipRange ?? "",
    o.protocol ?? "",
    version,
  ];
  if (atLeast(version, "2018-11-09")) fields.push(resource, o.snapshotTime ?? "");
  if (atLeast(version, "2020-12-06")) fields.push(o.encryptionScope ?? "");
  fields.push(
    o.cacheControl ?? "",
    o.contentDisposition ?? "",
    o.contentEncoding ?? "",
    o.contentLanguage ?? "",
    o.contentType ?? "",
  );
  const stringToSign = fields.join("\n");
  const sig = signWithAccountKey(key, stringToSign);
  registerSecret(sig);
  registerSecret(encodeURIComponent(sig));

  const query = toQuery([
    ["sv", version],
    ["st", start],
    ["se", expiry],
    ["sr", resource],
    ["sp", permissions],
    ["sip", o.ipRange],
    ["spr", o.protocol],
    ["si", o.identifier],
    ["ses", atLeast(version, "2020-12-06") ? o.encryptionScope : undefined],
    ["rscc", o.cacheControl],
    ["rscd", o.contentDisposition],
    ["rsce", o.contentEncoding],
    ["rscl", o.contentLanguage],
    ["rsct", o.contentType],
    ["sig", sig],
  ]);
  return { query, stringToSign };
}

export interface AccountSasOptions extends CommonSasOptions {
  credentials: StorageAccountCredentials;
  /** Letters from "rwdxylacuptfi", any order. */
  permissions: string;
  /** Letters from "bfqt" (blob, file, queue, table). Default "b". */
  services?: string;
  /** Letters from "sco" (service, container, object). */
  resourceTypes: string;
}

/** An account SAS: service-, container- and object-level operations across the chosen services. */
export function accountSas(o: AccountSasOptions): SasResult {
  const version = o.version ?? AZURE_STORAGE_VERSION;
  assertVersion(version);
  assertTimes(o);
  const key = accountKeyBytes(o.credentials);
  const permissions = ordered(o.permissions, ACCOUNT_PERMISSION_ORDER, "account permission");
  const services = ordered(o.services ?? "b", SERVICES_ORDER, "service");
  const resourceTypes = ordered(o.resourceTypes, RESOURCE_TYPES_ORDER, "resource type");
  const start = sasTime(o.startsOn);
  const expiry = sasTime(o.expiresOn);

  const fields = [
    o.credentials.accountName,
    permissions,
    services,
    resourceTypes,
    start,
    expiry,
    o.ipRange ?? "",
    o.protocol ?? "",
    version,
  ];
  if (atLeast(version, "2020-12-06")) fields.push(o.encryptionScope ?? "");
  // The string to sign ends with a newline.
  const stringToSign = `${fields.join("\n")}\n`;
  const sig = signWithAccountKey(key, stringToSign);
  registerSecret(sig);
  registerSecret(encodeURIComponent(sig));

  const query = toQuery([
    ["sv", version],
    ["ss", services],
    ["srt", resourceTypes],
    ["sp", permissions],
    ["st", start],
    ["se", expiry],
    ["sip", o.ipRange],
    ["spr", o.protocol],
    ["ses", atLeast(version, "2020-12-06") ? o.encryptionScope : undefined],
    ["sig", sig],
  ]);
  return { query, stringToSign };
}

/** `url` with the SAS query appended (after any query it already has). */
export function withSas(url: string | URL, sasQuery: string): string {
  const base = String(url);
  return `${base}${base.includes("?") ? "&" : "?"}${sasQuery}`;
}

/**
 * The URL of a container or blob under `accountUrl` (e.g. "https://acct.blob.core.windows.net" or the
 * emulator's "http://127.0.0.1:10000/devstoreaccount1"), carrying a fresh service SAS.
 */
export function blobServiceSasUrl(accountUrl: string, o: BlobServiceSasOptions): string {
  const base = accountUrl.replace(/\/+$/, "");
  const blobPath =
    o.blobName === undefined ? "" : `/${o.blobName.split("/").map(encodeURIComponent).join("/")}`;
  return withSas(`${base}/${encodeURIComponent(o.containerName)}${blobPath}`, blobServiceSas(o).query);
}
