#!/usr/bin/env bash
# Installs what the browser tests (tests/browser/) need, when it is missing:
#   - Debian's chromium (/usr/bin/chromium); Playwright never downloads a browser of its own
#   - node_modules (playwright-core only) from package-lock.json via `npm ci`
# Quiet and quick when everything is there. Needs root (or sudo) only to install chromium.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  echo "browser-deps: installing chromium" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "browser-deps: chromium missing and not root; browser tests will be skipped" >&2
      sudo="none"
    fi
  fi
  if [ "$sudo" != "none" ]; then
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  # A fresh Debian 12 has neither: take Debian's (Node 18, enough for playwright-core).
  if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null; then
    echo "browser-deps: installing nodejs and npm" >&2
    s=""; [ "$(id -u)" -eq 0 ] || s=sudo
    DEBIAN_FRONTEND=noninteractive $s apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || true
  fi
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser-deps: node/npm missing; browser tests will be skipped" >&2
  exit 0
fi

if [ ! -d "$root/node_modules/playwright-core" ]; then
  echo "browser-deps: npm ci (playwright-core)" >&2
  # PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: playwright-core downloads nothing, but be explicit.
  (cd "$root" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
