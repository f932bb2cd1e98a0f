#!/usr/bin/env bash
# Installs Debian's chromium package when no Chromium is at hand. tests/test_report_browser.py opens
# the HTML report in it (headless), as do scripts/report_screenshot.py and benchmarks/report_browser.py.
# apt's messages go to .cache/install.log, like pip's. Another Chromium: set CHROMIUM=/path/to/it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${CHROMIUM:-}" ]; then
  [ -x "$CHROMIUM" ] && exit 0
  echo "fetch_chromium: CHROMIUM=$CHROMIUM is not an executable" >&2
  exit 1
fi
for name in chromium chromium-browser google-chrome google-chrome-stable; do
  command -v "$name" >/dev/null 2>&1 && exit 0
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "fetch_chromium: no Chromium and no apt-get here; install Chromium and set CHROMIUM=/path/to/it" >&2
  exit 1
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo -n)  # not root: passwordless sudo, or the message below
mkdir -p .cache
log=.cache/install.log
echo "installing Debian's chromium package (apt's messages: $log)"
if ! {
  "${sudo[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq chromium
} >>"$log" 2>&1; then
  tail -n 25 "$log" >&2
  echo "fetch_chromium: the install failed (root or passwordless sudo is needed); apt's output is in $log" >&2
  exit 1
fi
command -v chromium >/dev/null 2>&1 || { echo "fetch_chromium: apt installed no chromium command" >&2; exit 1; }
