#!/usr/bin/env bash
# Makes sure a Chromium for the webgl / webgl-f16 / webgpu tests exists (Debian's `chromium`, driven
# by playwright-core). Set CHROMIUM_PATH to use another build. Idempotent.
set -euo pipefail
path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$path" ]; then
  echo "setup-browser: $("$path" --version 2>/dev/null || echo "$path") found."
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "setup-browser: installing Debian's chromium with apt-get..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "setup-browser: no Chromium at $path. Install it (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH." >&2
exit 1
