#!/usr/bin/env bash
# Installs the Debian packages that runloop-local's devbox runtime needs.
# Idempotent and quiet when everything is present, so `npm start` and
# `npm test` can run it every time. Never run on `import` of the SDK.
set -euo pipefail

# command -> Debian package providing it
declare -A NEEDED=(
  [tini-static]=tini
  [socat]=socat
  [debootstrap]=debootstrap
  [slirp4netns]=slirp4netns
  [ssh]=openssh-client
  [ssh-keygen]=openssh-client
  [unshare]=util-linux
  [nsenter]=util-linux
  [ip]=iproute2
  [tar]=tar
)

missing=()
for cmd in "${!NEEDED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}")
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
