/**
 * omnicloud/deploy against a real OpenSSH sshd on 127.0.0.1 (test/support/sshd.ts): the steps end to end,
 * host keys refused when they do not match or nothing vouches for them, failures that stop at the first
 * attempt, scripts that fail or hang, every key format users have, and secrets kept out of logs and errors.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthError,
  InvalidInputError,
  NetworkError,
  OmnicloudError,
  TimeoutError,
} from "../../src/core/errors.js";
import {
  type ConnectAttemptEvent,
  connectSsh,
  type DeployLogEntry,
  deploy,
  HostKeyError,
  installKey,
  type OutputChunk,
  parsePrivateKey,
  runScript,
  type SshTarget,
  StepFailedError,
  sequence,
  uploadFile,
} from "../../src/deploy/index.js";
import {
  type Agent,
  freePort,
  type KeyFiles,
  makeKey,
  type Sshd,
  startAgent,
  startSshd,
  startSshdOrSkip,
} from "../support/sshd.js";

const run = promisify(execFile);
const sshd = await startSshdOrSkip();

/** Every log line and every error the tests saw, checked for secrets at the end. */
const logs: DeployLogEntry[] = [];
const errors: unknown[] = [];
const secrets: string[] = [];
const log = (entry: DeployLogEntry): void => {
  logs.push(entry);
};

async function expectFailure(promise: Promise<unknown>): Promise<OmnicloudError> {
  try {
    await promise;
  } catch (err) {
    errors.push(err);
    expect(err).toBeInstanceOf(OmnicloudError);
    return err as OmnicloudError;
  }
  throw new Error("expected a failure");
}

/** `ssh-keygen -lf` of a public key file: the fingerprint as OpenSSH itself computes it. */
async function keygenFingerprint(pubPath: string): Promise<string> {
  const { stdout } = await run("/usr/bin/ssh-keygen", ["-l", "-E", "sha256", "-f", pubPath]);
  return stdout.split(/\s+/)[1]!;
}

