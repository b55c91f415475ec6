/** Storage account credentials: the account name and its base64 key, checked once and kept out of logs. */
import { InvalidInputError } from "../../core/errors.js";
import { registerSecret } from "../../core/redact.js";

export interface StorageAccountCredentials {
  readonly accountName: string;
  /** The account key as the portal shows it (base64). */
  readonly accountKey: string;
}

/** The well-known development account of the Azure storage emulators (Azurite), published by Microsoft. */
export const DEV_STORE_ACCOUNT: StorageAccountCredentials = Object.freeze({
  accountName: "devstoreaccount1",
  accountKey: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
});

/** A key's HMAC bytes, after checking it is base64; the error names the account, never the key. */
export function accountKeyBytes(creds: StorageAccountCredentials): Buffer {
  registerSecret(creds.accountKey);
  const key = creds.accountKey.trim();
  if (key === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) {
    throw new InvalidInputError(`The account key for storage account "${creds.accountName}" is not base64`, {
      provider: "azure",
      hint: "Copy key1 or key2 from the storage account's Access keys page",
    });
  }
  if (!/^[a-z0-9]{3,24}$/.test(creds.accountName)) {
    throw new InvalidInputError(
      `"${creds.accountName}" is not a storage account name (3–24 lower-case letters and digits)`,
      { provider: "azure" },
    );
  }
  return Buffer.from(key, "base64");
}
