/**
 * The small Debian guest the libvirt deployment test boots: built by scripts/build-guest-image.sh
 * (debootstrap from the Debian mirror, an ed25519 host key and a root login key made at build time, one
 * ext4 filesystem made with `mkfs.ext4 -d`, kernel and initramfs beside it for direct kernel boot), and kept
 * in a cache dir named after a hash of that script, so re-runs reuse it and a changed recipe rebuilds.
 *
 * - Cache root: $OMNICLOUD_GUEST_CACHE, else $XDG_CACHE_HOME/omnicloud-test, else ~/.cache/omnicloud-test.
 * - The build runs as a child in its own process group, bounded in time: past the limit the group gets
 *   SIGTERM (the script then unmounts and removes its work tree), and SIGKILL 20 s later.
 * - Each node boots from its own copy of the disk (a sparse copy: about a second), made in a dir the
 *   libvirt daemon's user owns (the test daemon runs as nobody, and the cache may sit in root's home).
 */
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { accessSync, closeSync, constants, existsSync, openSync } from "node:fs";
import { chmod, chown, copyFile, mkdir, mkdtemp, readFile, stat } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const BUILD_SCRIPT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../scripts/build-guest-image.sh",
);
/** The first build downloads about 150 MB and installs a Debian system: minutes, not hours. */
export const DEFAULT_BUILD_TIMEOUT_MS = 15 * 60 * 1000;

export interface GuestImage {
  dir: string;
  kernel: string;
  initrd: string;
  /** A raw ext4 filesystem (no partition table): the guest's /dev/vda. */
  disk: string;
  /** The kernel command line the image was made for. */
  cmdline: string;
  kernelVersion: string;
  /** The key root logs in with (its public half is in the image's authorized_keys). */
  rootKey: { path: string; pub: string; text: string };
  /** The guest's only host key, made at build time: what the test verifies the guest by. */
  hostKey: { type: string; pub: string; fingerprint: string };
  /** Seconds the build took (when it was built, whether now or on an earlier run). */
  buildSeconds: number;
  /** True when this call built the image; false when it came from the cache. */
  builtNow: boolean;
}

interface Manifest {
  suite: string;
  kernelVersion: string;
  cmdline: string;
  hostKeyType: string;
  hostKeyFingerprint: string;
  buildSeconds: number;
}

export function guestCacheRoot(): string {
  const env = process.env.OMNICLOUD_GUEST_CACHE;
  if (env !== undefined && env !== "") return resolve(env);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".cache"), "omnicloud-test");
}

/**
 * The image's dir: the recipe (the build script, which holds packages, cmdline and sizes) names it. Lines
 * that are only a comment are left out of the hash, so explaining the recipe better does not rebuild it.
 */
export async function guestImageDir(): Promise<string> {
  const recipe = (await readFile(BUILD_SCRIPT, "utf8"))
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n");
  const hash = createHash("sha256").update(recipe).digest("hex").slice(0, 16);
  return join(guestCacheRoot(), `guest-${hash}`);
}

const BUILD_TOOLS: readonly (readonly [string, string])[] = [
  ["/usr/sbin/debootstrap", "debootstrap"],
  ["/usr/sbin/mkfs.ext4", "e2fsprogs"],
  ["/usr/sbin/e2fsck", "e2fsprogs"],
  ["/usr/sbin/chroot", "coreutils"],
  ["/usr/bin/flock", "util-linux"],
  ["/usr/bin/ssh-keygen", "openssh-client"],
];

/** Why the image can neither be found in the cache nor built here, or undefined when it can. */
export async function guestImageUnavailableReason(): Promise<string | undefined> {
  if (process.platform !== "linux") return "building the Debian guest needs Linux";
  if (existsSync(join(await guestImageDir(), "manifest.json"))) return undefined;
  if (process.getuid?.() !== 0) {
    return "the guest image is not cached and building it needs root (debootstrap, chroot)";
  }
  for (const [path, pkg] of BUILD_TOOLS) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      return `${path} is missing (apt-get install ${pkg}; see scripts/apt/guest.txt)`;
    }
  }
  return undefined;
}

function isManifest(value: unknown): value is Manifest {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.kernelVersion === "string" &&
    typeof m.cmdline === "string" &&
    typeof m.hostKeyType === "string" &&
    typeof m.hostKeyFingerprint === "string" &&
    m.hostKeyFingerprint.startsWith("SHA256:") &&
    typeof m.buildSeconds === "number"
  );
}

async function readImage(dir: string, builtNow: boolean): Promise<GuestImage> {
  const parsed: unknown = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  if (!isManifest(parsed)) throw new Error(`${dir}/manifest.json is not a guest image manifest`);
  const rootKeyPath = join(dir, "root_ed25519");
  return {
    dir,
    kernel: join(dir, "vmlinuz"),
    initrd: join(dir, "initrd.img"),
    disk: join(dir, "disk.raw"),
    cmdline: parsed.cmdline,
    kernelVersion: parsed.kernelVersion,
    rootKey: {
      path: rootKeyPath,
      pub: (await readFile(`${rootKeyPath}.pub`, "utf8")).trim(),
      text: await readFile(rootKeyPath, "utf8"),
    },
    hostKey: {
      type: parsed.hostKeyType,
      pub: (await readFile(join(dir, "host_ed25519.pub"), "utf8")).trim(),
      fingerprint: parsed.hostKeyFingerprint,
    },
    buildSeconds: parsed.buildSeconds,
    builtNow,
  };
}

function tailOf(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n");
}

