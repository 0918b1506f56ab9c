#!/usr/bin/env bash
# Installs the Debian 12 packages Folio needs to build, test and run, when they are missing.
# Quiet and quick when everything is there. Needs root (or sudo) only when something is missing.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config clang
  libsqlite3-dev sqlite3
  libpq-dev postgresql-15 postgresql-client-15
  libjansson-dev libsodium-dev libcmocka-dev libmicrohttpd-dev libgnutls28-dev
  libxml2-dev libzip-dev libhpdf-dev poppler-utils
  python3 ca-certificates openssl wrk
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
browser() {
  # Chromium and playwright-core for the browser tests (scripts/browser-deps.sh), when present.
  if [ -f "$(dirname "$0")/browser-deps.sh" ]; then bash "$(dirname "$0")/browser-deps.sh"; fi
}
if [ ${#missing[@]} -eq 0 ]; then browser; exit 0; fi

echo "deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
browser
