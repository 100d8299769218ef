#!/bin/sh
# Builds runloop-local's base root filesystem for devboxes into TARGET:
# a minimal Debian bookworm plus a `user` account (uid/gid 1000).
# Called by ensureBaseRootfs (local/src/runtime/rootfs.ts), which builds into a
# temporary directory under a lock and renames it into the cache atomically,
# so this script never needs to be idempotent itself.
# usage: prepare-rootfs.sh TARGET [MIRROR]
set -eu
TARGET=${1:?usage: prepare-rootfs.sh TARGET [MIRROR]}
MIRROR=${2:-http://deb.debian.org/debian}
PACKAGES=python3,procps,busybox,ca-certificates,iproute2,bash

command -v debootstrap >/dev/null 2>&1 || {
  echo "prepare-rootfs: debootstrap is missing (run local/scripts/setup-host.sh as root)" >&2
  exit 3
}
[ "$(id -u)" -eq 0 ] || { echo "prepare-rootfs: must run as root" >&2; exit 3; }

# A half-built target from an interrupted run must not be mistaken for a rootfs.
mkdir -p "$TARGET"
debootstrap --variant=minbase --include="$PACKAGES" bookworm "$TARGET" "$MIRROR" >&2

# chroot without /proc works for these tools; it keeps the host's mounts untouched.
chroot "$TARGET" /usr/sbin/groupadd --gid 1000 user
chroot "$TARGET" /usr/sbin/useradd --uid 1000 --gid 1000 --create-home \
  --home-dir /home/user --shell /bin/bash user

# Devboxes start from this tree many times: keep it small and free of build caches.
chroot "$TARGET" /usr/bin/apt-get clean
rm -rf "$TARGET"/var/lib/apt/lists/* "$TARGET"/var/cache/apt/*.bin \
  "$TARGET"/var/log/*.log "$TARGET"/var/log/apt/* "$TARGET"/tmp/* "$TARGET"/var/tmp/* 2>/dev/null || true
# Outbound DNS (host network) uses the host's resolver, bind-mounted at start.
: > "$TARGET/etc/resolv.conf"
echo "prepare-rootfs: done" >&2