describe.skipIf(!sshd)("deploy against OpenSSH sshd", () => {
  const s = sshd as Sshd;
  let work: string;
  let user: KeyFiles;
  let knownHostsFile: string;
  let target: SshTarget;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "omnicloud-deploy-test-"));
    user = await makeKey(work, "user_ed25519");
    await s.authorize(user.pub);
    knownHostsFile = join(work, "known_hosts");
    await writeFile(knownHostsFile, `${s.knownHostsLine()}\n`);
    target = {
      host: s.host,
      port: s.port,
      user: s.user,
      privateKeyPath: user.path,
      hostKey: { knownHostsFile },
    };
  });

  afterAll(async () => {
    await s.stop();
    await rm(work, { recursive: true, force: true });
  });

  describe("steps end to end", () => {
    it("installs a key, uploads files with their modes, runs a script with args, cwd, env and streaming", async () => {
      const files = join(s.stateDir, "files");
      const localScript = join(work, "tool.sh");
      await writeFile(localScript, "#!/bin/sh\necho tool\n");
      const newKey = await makeKey(work, "installed_ed25519");
      const keysFile = join(s.stateDir, "home", ".ssh", "authorized_keys");
      const chunks: OutputChunk[] = [];

      const result = await deploy(
        target,
        [
          installKey(newKey.pub, { path: keysFile }),
          installKey(newKey.pub, { path: keysFile }),
          uploadFile(localScript, `${files}/bin/tool.sh`, { mode: 0o750 }),
          uploadFile({ content: "port = 8080\n" }, `${files}/conf/app.conf`, { mode: 0o640 }),
          runScript(
            [
              'echo "args:$#:$1|$2|$3"',
              'echo "cwd:$(pwd)"',
              'printf "env:%s|%s\\n" "$GREETING" "$TRICKY"',
              "echo warning >&2",
              "./bin/tool.sh",
            ].join("\n"),
            {
              name: "check the upload",
              args: ["one", "two words", "it's $HOME"],
              cwd: files,
              env: { GREETING: "hello there", TRICKY: `a'b"c $HOME \\n` },
              onOutput: (chunk) => chunks.push(chunk),
            },
          ),
        ],
        { log },
      );

      expect(result.connectAttempts).toBe(1);
      expect(result.hostKey).toMatchObject({
        type: "ssh-ed25519",
        verifiedBy: expect.stringContaining(knownHostsFile),
      });
      expect(result.steps.map((r) => r.step)).toEqual([
        `installKey ssh-ed25519 ${await keygenFingerprint(`${newKey.path}.pub`)}`,
        `installKey ssh-ed25519 ${await keygenFingerprint(`${newKey.path}.pub`)}`,
        `uploadFile tool.sh to ${files}/bin/tool.sh`,
        `uploadFile bytes to ${files}/conf/app.conf`,
        "check the upload",
      ]);
      expect(result.steps[0]!.changed).toBe(true);
      expect(result.steps[1]!.changed).toBe(false);

      // Modes as the server's filesystem has them (sshd runs on this machine).
      expect((await stat(`${files}/bin/tool.sh`)).mode & 0o7777).toBe(0o750);
      expect((await stat(`${files}/conf/app.conf`)).mode & 0o7777).toBe(0o640);
      expect(await readFile(`${files}/conf/app.conf`, "utf8")).toBe("port = 8080\n");
      expect((await stat(join(s.stateDir, "home", ".ssh"))).mode & 0o777).toBe(0o700);
      expect((await stat(keysFile)).mode & 0o777).toBe(0o600);
      const installed = (await readFile(keysFile, "utf8")).trim().split("\n");
      expect(installed).toEqual([newKey.pub]);

      const script = result.steps[4]!;
      expect(script.exitCode).toBe(0);
      expect(script.stdout).toBe(
        `args:3:one|two words|it's $HOME\ncwd:${files}\nenv:hello there|a'b"c $HOME \\n\ntool\n`,
      );
      expect(script.stderr).toBe("warning\n");
      const streamed = (name: "stdout" | "stderr"): string =>
        chunks
          .filter((c) => c.stream === name)
          .map((c) => c.text)
          .join("");
      expect(streamed("stdout")).toBe(script.stdout);
      expect(streamed("stderr")).toBe(script.stderr);
    });

    it("checks modes over SFTP too, and a key installKey added logs in", async () => {
      const newKey = await makeKey(work, "second_ed25519");
      await deploy(target, installKey(newKey.pub, { path: s.authorizedKeysPath }), { log });
      const session = await connectSsh({ ...target, privateKeyPath: newKey.path }, { log });
      try {
        await session.writeFile(join(s.stateDir, "secret.txt"), Buffer.from("x"), { mode: 0o600 });
        expect(await session.stat(join(s.stateDir, "secret.txt"))).toMatchObject({
          type: "file",
          mode: 0o600,
          size: 1,
        });
        expect(await session.stat(join(s.stateDir, "missing"))).toBeUndefined();
        expect((await session.exec("id -un")).stdout.trim()).toBe(s.user);
      } finally {
        await session.close();
      }
    });

    it("runs a script from a local file with its #! interpreter", async () => {
      const file = join(work, "hello.sh");
      await writeFile(file, '#!/bin/sh -e\necho "from file $1"\n');
      const result = await deploy(target, runScript({ file }, { args: ["x"] }), { log });
      expect(result.steps[0]).toMatchObject({
        step: "runScript hello.sh",
        exitCode: 0,
        stdout: "from file x\n",
      });
    });
  });

  describe("host keys", () => {
    it("refuses a wrong expected fingerprint, naming host, port, offered and expected fingerprints", async () => {
      const other = await makeKey(work, "impostor_host_key");
      const wrong = await keygenFingerprint(`${other.path}.pub`);
      const offered = await keygenFingerprint(`${s.hostKeys.ed25519.path}.pub`);
      const attempts: ConnectAttemptEvent[] = [];
      const err = await expectFailure(
        deploy({ ...target, hostKey: { fingerprint: wrong } }, runScript("touch should-not-run"), {
          log,
          onConnectAttempt: (e) => attempts.push(e),
          connectTimeoutMs: 600_000,
        }),
      );
      expect(err).toBeInstanceOf(HostKeyError);
      expect(err).toBeInstanceOf(AuthError);
      const h = err as HostKeyError;
      expect(h).toMatchObject({
        host: "127.0.0.1",
        port: s.port,
        problem: "mismatch",
        offeredFingerprint: offered,
      });
      expect(h.expected).toContain(wrong);
      expect(h.message).toContain(`127.0.0.1 port ${s.port}`);
      expect(h.message).toContain(offered);
      expect(h.message).toContain(wrong);
      expect(attempts).toHaveLength(1);
    });

    it("accepts the right fingerprint, and the RSA one when told its key type", async () => {
      const ed = await keygenFingerprint(`${s.hostKeys.ed25519.path}.pub`);
      const rsa = await keygenFingerprint(`${s.hostKeys.rsa.path}.pub`);
      const a = await deploy({ ...target, hostKey: { fingerprint: ed } }, [], { log });
      expect(a.hostKey).toEqual({ type: "ssh-ed25519", fingerprint: ed, verifiedBy: "fingerprint" });
      const b = await deploy({ ...target, hostKey: { fingerprint: rsa, keyType: "ssh-rsa" } }, [], { log });
      expect(b.hostKey).toEqual({ type: "ssh-rsa", fingerprint: rsa, verifiedBy: "fingerprint" });
    });

    it("refuses a known_hosts file that holds another key for [127.0.0.1]:port", async () => {
      const other = await makeKey(work, "other_host_key");
      const file = join(work, "known_hosts_wrong");
      await writeFile(file, `# a comment\n[127.0.0.1]:${s.port} ${other.pub}\n`);
      const err = await expectFailure(deploy({ ...target, hostKey: { knownHostsFile: file } }, [], { log }));
      expect(err).toBeInstanceOf(HostKeyError);
      expect((err as HostKeyError).problem).toBe("mismatch");
      expect(err.message).toContain(`${file}:2`);
      expect(err.message).toContain(await keygenFingerprint(`${other.path}.pub`));
    });

    it("accepts hashed known_hosts entries written by ssh-keygen -H, and prefers the key type it knows", async () => {
      const file = join(work, "known_hosts_hashed");
      await writeFile(file, `${s.knownHostsLine("rsa")}\n`);
      await run("/usr/bin/ssh-keygen", ["-H", "-f", file]);
      const text = await readFile(file, "utf8");
      expect(text).toMatch(/^\|1\|/);
      expect(text).not.toContain("127.0.0.1");
      const result = await deploy({ ...target, hostKey: { knownHostsFile: file } }, [], { log });
      expect(result.hostKey.type).toBe("ssh-rsa");
      expect(result.hostKey.verifiedBy).toBe(`known_hosts ${file}:1`);
    });

    it("refuses a key marked @revoked even when another line vouches for it", async () => {
      const file = join(work, "known_hosts_revoked");
      const key = s.hostKeys.ed25519.pub.split(" ").slice(0, 2).join(" ");
      await writeFile(file, `${s.knownHostsLine()}\n@revoked * ${key}\n`);
      const err = await expectFailure(deploy({ ...target, hostKey: { knownHostsFile: file } }, [], { log }));
      expect(err).toBeInstanceOf(HostKeyError);
      expect((err as HostKeyError).problem).toBe("revoked");
      expect(err.message).toContain(`${file}:2`);
    });

    it("refuses an unknown host by default (the user's empty known_hosts)", async () => {
      const home = await mkdtemp(join(tmpdir(), "omnicloud-home-"));
      const saved = process.env.HOME;
      process.env.HOME = home;
      try {
        const { hostKey: _ignored, ...noPolicy } = target;
        const err = await expectFailure(deploy(noPolicy, [], { log }));
        expect(err).toBeInstanceOf(HostKeyError);
        expect((err as HostKeyError).problem).toBe("unknown");
        expect(err.message).toContain(join(home, ".ssh", "known_hosts"));
        expect(err.message).toContain(`[127.0.0.1]:${s.port}`);
      } finally {
        process.env.HOME = saved;
        await rm(home, { recursive: true, force: true });
      }
    });

    it("with acceptNew, trusts a new host once and records it; a recorded host is then verified", async () => {
      const file = join(work, "tofu", "known_hosts");
      const first = await deploy({ ...target, hostKey: { knownHostsFile: file, acceptNew: true } }, [], {
        log,
      });
      expect(first.hostKey.verifiedBy).toBe("acceptNew");
      const recorded = await readFile(file, "utf8");
      expect(recorded).toMatch(/^\|1\|\S+ ssh-ed25519 AAAA\S+\n$/);
      const second = await deploy({ ...target, hostKey: { knownHostsFile: file } }, [], { log });
      expect(second.hostKey.verifiedBy).toBe(`known_hosts ${file}:1`);
    });

    it("skips verification only when told to, and warns on every connection", async () => {
      const seen: DeployLogEntry[] = [];
      const sink = (e: DeployLogEntry): void => {
        seen.push(e);
        log(e);
      };
      for (let i = 0; i < 2; i++) {
        const r = await deploy({ ...target, hostKey: { insecureAcceptAny: true } }, [], { log: sink });
        expect(r.hostKey.verifiedBy).toBe("insecure");
      }
      const warnings = seen.filter((e) => e.level === "warn" && e.message.includes("NOT verified"));
      expect(warnings).toHaveLength(2);
      await expect(
        deploy({ ...target, hostKey: { insecureAcceptAny: true, fingerprint: "SHA256:x" } }, [], { log }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    });
  });

  describe("failing fast and retrying", () => {
    it("a private key the server does not accept fails at the first attempt", async () => {
      const stranger = await makeKey(work, "stranger_ed25519");
      const attempts: ConnectAttemptEvent[] = [];
      const err = await expectFailure(
        deploy({ ...target, privateKeyPath: stranger.path }, [], {
          log,
          connectTimeoutMs: 600_000,
          onConnectAttempt: (e) => attempts.push(e),
        }),
      );
      expect(err).toBeInstanceOf(AuthError);
      expect(err).not.toBeInstanceOf(HostKeyError);
      expect(err.message).toContain(`${s.user}@127.0.0.1 port ${s.port}`);
      expect(attempts).toHaveLength(1);
      expect(attempts[0]!.error).toBe(err);
    });

    it("a wrong password fails at the first attempt and is never shown", async () => {
      const password = "Correct-Horse-Battery-Staple-42";
      secrets.push(password);
      const attempts: ConnectAttemptEvent[] = [];
      const err = await expectFailure(
        deploy({ host: s.host, port: s.port, user: s.user, password, hostKey: { knownHostsFile } }, [], {
          log,
          connectTimeoutMs: 600_000,
          onConnectAttempt: (e) => attempts.push(e),
        }),
      );
      expect(err).toBeInstanceOf(AuthError);
      expect(err.message).toContain("password");
      expect(attempts).toHaveLength(1);
    });

    it("retries while nothing listens yet and connects once sshd is up", async () => {
      const port = await freePort();
      const file = join(work, "known_hosts_late");
      await writeFile(file, `[127.0.0.1]:${port} ${s.hostKeys.ed25519.pub}\n`);
      let late: Promise<Sshd> | undefined;
      const attempts: ConnectAttemptEvent[] = [];
      try {
        const result = await deploy(
          { ...target, port, hostKey: { knownHostsFile: file } },
          runScript("echo up"),
          {
            log,
            retryIntervalMs: 200,
            maxRetryIntervalMs: 500,
            connectTimeoutMs: 60_000,
            onConnectAttempt: (e) => {
              attempts.push(e);
              // The first refusal starts the server, as a booting machine would.
              if (late === undefined) {
                late = startSshd({ port, hostKeys: s.hostKeys, authorizedKeys: [user.pub] });
                // Awaited in `finally`; this only keeps a failed start from being reported as unhandled first.
                late.catch(() => undefined);
              }
            },
          },
        );
        expect(result.steps[0]!.stdout).toBe("up\n");
        expect(result.connectAttempts).toBeGreaterThanOrEqual(2);
        expect(attempts[0]!.error).toBeInstanceOf(NetworkError);
        expect(attempts[0]!.error!.code).toBe("ECONNREFUSED");
        expect(attempts.at(-1)!.error).toBeUndefined();
      } finally {
        await (await late)?.stop();
      }
    });

    it("gives up at its deadline with a TimeoutError carrying the last refusal", async () => {
      const port = await freePort();
      const attempts: ConnectAttemptEvent[] = [];
      const err = await expectFailure(
        deploy({ ...target, port }, [], {
          log,
          retryIntervalMs: 100,
          connectTimeoutMs: 1500,
          onConnectAttempt: (e) => attempts.push(e),
        }),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(err.cause).toBeInstanceOf(NetworkError);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.every((a) => a.error?.code === "ECONNREFUSED")).toBe(true);
    });
  });

  describe("failing and hanging scripts", () => {
    it("a script that exits non-zero stops the sequence; the error names the step, exit code and stderr tail", async () => {
      const marks = join(s.stateDir, "marks");
      const err = await expectFailure(
        deploy(
          target,
          [
            runScript(`mkdir -p ${marks} && echo first`, { name: "first" }),
            sequence(
              [
                runScript("echo noise >&2\necho 'apt: package not found' >&2\nexit 3", {
                  name: "install packages",
                }),
                runScript(`touch ${marks}/inner-after`, { name: "inner after" }),
              ],
              { name: "web setup" },
            ),
            runScript(`touch ${marks}/outer-after`, { name: "outer after" }),
          ],
          { log },
        ),
      );
      expect(err).toBeInstanceOf(StepFailedError);
      const f = err as StepFailedError;
      expect(f.step).toBe("web setup > install packages");
      expect(f.exitCode).toBe(3);
      expect(f.timedOut).toBe(false);
      expect(f.kind).toBe("Provider");
      expect(f.stderrTail).toBe("noise\napt: package not found");
      expect(f.message).toContain('Step "web setup > install packages" exited with code 3');
      expect(f.message).toContain("apt: package not found");
      expect(f.completed.map((r) => r.step)).toEqual(["first"]);
      await expect(stat(join(marks, "inner-after"))).rejects.toThrow();
      await expect(stat(join(marks, "outer-after"))).rejects.toThrow();
    });

    it("a script that hangs is killed at its timeout, with the processes it started, on the server", async () => {
      const dir = join(s.stateDir, "hang");
      const err = await expectFailure(
        deploy(
          target,
          runScript(
            [
              `mkdir -p ${dir}`,
              `echo $$ > ${dir}/main.pid`,
              `echo "$0" > ${dir}/script.path`,
              "sleep 600 &",
              `echo $! > ${dir}/child.pid`,
              "echo started",
              "wait",
            ].join("\n"),
            { name: "hang", timeoutMs: 2000 },
          ),
          { log },
        ),
      );
      expect(err).toBeInstanceOf(StepFailedError);
      const f = err as StepFailedError;
      expect(f.timedOut).toBe(true);
      expect(f.kind).toBe("Timeout");
      expect(f.step).toBe("hang");
      expect(f.message).toContain("was killed at its timeout of 2000 ms");
      expect(f.result?.stdout).toBe("started\n");

      // Ask the server: both processes are gone (a zombie awaiting its reaper counts as gone), and the
      // script's temporary directory was removed. The loop only waits out the kernel's reaping, bounded.
      const check = await deploy(
        target,
        runScript(
          [
            "alive=''",
            "for i in $(seq 1 50); do",
            "  alive=''",
            `  for p in $(cat ${dir}/main.pid) $(cat ${dir}/child.pid); do`,
            "    if [ -e /proc/$p ] && ! grep -q '^State:[[:space:]]*Z' /proc/$p/status 2>/dev/null; then alive=\"$alive $p\"; fi",
            "  done",
            '  [ -z "$alive" ] && break',
            "  sleep 0.1",
            "done",
            'echo "alive:$alive"',
            `if [ -e "$(dirname "$(cat ${dir}/script.path)")" ]; then echo tempdir:left; else echo tempdir:gone; fi`,
          ].join("\n"),
        ),
        { log },
      );
      expect(check.steps[0]!.stdout).toBe("alive:\ntempdir:gone\n");
    });
  });

  describe("private keys as users have them", () => {
    const passphrase = "Open-Sesame-Passphrase-7";
    const cases: { name: string; options: Parameters<typeof makeKey>[2]; format: "openssh" | "pem" }[] = [
      { name: "ed25519_openssh_pass", options: { type: "ed25519", passphrase }, format: "openssh" },
      { name: "ecdsa_openssh", options: { type: "ecdsa" }, format: "openssh" },
      { name: "rsa_openssh_pass", options: { type: "rsa", passphrase, bits: 2048 }, format: "openssh" },
      {
        name: "rsa_pem_pass",
        options: { type: "rsa", passphrase, format: "pem", bits: 2048 },
        format: "pem",
      },
      { name: "ecdsa_pem", options: { type: "ecdsa", format: "pem" }, format: "pem" },
      { name: "ecdsa_pem_pass", options: { type: "ecdsa", format: "pem", passphrase }, format: "pem" },
      {
        name: "rsa_pkcs8_pass",
        options: { type: "rsa", format: "pkcs8", passphrase, bits: 2048 },
        format: "pem",
      },
    ];

    beforeAll(() => {
      secrets.push(passphrase);
    });

    for (const c of cases) {
      it(`logs in with ${c.name}`, async () => {
        const key = await makeKey(work, c.name, c.options);
        secrets.push(...keyBodyLines(key.text));
        await s.authorize(key.pub);
        const loaded = parsePrivateKey(key.text, c.options?.passphrase);
        expect(loaded.format).toBe(c.format);
        expect(loaded.publicKey).toBe(key.pub.split(" ").slice(0, 2).join(" "));
        expect(loaded.fingerprint).toBe(await keygenFingerprint(`${key.path}.pub`));
        const result = await deploy(
          { ...target, privateKeyPath: key.path, ...(c.options?.passphrase ? { passphrase } : {}) },
          runScript("echo ok"),
          { log },
        );
        expect(result.steps[0]!.stdout).toBe("ok\n");
      });
    }

    it("logs in with an Ed25519 PKCS#8 PEM key (as OpenSSL writes it), encrypted", async () => {
      const { privateKey, publicKey } = generateKeyPairSync("ed25519");
      const pem = privateKey.export({
        type: "pkcs8",
        format: "pem",
        cipher: "aes-256-cbc",
        passphrase,
      }) as string;
      secrets.push(...keyBodyLines(pem));
      const loaded = parsePrivateKey(pem, passphrase);
      // The public half, checked against the raw key Node derives independently.
      const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
      expect(Buffer.from(loaded.publicKey.split(" ")[1]!, "base64").subarray(-32)).toEqual(raw);
      await s.authorize(loaded.publicKey);
      const result = await deploy(
        { ...target, privateKeyPath: undefined, privateKey: pem, passphrase },
        runScript("echo ok"),
        {
          log,
        },
      );
      expect(result.steps[0]!.stdout).toBe("ok\n");
    });

    it("a wrong or missing passphrase fails before connecting, without quoting the key", async () => {
      const key = await makeKey(work, "locked_ed25519", { passphrase });
      secrets.push(...keyBodyLines(key.text), "Wrong-Passphrase-123");
      const wrong = await expectFailure(
        deploy({ ...target, privateKeyPath: key.path, passphrase: "Wrong-Passphrase-123" }, [], { log }),
      );
      expect(wrong).toBeInstanceOf(AuthError);
      expect(wrong.message).toContain("wrong passphrase");
      const missing = await expectFailure(deploy({ ...target, privateKeyPath: key.path }, [], { log }));
      expect(missing).toBeInstanceOf(InvalidInputError);
      expect(missing.message).toContain("pass its passphrase");
    });
  });

  describe("ssh-agent", () => {
    let agent: Agent;
    beforeAll(async () => {
      agent = await startAgent(work);
      const key = await makeKey(work, "agent_ed25519");
      await s.authorize(key.pub);
      await agent.add(key.path);
    });
    afterAll(async () => {
      await agent?.stop();
    });

    it("logs in with a key held by ssh-agent, named or taken from SSH_AUTH_SOCK", async () => {
      const named = await deploy(
        { host: s.host, port: s.port, user: s.user, agent: agent.socket, hostKey: { knownHostsFile } },
        runScript("echo agent"),
        { log },
      );
      expect(named.steps[0]!.stdout).toBe("agent\n");
      const saved = process.env.SSH_AUTH_SOCK;
      process.env.SSH_AUTH_SOCK = agent.socket;
      try {
        const fromEnv = await deploy(
          { host: s.host, port: s.port, user: s.user, hostKey: { knownHostsFile } },
          [],
          {
            log,
          },
        );
        expect(fromEnv.connectAttempts).toBe(1);
      } finally {
        if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
        else process.env.SSH_AUTH_SOCK = saved;
      }
    });
  });

  describe("secrets", () => {
    it("no password, passphrase or private key text reaches a log line or an error", async () => {
      secrets.push(...keyBodyLines(user.text));
      expect(errors.length).toBeGreaterThan(5);
      expect(logs.some((l) => l.level === "warn")).toBe(true);
      const texts: string[] = logs.map((l) => l.message);
      for (const err of errors) {
        let e: unknown = err;
        for (let depth = 0; e instanceof Error && depth < 10; depth++) {
          texts.push(e.message, e.stack ?? "", JSON.stringify(e));
          if (e instanceof OmnicloudError) texts.push(JSON.stringify(e.toJSON()));
          e = e.cause;
        }
      }
      const haystack = texts.join("\n");
      for (const secret of secrets) expect(haystack).not.toContain(secret);
    });
  });
});

/** The base64 lines of a private key file: any of them showing up anywhere would be a leak. */
function keyBodyLines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length >= 16 && !l.startsWith("-----") && !l.includes(":"));
}
