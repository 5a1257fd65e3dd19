#!/usr/bin/env bash
# Makes sure a Chromium binary exists for the headless-browser tests (test/helpers/browser.ts).
# Does nothing when $CHROMIUM_PATH (or /usr/bin/chromium) is already an executable; otherwise installs
# Debian's `chromium` package with apt-get (through sudo when not root). Fails with a clear message
# when it cannot, so `npm test` stops before any test runs rather than failing in the browser test.
set -euo pipefail

target="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ -x "$target" ]; then
  exit 0
fi

if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "ensure-chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file." >&2
  echo "ensure-chromium: point CHROMIUM_PATH at a Chromium binary, or unset it to install Debian's chromium into /usr/bin/chromium." >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: /usr/bin/chromium is missing and apt-get is not available on this machine." >&2
  echo "ensure-chromium: install Chromium yourself and set CHROMIUM_PATH to its binary." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "ensure-chromium: /usr/bin/chromium is missing; installing it needs root, and sudo is not available." >&2
  echo "ensure-chromium: run as root: apt-get update && apt-get install -y --no-install-recommends chromium" >&2
  echo "ensure-chromium: or set CHROMIUM_PATH to an existing Chromium binary." >&2
  exit 1
fi

echo "ensure-chromium: /usr/bin/chromium not found; installing Debian's chromium package (once)." >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get update || ! "${as_root[@]}" apt-get install -y --no-install-recommends chromium; then
  echo "ensure-chromium: apt-get could not install chromium (see the apt output above)." >&2
  echo "ensure-chromium: install it by hand or set CHROMIUM_PATH to an existing Chromium binary." >&2
  exit 1
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-chromium: apt-get reported success but /usr/bin/chromium is still missing." >&2
  exit 1
fi
echo "ensure-chromium: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)." >&2
