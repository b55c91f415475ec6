/**
 * A real OpenSSH server (Debian's openssh-server) as a child of the test process: 127.0.0.1 only, a free
 * high port, its own host keys, authorized_keys, pid file and log in a fresh temp dir, no PAM. Stopped by
 * PID (SIGTERM, SIGKILL after 10 s). Also an ssh-agent child and user keys made with ssh-keygen, so the
 * tests use keys exactly as users have them.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, inCi, stopChild } from "./child-process.js";

// Re-exported: the deploy tests take them from here.
export { freePort, stopChild };

const run = promisify(execFile);

export const SSHD = "/usr/sbin/sshd";
export const SSH_KEYGEN = "/usr/bin/ssh-keygen";
export const SSH_AGENT = "/usr/bin/ssh-agent";
export const SSH_ADD = "/usr/bin/ssh-add";

export interface KeyFiles {
  /** The private key file. */
  path: string;
  /** The public key line ("ssh-ed25519 AAAA… comment"). */
  pub: string;
  /** The private key file's text. */
  text: string;
}

export interface Sshd {
  host: "127.0.0.1";
  port: number;
  pid: number;
  /** The user the tests log in as: root under CI, else whoever runs the tests. */
  user: string;
  stateDir: string;
  hostKeys: { ed25519: KeyFiles; rsa: KeyFiles };
  authorizedKeysPath: string;
  command: string[];
  /** A known_hosts line for this server's key of the given type, in "[127.0.0.1]:port" form. */
  knownHostsLine(type?: "ed25519" | "rsa"): string;
  /** Adds public key lines to authorized_keys. */
  authorize(...pubs: string[]): Promise<void>;
  /** What sshd printed on stderr so far (its log, with -e). */
  log(): string;
  stop(): Promise<void>;
}

export interface KeyOptions {
  type?: "ed25519" | "ecdsa" | "rsa";
  passphrase?: string;
  /** "openssh" (ssh-keygen's default), "pem" (traditional PEM) or "pkcs8". */
  format?: "openssh" | "pem" | "pkcs8";
  bits?: number;
}

/** A key pair made by ssh-keygen in `dir`. */
export async function makeKey(dir: string, name: string, o: KeyOptions = {}): Promise<KeyFiles> {
  const path = join(dir, name);
  const args = [
    "-q",
    "-t",
    o.type ?? "ed25519",
    "-N",
    o.passphrase ?? "",
    "-C",
    `${name}@omnicloud-test`,
    "-f",
    path,
  ];
  if (o.format === "pem") args.push("-m", "PEM");
  if (o.format === "pkcs8") args.push("-m", "PKCS8");
  if (o.bits !== undefined) args.push("-b", String(o.bits));
  await run(SSH_KEYGEN, args);
  return { path, pub: (await readFile(`${path}.pub`, "utf8")).trim(), text: await readFile(path, "utf8") };
}

/** One probe: connect and read the server's identification line. */
function bannerProbe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let data = "";
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString("latin1");
      if (data.includes("\n")) finish(data.startsWith("SSH-2.0-"));
    });
    socket.on("end", () => finish(false));
  });
}

