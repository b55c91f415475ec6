/**
 * What the Cloud DNS driver settles before its first request: whose key signs the token requests, which
 * project the zones are in, and what managed-zone name a new zone gets.
 */
import { InvalidInputError } from "../../core/errors.js";
import type { GoogleDnsOptions } from "./dns.js";
import { loadServiceAccountKey, parseServiceAccountKey, type ServiceAccountKey } from "./service-account.js";

export interface ResolvedGoogleAuth {
  project: string;
  /** Absent when the caller authorises requests with its own hook. */
  key?: ServiceAccountKey | undefined;
}

async function keyFrom(options: GoogleDnsOptions): Promise<ServiceAccountKey | undefined> {
  const given = options.credentials;
  if (typeof given === "string") return parseServiceAccountKey(given, "the credentials option");
  if (given) return given;
  if (options.keyFile) return loadServiceAccountKey(options.keyFile);
  if (options.authorize) return undefined;
  const fromEnv = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (fromEnv) return loadServiceAccountKey(fromEnv);
  throw new InvalidInputError("Cloud DNS needs a service-account key", {
    provider: "google",
    hint: "Pass { keyFile } or { credentials }, or set GOOGLE_APPLICATION_CREDENTIALS to a key file",
  });
}

export async function resolveGoogleAuth(options: GoogleDnsOptions): Promise<ResolvedGoogleAuth> {
  const key = await keyFrom(options);
  const project = options.project ?? key?.projectId ?? process.env.GOOGLE_CLOUD_PROJECT;
  if (!project) {
    throw new InvalidInputError("Cloud DNS needs the project its zones are in", {
      provider: "google",
      hint: "Pass { project }, use a key file with project_id, or set GOOGLE_CLOUD_PROJECT",
    });
  }
  return { project, key };
}

/**
 * A managed-zone name for a DNS name: "example.com." -> "example-com". Cloud DNS wants 1 to 63 lower-case
 * letters, digits and dashes, starting with a letter and ending with a letter or digit.
 */
export function managedZoneNameFor(dnsName: string): string {
  let name = dnsName
    .toLowerCase()
    .replace(/\.$/, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(name)) name = `zone-${name}`;
  return name.slice(0, 63).replace(/-+$/, "");
}
