#!/usr/bin/env bash
# System packages the test suite needs: Debian's chromium for the browser tests.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
else
  echo "The browser tests need /usr/bin/chromium: run 'sudo apt-get install -y chromium'." >&2
  exit 1
fi
