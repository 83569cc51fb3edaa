#!/usr/bin/env bash
# Make sure Debian's Chromium and its WebDriver are installed, for the browser tests (/docs, /try).
# Needs root (or sudo) only when something is missing.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

echo "ensure-chromium: installing chromium and chromium-driver" >&2
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
command -v chromedriver >/dev/null 2>&1 || { echo "ensure-chromium: no chromedriver" >&2; exit 1; }
