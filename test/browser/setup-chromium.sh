#!/usr/bin/env bash
# Test-only: installs Debian's chromium for the browser tests (test/browser)
# when it is missing. Run by `npm test` (pretest), never by `npm start`:
# serving the dashboard needs no browser. playwright-core drives this
# chromium; nothing downloads a browser build of its own.
set -euo pipefail

[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "browser tests: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get)" >&2
  exit 1
fi
echo "browser tests: installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
# Other jobs on the machine may hold the dpkg lock for a while: wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
