#!/usr/bin/env bash
# Installs the Debian packages that runloop-local's devbox runtime needs.
# Idempotent and quiet when everything is present, so `npm start` and
# `npm test` can run it every time. Never run on `import` of the SDK.
set -euo pipefail

# command (or file) -> Debian package providing it
LIBC_A="/usr/lib/$(uname -m)-linux-gnu/libc.a"  # static libc: the devbox agent is built static
declare -A NEEDED=(
  [crun]=crun  # the OCI runtime (a C program: a third of runc's CPU per devbox start; see local/src/runtime/README.md)
  [/usr/share/containers/seccomp.json]=golang-github-containers-common
  [cc]=gcc
  [$LIBC_A]=libc6-dev
  [mkfs.ext4]=e2fsprogs
  [losetup]=mount
  [socat]=socat
  [iptables]=iptables
  [ipset]=ipset
  [debootstrap]=debootstrap
  [slirp4netns]=slirp4netns
  [ssh]=openssh-client
  [ssh-keygen]=openssh-client
  [unshare]=util-linux
  [nsenter]=util-linux
  [ip]=iproute2
  [tar]=tar
  [setfattr]=attr  # opaque dirs of pulled image layers (trusted.overlay.opaque)
  [mknod]=coreutils
  [git]=git  # code mounts clone on the host (as nobody)
)

# Each devbox's inotify use is charged to host root as well (runc creates its user namespace;
# the runtime caps every devbox at 64 instances): give root room for many devboxes plus itself.
if [ "$(id -u)" -eq 0 ]; then
  [ "$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 0)" -ge 8192 ] || sysctl -qw fs.inotify.max_user_instances=8192 || true
  [ "$(cat /proc/sys/fs/inotify/max_user_watches 2>/dev/null || echo 0)" -ge 1048576 ] || sysctl -qw fs.inotify.max_user_watches=1048576 || true
  # runc gives every devbox a session keyring, charged to devbox root's host uid, which all devboxes
  # share: the kernel's default quota (200 keys per uid) refuses the ~200th running devbox on the host.
  [ "$(cat /proc/sys/kernel/keys/maxkeys 2>/dev/null || echo 0)" -ge 20000 ] || sysctl -qw kernel.keys.maxkeys=20000 || true
  [ "$(cat /proc/sys/kernel/keys/maxbytes 2>/dev/null || echo 0)" -ge 2000000 ] || sysctl -qw kernel.keys.maxbytes=2000000 || true
fi

missing=()
for cmd in "${!NEEDED[@]}"; do
  # A key with a slash is a file the package provides; the others are commands.
  if [[ "$cmd" == /* ]]; then [ -e "$cmd" ] || missing+=("${NEEDED[$cmd]}")
  else command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}"); fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "runloop-local: missing Debian packages: ${missing[*]} (run as root to install them; the plain-process fallback runs meanwhile)" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "runloop-local: no apt-get; cannot install ${missing[*]} (the plain-process fallback runs meanwhile)" >&2
  exit 0
fi

# shellcheck disable=SC2207
unique=($(printf '%s\n' "${missing[@]}" | sort -u))
echo "runloop-local: installing Debian packages: ${unique[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${unique[@]}" >&2
