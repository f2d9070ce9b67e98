#!/usr/bin/env bash
# Install a Debian package that some tests drive when its program is missing:
#   scripts/ensure_package.sh PROGRAM PACKAGE WHAT
# Browser tests drive Debian's chromium through Playwright (Playwright's own browser download cannot
# work offline); the serving tests put Debian's nginx in front of the site. Tests that need a missing
# program skip and say so, so a machine without root or apt-get still runs the rest.
set -euo pipefail
program=$1 package=$2 what=$3
if [ -x "$program" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "$package is missing and cannot be installed here (needs root and apt-get): $what will be skipped" >&2
  exit 0
fi
echo "installing Debian's $package for the $what"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
# Debian starts the packaged site on port 80; the tests run their own nginx with their own config.
if [ "$package" = nginx ]; then
  (service nginx stop || nginx -s stop) >/dev/null 2>&1 || true
fi
