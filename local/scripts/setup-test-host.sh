#!/usr/bin/env bash
# Installs the Debian packages only runloop-local's tests need (never run by
# `npm start`): a real OCI registry to pull test images from, htpasswd to
# give it users, and static busybox as the smallest root an image test can run.
# Idempotent and quiet when everything is present.
set -euo pipefail

declare -A NEEDED=(
  [docker-registry]=docker-registry
  [htpasswd]=apache2-utils
  [/bin/busybox]=busybox-static
)

missing=()
for cmd in "${!NEEDED[@]}"; do
  if [[ "$cmd" == /* ]]; then [ -e "$cmd" ] || missing+=("${NEEDED[$cmd]}")
  else command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDED[$cmd]}"); fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "runloop-local tests: missing Debian packages: ${missing[*]} (install them as root; the image tests skip meanwhile)" >&2
  exit 0
fi
# shellcheck disable=SC2207
unique=($(printf '%s\n' "${missing[@]}" | sort -u))
echo "runloop-local tests: installing Debian packages: ${unique[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# The registry package would start a system service where systemd runs; tests start their own.
apt-get install -y -qq --no-install-recommends "${unique[@]}" >&2
