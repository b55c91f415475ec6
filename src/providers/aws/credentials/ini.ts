/**
 * The INI dialect of AWS's shared files (~/.aws/credentials and ~/.aws/config): `[section]` headers,
 * `key = value` lines, full-line comments with "#" or ";", inline comments after whitespace, and indented
 * sub-properties under a key with an empty value (`s3 =` then `  max_concurrent_requests = 20`), stored
 * as "s3.max_concurrent_requests". Keys are case-insensitive, as the AWS CLI's parser treats them.
 *
 * Errors name the file and line but never quote the line: it may hold a secret.
 */
import { InvalidInputError } from "../../../core/errors.js";

export type IniSections = Map<string, Map<string, string>>;

export function parseIni(text: string, file: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  /** The key whose indented sub-properties or continuation lines may follow. */
  let parentKey: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    const line = raw.trim();
    const where = `${file} line ${i + 1}`;
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;

    const indented = /^[ \t]/.test(raw);
    if (indented && current && parentKey !== undefined) {
      const kv = splitKeyValue(line);
      const parentValue = current.get(parentKey) ?? "";
      if (kv && parentValue === "") current.set(`${parentKey}.${kv[0]}`, kv[1]);
      else current.set(parentKey, parentValue === "" ? line : `${parentValue}\n${line}`);
      continue;
    }

    if (line.startsWith("[")) {
      if (!line.endsWith("]")) {
        throw new InvalidInputError(`Cannot parse ${where}: a section header must end with "]"`);
      }
      const name = line.slice(1, -1).trim();
      if (name === "") throw new InvalidInputError(`Cannot parse ${where}: the section name is empty`);
      current = sections.get(name);
      if (!current) {
        current = new Map();
        sections.set(name, current);
      }
      parentKey = undefined;
      continue;
    }

    const kv = splitKeyValue(line);
    if (!kv) {
      throw new InvalidInputError(`Cannot parse ${where}: expected "[section]" or "key = value"`, {
        hint: "The line's content is not shown because it may hold a secret",
      });
    }
    if (!current) {
      throw new InvalidInputError(`Cannot parse ${where}: a "key = value" line comes before any [section]`);
    }
    current.set(kv[0], kv[1]);
    parentKey = kv[0];
  }
  return sections;
}

function splitKeyValue(line: string): [string, string] | undefined {
  const eq = line.indexOf("=");
  if (eq <= 0) return undefined;
  const key = line.slice(0, eq).trim().toLowerCase();
  if (key === "" || /\s/.test(key)) return undefined;
  // Inline comments need whitespace before the marker: secrets are base64 and never contain it.
  const value = line
    .slice(eq + 1)
    .replace(/\s[#;].*$/, "")
    .trim();
  return [key, value];
}
