/**
 * The installKey step: adds a public key to the remote user's authorized_keys once. A key already there
 * (same key material, whatever its comment or options) is left alone, so running a deployment twice
 * changes nothing. Modes are what sshd's StrictModes wants: 0700 for ~/.ssh, 0600 for the file.
 */
import { posix } from "node:path";
import { InvalidInputError } from "../../core/errors.js";
import { parsePublicKey } from "../ssh-wire.js";
import type { DeployStep, StepContext, StepResult } from "./types.js";

export interface InstallKeyOptions {
  name?: string;
  /**
   * The authorized_keys file, absolute or relative to the login directory (default ".ssh/authorized_keys").
   * Directories it needs are created with mode 0700.
   */
  path?: string;
}

const DEFAULT_PATH = ".ssh/authorized_keys";

function hasKey(content: string, blob: Buffer): boolean {
  for (const line of content.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    try {
      if (parsePublicKey(trimmed).blob.equals(blob)) return true;
    } catch {
      // A line we cannot read is not our key; sshd ignores such lines too.
    }
  }
  return false;
}

export function installKey(publicKey: string, options: InstallKeyOptions = {}): DeployStep {
  const line = publicKey.trim();
  if (line.includes("\n")) throw new InvalidInputError("installKey takes one public key line");
  const key = parsePublicKey(line);
  const path = options.path ?? DEFAULT_PATH;
  const name = options.name ?? `installKey ${key.type} ${key.fingerprint}`;

  return {
    name,
    async run({ session }: StepContext): Promise<StepResult> {
      const started = performance.now();
      const dir = posix.dirname(path);
      if (dir !== "." && dir !== "/") await session.mkdirs(dir, 0o700);
      // ~/.ssh is ours to fix: sshd refuses keys under a group- or world-writable one.
      if (options.path === undefined) await session.chmod(dir, 0o700);
      const existing = (await session.readFile(path))?.toString("utf8") ?? "";
      const changed = !hasKey(existing, key.blob);
      if (changed) {
        const separator = existing === "" || existing.endsWith("\n") ? "" : "\n";
        await session.writeFile(path, Buffer.from(`${existing}${separator}${line}\n`), { mode: 0o600 });
      } else {
        await session.chmod(path, 0o600);
      }
      return { step: name, durationMs: Math.round(performance.now() - started), changed };
    },
  };
}
