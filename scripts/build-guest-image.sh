#!/usr/bin/env bash
# Builds the small Debian guest that test/conformance/deploy-node-kvm.test.ts boots under libvirt, into OUT_DIR:
#
#   vmlinuz, initrd.img   the guest's kernel and initramfs, for libvirt's direct kernel boot (no bootloader,
#                         no partition table: the disk is one ext4 filesystem)
#   disk.raw              that filesystem, made from the debootstrap tree by `mkfs.ext4 -d` (no loop mount)
#   root_ed25519[.pub]    a key made for this build; its public half is root's authorized_keys in the guest
#   host_ed25519.pub      the guest's only SSH host key, made here, so a test can verify the guest by it
#   manifest.json         kernel version, cmdline, the host key's fingerprint, sizes, build time
#
# Usage: scripts/build-guest-image.sh OUT_DIR   (as root: debootstrap and chroot need it)
#
# The only network it uses is the Debian mirror (OMNICLOUD_GUEST_MIRROR, default deb.debian.org). Everything
# is built in OUT_DIR.build.<pid> next to OUT_DIR and renamed into place at the end, so a half-built image is
# never seen; an interrupted build removes its work tree (after unmounting what debootstrap mounted in it).
# test/support/guest-image.ts hashes this file into OUT_DIR's name: editing the recipe rebuilds the image.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out=$1
mirror=${OMNICLOUD_GUEST_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
# systemd-networkd (part of systemd) does DHCP, so neither ifupdown nor a DHCP client is needed.
packages=openssh-server,systemd-sysv,udev,iproute2,linux-image-amd64,initramfs-tools,zstd
cmdline="root=/dev/vda rw console=ttyS0"
disk_size=2G

case "$out" in
/*) ;;
*) echo "OUT_DIR must be an absolute path, not $out" >&2; exit 2 ;;
esac
# /proc/self/mounts escapes whitespace, and the unmount check below compares paths as text.
if [[ "$out" =~ [[:space:]] ]]; then
  echo "OUT_DIR must not contain whitespace" >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "building the guest image needs root (debootstrap, chroot)" >&2
  exit 2
fi

# Removes a work tree: first unmounts what debootstrap mounted inside it (proc, sys), which a build that
# was killed may have left; --one-file-system then keeps rm out of anything still mounted there.
remove_tree() {
  awk -v w="$1/" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$1"
}

mkdir -p "$(dirname "$out")"
# One builder per image: a second test run waits here, then finds the image built.
exec 9>"$out.lock"
flock 9
if [ -f "$out/manifest.json" ]; then
  echo "guest image already built in $out"
  exit 0
fi
# Work trees of builds that were killed before they could clean up (we hold the lock: none is running).
for stale in "$out".build.*; do
  if [ -d "$stale" ]; then remove_tree "$stale"; fi
done
if [ -e "$out" ]; then remove_tree "$out"; fi

started=$(date +%s)
work="$out.build.$$"
rootfs="$work/rootfs"
result="$work/out"

cleanup() {
  local status=$?
  if [ -d "$work" ]; then remove_tree "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

mkdir -p "$rootfs" "$result"
echo "==> debootstrap $suite from $mirror"
# Downloaded packages are kept beside the images (debootstrap checks each against the signed Release file),
# so changing the recipe rebuilds without downloading everything again.
mkdir -p "$(dirname "$out")/debs"
debootstrap --variant=minbase --include="$packages" --components=main --cache-dir="$(dirname "$out")/debs" \
  "$suite" "$rootfs" "$mirror"

echo "==> configure"
echo omnicloud-guest >"$rootfs/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 omnicloud-guest\n' >"$rootfs/etc/hosts"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$rootfs/etc/fstab"
# A machine id of its own, so the first boot is not a "first boot" (systemd-firstboot would prompt on the
# console and wait).
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$rootfs/etc/machine-id"
echo >>"$rootfs/etc/machine-id"

cat >"$rootfs/etc/systemd/network/20-wired.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=yes
EOF
chroot "$rootfs" systemctl enable systemd-networkd.service ssh.service
# Nothing in the guest may reach out on its own, nor wait for a network that will not be online.
chroot "$rootfs" systemctl mask apt-daily.timer apt-daily-upgrade.timer systemd-networkd-wait-online.service \
  systemd-firstboot.service

# SSH: one ed25519 host key made here (the ones the package made are dropped), so whoever boots the image
# knows the key to expect; root logs in with the build's key only.
rm -f "$rootfs"/etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -C omnicloud-guest-host -f "$rootfs/etc/ssh/ssh_host_ed25519_key"
cp "$rootfs/etc/ssh/ssh_host_ed25519_key.pub" "$result/host_ed25519.pub"
cat >"$rootfs/etc/ssh/sshd_config.d/omnicloud.conf" <<'EOF'
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
EOF
ssh-keygen -q -t ed25519 -N '' -C root@omnicloud-guest-test -f "$result/root_ed25519"
install -d -m 0700 "$rootfs/root/.ssh"
install -m 0600 "$result/root_ed25519.pub" "$rootfs/root/.ssh/authorized_keys"

echo "==> kernel and initramfs"
kernels=("$rootfs"/lib/modules/*)
if [ ${#kernels[@]} -ne 1 ] || [ ! -d "${kernels[0]}" ]; then
  echo "expected exactly one kernel in the guest, found: ${kernels[*]}" >&2
  exit 1
fi
kver=$(basename "${kernels[0]}")
# The root disk is virtio: its driver must be in the kernel or in the initramfs, or the guest cannot mount /.
# (The listing goes to a file first: `grep -q` on a pipe would stop early and fail the pipe under pipefail.)
chroot "$rootfs" lsinitramfs "/boot/initrd.img-$kver" >"$work/initrd.list"
for mod in virtio_pci virtio_blk ext4; do
  if ! grep -q "/$mod.ko" "$rootfs/lib/modules/$kver/modules.builtin" "$work/initrd.list"; then
    echo "the guest's initramfs lacks $mod: it could not mount its root disk" >&2
    exit 1
  fi
done
cp "$rootfs/boot/vmlinuz-$kver" "$result/vmlinuz"
cp "$rootfs/boot/initrd.img-$kver" "$result/initrd.img"

# Smaller image, same guest: package caches, lists and docs are not needed to boot and log in.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/var/log/*.log

echo "==> disk"
# A partitionless ext4 filesystem made straight from the tree: no loop device, no mount.
mkfs.ext4 -q -F -L omnicloud-root -d "$rootfs" "$result/disk.raw" "$disk_size"
e2fsck -fn "$result/disk.raw" >/dev/null

fingerprint=$(ssh-keygen -l -E sha256 -f "$result/host_ed25519.pub" | awk '{ print $2 }')
used_bytes=$(($(du -B1 "$result/disk.raw" | cut -f1)))
cat >"$result/manifest.json" <<EOF
{
  "suite": "$suite",
  "kernelVersion": "$kver",
  "cmdline": "$cmdline",
  "hostKeyType": "ssh-ed25519",
  "hostKeyFingerprint": "$fingerprint",
  "diskBytesAllocated": $used_bytes,
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "buildSeconds": $(($(date +%s) - started))
}
EOF
chmod 0644 "$result"/vmlinuz "$result"/initrd.img "$result"/disk.raw "$result"/*.pub "$result"/manifest.json
chmod 0600 "$result/root_ed25519"
mv "$result" "$out"
echo "==> guest image ready in $out ($(($(date +%s) - started)) s)"

# Images of older recipes are dead weight (about 0.7 GB each). One is removed only when its lock can be
# taken at once: no build of it is running. (Tests read the cache only while copying a node's files out.)
for old in "$(dirname "$out")"/guest-*; do
  if [ -d "$old" ] && [ "$old" != "$out" ] && [[ "$old" != *.build.* ]]; then
    (
      exec 8>"$old.lock"
      if flock -n 8; then
        remove_tree "$old"
        rm -f "$old.build.log" "$old.lock"
      fi
    )
  fi
done
