#!/usr/bin/env bash
# The viewer's browser tests drive Debian's Chromium through playwright-core (never a browser that a
# test tool downloads). Installs it with apt-get when it is missing and this user may; otherwise
# says what to do. GEMCNN_CHROMIUM points the tests at another Chromium binary.
set -euo pipefail
chromium="${GEMCNN_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ -n "${GEMCNN_CHROMIUM:-}" ]; then
  echo "GEMCNN_CHROMIUM=$chromium is not an executable file" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "Chromium is missing: install Debian's package (apt-get install -y chromium) or set GEMCNN_CHROMIUM" >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests…" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
test -x /usr/bin/chromium
