/**
 * A private libvirtd in session mode (qemu:///session) as a child of the test process, for real KVM guests
 * (see ../shared/SERVERS.md, "libvirtd + KVM"):
 *
 * - Everything (config, sockets, logs, guest state) lives in a fresh dir under os.tmpdir().
 * - LIBVIRT_DRIVER_DIR points at a dir holding only symlinks to the QEMU and storage drivers, so no network
 *   or other driver loads: host networking and the system libvirtd are never touched. The storage driver of
 *   a session daemon manages pools owned by the daemon's user only; one `dir` pool (STORAGE_POOL) is made
 *   in the state dir, so volumes, snapshots and disk images live (and are removed) with the daemon.
 * - When run as root it is started as nobody (setpriv, no capabilities), in session mode. The guest needs
 *   /dev/kvm: if a "kvm" group can open it, nobody joins that group; otherwise (hosts without udev, where
 *   /dev/kvm is root's alone) the daemon runs in a private mount namespace in which a device node owned by
 *   nobody, made on a tmpfs that exists only in that namespace, is bind-mounted over /dev/kvm. The host's
 *   /dev/kvm, its permissions and its groups are left as they are.
 * - Stopped by PID. Guests are destroyed first (libvirtd leaves running guests behind when it exits), and
 *   any QEMU process our daemon started that is still alive is killed by the PID in its pid file.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, statSync } from "node:fs";
import { chown, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stopChild } from "./child-process.js";

const run = promisify(execFile);

export const LIBVIRTD = "/usr/sbin/libvirtd";
export const VIRSH = "/usr/bin/virsh";
export const QEMU = "/usr/bin/qemu-system-x86_64";
const DRIVER_DIR_FALLBACK = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver";
/** The name of the `dir` storage pool every daemon started here has, active, in its state dir. */
export const STORAGE_POOL = "omnicloud";

export interface Libvirtd {
  /** qemu:///session?socket=… for this daemon. */
  uri: string;
  pid: number;
  stateDir: string;
  /** The active `dir` storage pool (STORAGE_POOL), its target a directory in the state dir. */
  pool: string;
  /** The full command line, for the report and for reproducing a failure by hand. */
  command: string[];
  /** How the daemon reaches /dev/kvm: "user" (we are not root), "kvm-group" or "private-node". */
  kvmAccess: "user" | "kvm-group" | "private-node";
  /** What the daemon wrote to stderr so far. */
  log(): string;
  /** Destroys every running guest, stops the daemon (SIGTERM, SIGKILL after 10 s), removes the state dir. */
  stop(): Promise<void>;
}

/** Why KVM tests cannot run here, or undefined when they can. */
export function kvmUnavailableReason(): string | undefined {
  if (process.platform !== "linux") return "KVM needs Linux";
  if (!existsSync("/dev/kvm")) return "/dev/kvm does not exist (no hardware virtualisation here)";
  for (const [path, pkg] of [
    [LIBVIRTD, "libvirt-daemon"],
    [VIRSH, "libvirt-clients"],
    [QEMU, "qemu-system-x86"],
  ] as const) {
    if (!existsSync(path)) return `${path} is missing (apt-get install ${pkg})`;
  }
  const root = process.getuid?.() === 0;
  if (root) {
    for (const tool of ["/usr/bin/setpriv", "/usr/bin/unshare"]) {
      if (!existsSync(tool)) return `${tool} is missing (util-linux)`;
    }
  } else {
    try {
      accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    } catch {
      return "this user cannot open /dev/kvm (join the kvm group, or run as root)";
    }
  }
  return undefined;
}

/** Where a libvirt connection driver is: listed by its Debian package, else in the usual dir. */
async function driverPath(file: string, pkg: string): Promise<string> {
  try {
    const { stdout } = await run("dpkg", ["-L", pkg]);
    const found = stdout.split("\n").find((l) => l.endsWith(`/${file}`));
    if (found) return found;
  } catch {
    // Not a Debian system, or the package is missing: try the usual path.
  }
  const fallback = join(DRIVER_DIR_FALLBACK, file);
  if (existsSync(fallback)) return fallback;
  throw new Error(`libvirt's driver ${file} is missing (apt-get install ${pkg})`);
}

function groupId(name: string): number | undefined {
  for (const line of readFileSync("/etc/group", "utf8").split("\n")) {
    const [group, , gid] = line.split(":");
    if (group === name && gid !== undefined) return Number(gid);
  }
  return undefined;
}

async function virsh(uri: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(VIRSH, ["-q", "-c", uri, ...args], { timeout: 30_000 });
  return stdout;
}

/** Poll `virsh uri` every 100 ms, at most `attempts` times, giving up at once if the daemon exits. */
async function waitReady(
  child: ChildProcess,
  uri: string,
  attempts: number,
  log: () => string,
): Promise<void> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `libvirtd exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready\n${log()}`,
      );
    }
    try {
      await virsh(uri, "uri");
      return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`libvirtd did not answer at ${uri} after ${attempts} probes: ${String(last)}\n${log()}`);
}

/** Destroy every running guest of the daemon (a leftover guest would burn a CPU in SeaBIOS). */
async function destroyGuests(uri: string): Promise<void> {
  const names = (await virsh(uri, "list", "--name", "--state-running").catch(() => ""))
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  for (const name of names) await virsh(uri, "destroy", name).catch(() => undefined);
}

/**
 * QEMU processes our daemon started and left running (if destroying them failed): their pid files sit in
 * our state dir, and the command line of each must name our state dir before it is killed, so a reused
 * PID is never hit.
 */