/** Runs the build script in its own process group; past `timeoutMs` the whole group is stopped. */
async function runBuild(dir: string, timeoutMs: number): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const logPath = `${dir}.build.log`;
  const logFd = openSync(logPath, "w");
  // detached: the script, debootstrap and everything it runs in the chroot share one new process group,
  // which is ours to signal as a whole and no one else's.
  const child = spawn("/bin/bash", [BUILD_SCRIPT, dir], {
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive", LC_ALL: "C" },
  });
  closeSync(logFd);
  const pgid = child.pid;
  let timedOut = false;
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (pgid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pgid, signal);
    } catch {
      // The group is already gone.
    }
  };
  let killTimer: NodeJS.Timeout | undefined;
  const termTimer = setTimeout(() => {
    timedOut = true;
    signalGroup("SIGTERM");
    killTimer = setTimeout(() => signalGroup("SIGKILL"), 20_000);
  }, timeoutMs);
  const status = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok, fail) => {
    child.once("error", fail);
    child.once("exit", (code, signal) => ok({ code, signal }));
  }).finally(() => {
    clearTimeout(termTimer);
    clearTimeout(killTimer);
  });
  if (status.code === 0 && !timedOut) return;
  const log = await readFile(logPath, "utf8").catch(() => "");
  const why = timedOut
    ? `did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`
    : `failed (exit code ${status.code}, signal ${status.signal})`;
  throw new Error(`Building the guest image ${why}; log: ${logPath}\n${tailOf(log, 40)}`);
}

export interface EnsureGuestImageOptions {
  /** Give up building after this long (default 15 minutes). */
  timeoutMs?: number;
  /** Told once when a build starts (it takes minutes). */
  onBuildStart?: (dir: string) => void;
}

/** The cached image, built first when the cache has none for the current recipe. */
export async function ensureGuestImage(options: EnsureGuestImageOptions = {}): Promise<GuestImage> {
  const dir = await guestImageDir();
  if (existsSync(join(dir, "manifest.json"))) return readImage(dir, false);
  const reason = await guestImageUnavailableReason();
  if (reason !== undefined) throw new Error(reason);
  options.onBuildStart?.(dir);
  await runBuild(dir, options.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS);
  return readImage(dir, true);
}

export interface GuestFiles {
  dir: string;
  kernel: string;
  initrd: string;
  /** This node's own writable copy of the disk. */
  disk: string;
  /** Where the guest's serial console is written (created by QEMU). */
  serialLog: string;
}

/**
 * Copies what one node boots from into a fresh dir under os.tmpdir(), owned by `owner` (the libvirt
 * daemon's user, which QEMU runs as) so QEMU can read the kernel, write the disk and create the serial log.
 * The disk copy keeps its holes (`cp --sparse=always`): a 2 GiB image with about 0.7 GiB of data.
 */
export async function prepareGuestFiles(
  image: GuestImage,
  owner: { uid: number; gid: number } | undefined,
): Promise<GuestFiles> {
  const dir = await mkdtemp(join(tmpdir(), "omnicloud-guest-"));
  const files: GuestFiles = {
    dir,
    kernel: join(dir, "vmlinuz"),
    initrd: join(dir, "initrd.img"),
    disk: join(dir, "disk.raw"),
    serialLog: join(dir, "serial.log"),
  };
  await copyFile(image.kernel, files.kernel);
  await copyFile(image.initrd, files.initrd);
  await run("cp", ["--sparse=always", "--reflink=auto", image.disk, files.disk], { timeout: 120_000 });
  await chmod(dir, 0o755);
  if (owner !== undefined) {
    for (const path of [dir, files.kernel, files.initrd, files.disk]) await chown(path, owner.uid, owner.gid);
  }
  return files;
}

/** The owner of a path, e.g. the libvirt daemon's state dir, to hand guest files to its user. */
export async function ownerOf(path: string): Promise<{ uid: number; gid: number }> {
  const s = await stat(path);
  return { uid: s.uid, gid: s.gid };
}

export interface GuestAccelerator {
  /** libvirt's domain type: "kvm" (hardware virtualisation) or "qemu" (QEMU's TCG emulator). */
  domainType: "kvm" | "qemu";
  why: string;
}

/**
 * Which accelerator can boot a stock Linux guest here. /dev/kvm from kvm_intel or kvm_amd is hardware
 * virtualisation: "kvm". /dev/kvm from kvm_pvm (a pagetable-based KVM for hosts that are themselves VMs
 * without nested virtualisation) is far too slow for an unmodified guest kernel. Measured on such a host
 * (2 cores): Debian's compressed kernel was still decompressing itself after 6 minutes, and booted
 * uncompressed (PVH entry) it needed 66 s of guest time to reach memory init, while QEMU's TCG emulator
 * brought the whole guest to a login prompt in about 40 s. So there the guest runs under TCG: still a real
 * machine with a real kernel and a real sshd, only emulated. OMNICLOUD_GUEST_ACCEL=kvm|tcg forces the choice.
 */
export function guestAccelerator(): GuestAccelerator {
  const forced = process.env.OMNICLOUD_GUEST_ACCEL;
  if (forced === "kvm") return { domainType: "kvm", why: "OMNICLOUD_GUEST_ACCEL=kvm" };
  if (forced === "tcg") return { domainType: "qemu", why: "OMNICLOUD_GUEST_ACCEL=tcg" };
  if (existsSync("/sys/module/kvm_intel") || existsSync("/sys/module/kvm_amd")) {
    return { domainType: "kvm", why: "/dev/kvm is hardware virtualisation (kvm_intel or kvm_amd)" };
  }
  if (existsSync("/sys/module/kvm_pvm")) {
    return {
      domainType: "qemu",
      why: "/dev/kvm here is kvm_pvm, which boots stock guest kernels far slower than QEMU's TCG emulator",
    };
  }
  return { domainType: "kvm", why: "/dev/kvm present (module not recognised; trying KVM)" };
}