async function waitReady(
  child: ChildProcess,
  port: number,
  attempts: number,
  output: () => string,
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `sshd exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready:\n${output()}`,
      );
    }
    if (await bannerProbe(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sshd did not send its banner on port ${port} after ${attempts} probes:\n${output()}`);
}

async function opensshVersion(): Promise<[number, number]> {
  // `ssh -V` prints e.g. "OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15" on stderr.
  const { stderr } = await run("/usr/bin/ssh", ["-V"]);
  const m = /OpenSSH_(\d+)\.(\d+)/.exec(stderr);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

export interface SshdOptions {
  /** A fixed port (e.g. to start sshd where a client is already trying); default a free one. */
  port?: number;
  /** Host keys to reuse (e.g. another sshd's), so a client's known_hosts can be written beforehand. */
  hostKeys?: { ed25519: KeyFiles; rsa: KeyFiles };
  /** Public key lines authorized from the start. */
  authorizedKeys?: readonly string[];
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (!existsSync(SSHD))
    throw new Error(`${SSHD} not found: install openssh-server (scripts/apt/deploy.txt)`);
  const isRoot = process.getuid?.() === 0;
  const user = userInfo().username;
  // Privilege separation needs this directory when sshd runs as root; Debian creates it only at boot.
  if (isRoot && !existsSync("/run/sshd")) await mkdir("/run/sshd", { recursive: true, mode: 0o755 });

  const stateDir = await mkdtemp(join(tmpdir(), "omnicloud-sshd-"));
  const ed25519 =
    options.hostKeys?.ed25519 ?? (await makeKey(stateDir, "ssh_host_ed25519_key", { type: "ed25519" }));
  const rsa =
    options.hostKeys?.rsa ?? (await makeKey(stateDir, "ssh_host_rsa_key", { type: "rsa", bits: 3072 }));
  const authorizedKeysPath = join(stateDir, "authorized_keys");
  const authorized = (options.authorizedKeys ?? []).map((k) => `${k}\n`).join("");
  await writeFile(authorizedKeysPath, authorized, { mode: 0o600 });
  const [major, minor] = await opensshVersion();

  let lastError: unknown;
  for (let tries = 0; tries < (options.port === undefined ? 3 : 1); tries++) {
    const port = options.port ?? (await freePort());
    const configPath = join(stateDir, "sshd_config");
    const config = [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${ed25519.path}`,
      `HostKey ${rsa.path}`,
      `PidFile ${join(stateDir, "sshd.pid")}`,
      `AuthorizedKeysFile ${authorizedKeysPath}`,
      "UsePAM no",
      "StrictModes no",
      isRoot ? "PermitRootLogin prohibit-password" : "",
      `AllowUsers ${user}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication yes",
      "KbdInteractiveAuthentication no",
      "PermitUserEnvironment no",
      "PrintMotd no",
      "LogLevel VERBOSE",
      "MaxStartups 100",
      "Subsystem sftp internal-sftp",
      // From 9.8 on, sshd delays clients after failed logins; the tests fail logins on purpose.
      major > 9 || (major === 9 && minor >= 8) ? "PerSourcePenalties no" : "",
    ]
      .filter((l) => l !== "")
      .join("\n");
    await writeFile(configPath, `${config}\n`, { mode: 0o600 });
    const command = [SSHD, "-D", "-e", "-f", configPath];
    const child = spawn(command[0]!, command.slice(1), { cwd: stateDir, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer): void => {
      if (output.length < 1_000_000) output += chunk.toString("utf8");
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    try {
      await waitReady(child, port, 100, () => output);
    } catch (err) {
      lastError = err;
      await stopChild(child);
      continue;
    }
    const line = (k: KeyFiles): string => `[127.0.0.1]:${port} ${k.pub.split(/\s+/).slice(0, 2).join(" ")}`;
    return {
      host: "127.0.0.1",
      port,
      pid: child.pid!,
      user,
      stateDir,
      hostKeys: { ed25519, rsa },
      authorizedKeysPath,
      command,
      knownHostsLine: (type = "ed25519") => line(type === "rsa" ? rsa : ed25519),
      authorize: async (...pubs) => {
        const current = await readFile(authorizedKeysPath, "utf8");
        await writeFile(authorizedKeysPath, current + pubs.map((p) => `${p}\n`).join(""));
        await chmod(authorizedKeysPath, 0o600);
      },
      log: () => output,
      stop: async () => {
        await stopChild(child);
        await rm(stateDir, { recursive: true, force: true });
      },
    };
  }
  await rm(stateDir, { recursive: true, force: true });
  throw lastError;
}

/**
 * sshd for a test file, or undefined (with a loud warning) when it cannot start on a developer's machine.
 * Under CI, which installs openssh-server itself, failing to start is an error.
 */
export async function startSshdOrSkip(): Promise<Sshd | undefined> {
  try {
    return await startSshd();
  } catch (err) {
    if (inCi()) throw err;
    console.warn(`SKIPPED sshd tests: could not start OpenSSH's sshd: ${(err as Error).message}`);
    return undefined;
  }
}

export interface Agent {
  socket: string;
  pid: number;
  /** Loads a private key file into the agent. */
  add(keyPath: string): Promise<void>;
  stop(): Promise<void>;
}

/** ssh-agent in the foreground (-D) on a socket in `dir`, as our child. */
export async function startAgent(dir: string): Promise<Agent> {
  const socket = join(dir, `agent-${process.pid}.sock`);
  const child = spawn(SSH_AGENT, ["-D", "-a", socket], { stdio: ["ignore", "pipe", "pipe"] });
  for (let i = 0; i < 100 && !existsSync(socket); i++) {
    if (child.exitCode !== null) throw new Error(`ssh-agent exited with code ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!existsSync(socket)) {
    await stopChild(child);
    throw new Error("ssh-agent did not create its socket");
  }
  return {
    socket,
    pid: child.pid!,
    add: async (keyPath) => {
      await run(SSH_ADD, ["-q", keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    },
    stop: async () => {
      await stopChild(child);
      await rm(socket, { force: true });
    },
  };
}