async function killLeftoverQemu(stateDir: string): Promise<void> {
  const dir = join(stateDir, "run", "libvirt", "qemu", "run");
  const files = await readdir(dir).catch(() => [] as string[]);
  for (const file of files.filter((f) => f.endsWith(".pid"))) {
    const pid = Number((await readFile(join(dir, file), "utf8").catch(() => "")).trim());
    if (!Number.isSafeInteger(pid) || pid <= 1) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(stateDir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
}

export async function startLibvirtd(): Promise<Libvirtd> {
  const reason = kvmUnavailableReason();
  if (reason) throw new Error(reason);
  const stateDir = await mkdtemp(join(tmpdir(), "omnicloud-libvirtd-"));
  const dirs = {
    drivers: join(stateDir, "drivers"),
    run: join(stateDir, "run"),
    sock: join(stateDir, "sock"),
    config: join(stateDir, "config"),
    cache: join(stateDir, "cache"),
    home: join(stateDir, "home"),
    pool: join(stateDir, "pool"),
  };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });
  await symlink(
    await driverPath("libvirt_driver_qemu.so", "libvirt-daemon-driver-qemu"),
    join(dirs.drivers, "libvirt_driver_qemu.so"),
  );
  await symlink(
    await driverPath("libvirt_driver_storage.so", "libvirt-daemon"),
    join(dirs.drivers, "libvirt_driver_storage.so"),
  );
  const config = join(stateDir, "libvirtd.conf");
  await writeFile(
    config,
    [
      `unix_sock_dir = "${dirs.sock}"`,
      'unix_sock_rw_perms = "0777"',
      'unix_sock_ro_perms = "0777"',
      'auth_unix_rw = "none"',
      'auth_unix_ro = "none"',
      'log_outputs = "3:stderr"',
      "",
    ].join("\n"),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    HOME: dirs.home,
    XDG_RUNTIME_DIR: dirs.run,
    XDG_CONFIG_HOME: dirs.config,
    XDG_CACHE_HOME: dirs.cache,
    LIBVIRT_DRIVER_DIR: dirs.drivers,
  };
  const daemon = [LIBVIRTD, "--config", config];
  let command: string[];
  let kvmAccess: Libvirtd["kvmAccess"];
  if (process.getuid?.() !== 0) {
    command = daemon;
    kvmAccess = "user";
  } else {
    const nobody = { uid: 65534, gid: 65534 };
    await chownTree(stateDir, nobody.uid, nobody.gid);
    const kvmGid = groupId("kvm");
    const kvm = statSync("/dev/kvm");
    const drop = ["--reuid=nobody", "--regid=nogroup", "--inh-caps=-all", "--bounding-set=-all"];
    if (kvmGid !== undefined && kvm.gid === kvmGid && (kvm.mode & 0o060) === 0o060) {
      command = ["/usr/bin/setpriv", ...drop, `--groups=${kvmGid}`, ...daemon];
      kvmAccess = "kvm-group";
    } else {
      // Same device (major, minor), our own inode, owned by nobody: made on a small tmpfs mounted inside the
      // daemon's private mount namespace and bind-mounted over /dev/kvm there, so the host never sees it
      // (and a nodev /tmp does not matter). Then the daemon drops to nobody.
      const { major, minor } = deviceNumbers(kvm.rdev);
      const mountPoint = join(stateDir, "dev");
      await mkdir(mountPoint);
      const script = [
        'mount -t tmpfs -o mode=0755,size=64k omnicloud-kvm "$0"',
        `mknod -m 0600 "$0/kvm" c ${major} ${minor}`,
        `chown ${nobody.uid}:${nobody.gid} "$0/kvm"`,
        'mount --bind "$0/kvm" /dev/kvm',
        'exec /usr/bin/setpriv "$@"',
      ].join(" && ");
      command = [
        "/usr/bin/unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        script,
        mountPoint,
        ...drop,
        "--clear-groups",
        ...daemon,
      ];
      kvmAccess = "private-node";
    }
  }
  const logPath = join(stateDir, "libvirtd.log");
  const logFd = openSync(logPath, "a");
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { env, stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  const log = (): string => {
    try {
      return readFileSync(logPath, "utf8");
    } catch {
      return "";
    }
  };
  const uri = `qemu:///session?socket=${join(dirs.sock, "libvirt-sock")}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) await destroyGuests(uri);
    await stopChild(child);
    await killLeftoverQemu(stateDir);
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    await waitReady(child, uri, 200, log);
    // The pool dir exists already (owned by the daemon's user when it runs as nobody): pool-build only
    // checks it.
    await virsh(uri, "pool-define-as", STORAGE_POOL, "dir", "--target", dirs.pool);
    await virsh(uri, "pool-build", STORAGE_POOL);
    await virsh(uri, "pool-start", STORAGE_POOL);
  } catch (err) {
    await stop();
    throw err;
  }
  return { uri, pid: child.pid!, stateDir, pool: STORAGE_POOL, command, kvmAccess, log, stop };
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid, gid);
    else await chown(child, uid, gid);
  }
}

/** Linux's dev_t layout (glibc's gnu_dev_major/minor): 12 bits of major and 20 of minor, interleaved. */
function deviceNumbers(rdev: number): { major: number; minor: number } {
  const low = rdev % 2 ** 32;
  const high = Math.floor(rdev / 2 ** 32);
  return {
    major: ((low >>> 8) & 0xfff) | ((high & ~0xfff) >>> 0),
    minor: (low & 0xff) | ((low >>> 12) & ~0xff),
  };
}
