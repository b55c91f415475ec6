/** S3's bucket-name rules, checked before any request so a bad name fails with the rule it broke. */
import { isIP } from "node:net";
import { InvalidInputError } from "../../core/errors.js";

const AWS_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const AWS_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** Why `name` is not a valid bucket name, or undefined when it is. */
export function bucketNameProblem(name: string, awsRules: boolean): string | undefined {
  if (name.length < 3 || name.length > 63) return "it must be 3 to 63 characters long";
  if (!/^[a-z0-9.-]+$/.test(name)) return "it may only use lower-case letters, digits, '.' and '-'";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    return "it must start and end with a letter or digit";
  if (name.includes("..")) return "it may not contain two dots in a row";
  if (isIP(name) !== 0) return "it may not look like an IP address";
  if (awsRules) {
    const prefix = AWS_PREFIXES.find((p) => name.startsWith(p));
    if (prefix) return `it may not start with "${prefix}" (reserved by AWS)`;
    const suffix = AWS_SUFFIXES.find((s) => name.endsWith(s));
    if (suffix) return `it may not end with "${suffix}" (reserved by AWS)`;
  }
  return undefined;
}

export function checkBucketName(name: string, provider: string, awsRules: boolean): void {
  const problem = bucketNameProblem(name, awsRules);
  if (problem) {
    throw new InvalidInputError(`"${name}" is not a valid ${provider} bucket name: ${problem}`, {
      hint: 'Bucket names follow DNS rules: e.g. "my-photos-2026"',
    });
  }
}
