/**
 * The `azure-blob` driver's options, and how they resolve to an account, an endpoint and one way of
 * authorising requests: Shared Key (account + key), a SAS token, a bearer hook (Entra ID), or nothing
 * (public containers only). Connection strings and the az CLI's environment variables are read too.
 */
import { InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";
import type { TransportOptions } from "../../core/transport/transport.js";
import type { Attempt } from "../../core/transport/types.js";
import type { MultipartLimits } from "../../storage/driver.js";
import { DEV_STORE_ACCOUNT, type StorageAccountCredentials } from "./account-key.js";

/** Transport settings a caller may tune (tests pass a MockAgent as `dispatcher`). */
export type AzureBlobTransportOptions = Omit<
  TransportOptions,
  "provider" | "authorize" | "parseError" | "requestIdHeaders"
>;

/** Azure access tiers for block blobs. */
export type AzureAccessTier = "Hot" | "Cool" | "Cold" | "Archive" | (string & {});

/** Write options Azure has beyond the portable ones: `upload(…, { extras: { accessTier: "Cool" } })`. */
export interface AzureBlobWriteExtras {
  /** The blob's access tier. Default: the account's default tier. */
  accessTier?: AzureAccessTier;
  /** Blob index tags (searchable key-value pairs). */
  tags?: Record<string, string>;
}

export interface AzureBlobStorageOptions {
  /** Storage account name. Default: from the connection string, the endpoint, or AZURE_STORAGE_ACCOUNT. */
  account?: string;
  /** The account key (base64), for Shared Key. Default: the connection string's, or AZURE_STORAGE_KEY. */
  accountKey?: string;
  /** A SAS token (the query string, with or without "?") sent on every request instead of a key. */
  sasToken?: string;
  /**
   * A connection string as the portal shows it ("DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…")
   * or "UseDevelopmentStorage=true". Default: AZURE_STORAGE_CONNECTION_STRING when nothing else is given.
   */
  connectionString?: string;
  /**
   * The Blob service endpoint. Default "https://{account}.blob.core.windows.net". An emulator uses path
   * style, the account being the first path segment: "http://127.0.0.1:10000/devstoreaccount1".
   */
  endpoint?: string;
  /**
   * Bearer authorisation, e.g. an `AzureClientCredentials` with scope "https://storage.azure.com/.default".
   * Signed URLs need the account key and are then unavailable.
   */
  bearer?: { authorize(attempt: Attempt): void | Promise<void> };
  /** Send no credentials at all: only containers with public access can be read. */
  anonymous?: boolean;
  /**
   * Where public URLs point, e.g. a CDN in front of the account ("https://cdn.example.com", the container
   * then follows in the path) or of one container ("https://{container}.example.com", "{container}" is
   * replaced). Default: the blob's own URL.
   */
  publicBaseUrl?: string;
  /** Block sizes and counts, where a caller wants other defaults than Azure's documented limits. */
  multipart?: Partial<MultipartLimits>;
  /** How long to wait for a server-side copy the service reports as pending. Default 10 minutes. */
  copyTimeoutMs?: number;
  /** Defaults for every write; per-upload `extras` override them. */
  accessTier?: AzureAccessTier;
  /** The REST version sent as x-ms-version. Default AZURE_STORAGE_VERSION. */
  version?: string;
  transport?: AzureBlobTransportOptions;
}

/** How requests are authorised, once resolved. */
export type BlobAuth =
  | { kind: "shared-key"; credentials: StorageAccountCredentials }
  | { kind: "sas"; token: string }
  | { kind: "bearer"; authorize(attempt: Attempt): void | Promise<void> }
  | { kind: "anonymous" };

export interface ResolvedBlobOptions {
  account: string;
  /** The account's Blob endpoint, without a trailing slash. */
  endpoint: string;
  auth: BlobAuth;
}

const DEV_ENDPOINT = `http://127.0.0.1:10000/${DEV_STORE_ACCOUNT.accountName}`;

/** "Key=Value;Key=Value" into a map; values may contain "=" (keys and SAS tokens do). */
export function parseConnectionString(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(";")) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) {
      throw new InvalidInputError("The Azure storage connection string has a part without a key", {
        provider: "azure-blob",
        hint: 'It looks like "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…"',
      });
    }
    out.set(trimmed.slice(0, eq).toLowerCase(), trimmed.slice(eq + 1));
  }
  return out;
}

