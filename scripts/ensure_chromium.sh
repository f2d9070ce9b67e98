#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright (Playwright's own browser download cannot
# work offline). Install it from Debian's packages when it is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "chromium is missing and cannot be installed here (needs root and apt-get): browser tests will be skipped" >&2
  exit 0
fi
echo "installing Debian's chromium for the browser tests"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