/** The account an endpoint names: the first host label of "acct.blob.…", else the first path segment. */
export function accountFromEndpoint(endpoint: string): string | undefined {
  const url = new URL(endpoint);
  const host = /^([a-z0-9]{3,24})\.blob\./i.exec(url.hostname);
  if (host?.[1]) return host[1].toLowerCase();
  const segment = url.pathname.split("/").find((s) => s !== "");
  return segment === undefined ? undefined : decodeURIComponent(segment);
}

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

function checkEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new InvalidInputError(`"${endpoint}" is not a valid Azure Blob endpoint URL`, {
      provider: "azure-blob",
    });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InvalidInputError(`The Azure Blob endpoint must be http or https, not ${url.protocol}`, {
      provider: "azure-blob",
    });
  }
  if (url.search !== "" || url.hash !== "") {
    throw new InvalidInputError("The Azure Blob endpoint may not carry a query or fragment", {
      provider: "azure-blob",
      hint: "Pass a SAS token as sasToken instead",
    });
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * Resolve options into account, endpoint and auth. Explicit options win over a connection string, which
 * wins over the environment. The emulator's well-known account gets its published key by default.
 */
export function resolveBlobOptions(o: AzureBlobStorageOptions): ResolvedBlobOptions {
  // The environment is a fallback for a store opened with no settings at all, never mixed into explicit ones.
  const explicit = [o.account, o.accountKey, o.sasToken, o.endpoint, o.bearer, o.connectionString].some(
    (v) => v !== undefined,
  );
  const fromEnv = (name: string): string | undefined => (explicit || o.anonymous ? undefined : env(name));
  const csText = o.connectionString ?? fromEnv("AZURE_STORAGE_CONNECTION_STRING");
  const cs = csText === undefined ? new Map<string, string>() : parseConnectionString(csText);
  if (csText !== undefined) registerSecret(cs.get("accountkey") ?? "");
  const dev = cs.get("usedevelopmentstorage")?.toLowerCase() === "true";

  let endpoint =
    o.endpoint ??
    cs.get("blobendpoint") ??
    (dev ? (cs.get("developmentstorageproxyuri") ?? DEV_ENDPOINT) : undefined);
  if (endpoint !== undefined) endpoint = checkEndpoint(endpoint);
  const account =
    o.account ??
    cs.get("accountname") ??
    (dev ? DEV_STORE_ACCOUNT.accountName : undefined) ??
    (endpoint ? accountFromEndpoint(endpoint) : undefined) ??
    fromEnv("AZURE_STORAGE_ACCOUNT");
  if (account === undefined) {
    throw new InvalidInputError("Azure Blob storage needs a storage account", {
      provider: "azure-blob",
      hint: "Pass account (and accountKey or sasToken), an endpoint, or a connectionString",
    });
  }
  if (endpoint === undefined) {
    const protocol = cs.get("defaultendpointsprotocol") ?? "https";
    const suffix = cs.get("endpointsuffix") ?? "core.windows.net";
    endpoint = checkEndpoint(`${protocol}://${account}.blob.${suffix}`);
  }

  const sas = o.sasToken ?? cs.get("sharedaccesssignature") ?? fromEnv("AZURE_STORAGE_SAS_TOKEN");
  const key =
    o.accountKey ??
    cs.get("accountkey") ??
    fromEnv("AZURE_STORAGE_KEY") ??
    (account === DEV_STORE_ACCOUNT.accountName ? DEV_STORE_ACCOUNT.accountKey : undefined);

  let auth: BlobAuth;
  if (o.anonymous) auth = { kind: "anonymous" };
  else if (o.bearer) auth = { kind: "bearer", authorize: (a) => o.bearer!.authorize(a) };
  // A SAS given on purpose wins over the emulator's default key, so SAS-only access can be exercised there.
  else if (sas !== undefined && (o.accountKey === undefined || o.sasToken !== undefined)) {
    auth = { kind: "sas", token: sas.replace(/^\?/, "") };
  } else if (key !== undefined)
    auth = { kind: "shared-key", credentials: { accountName: account, accountKey: key } };
  else {
    throw new InvalidInputError(`Azure Blob storage account "${account}" needs credentials`, {
      provider: "azure-blob",
      hint: "Pass accountKey, sasToken or bearer, or anonymous: true for public containers",
    });
  }
  if (auth.kind === "sas") {
    const sig = new URLSearchParams(auth.token).get("sig");
    if (!sig) {
      throw new InvalidInputError("The SAS token has no sig parameter", {
        provider: "azure-blob",
        hint: "Pass the whole token, e.g. sv=…&se=…&sp=…&sig=…",
      });
    }
    registerSecret(sig);
    registerSecret(encodeURIComponent(sig));
  }
  return { account, endpoint, auth };
}
