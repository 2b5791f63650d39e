#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run it.
# This is the README's test command and what .ci/run calls, verbatim.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# Debian packages: LibreOffice converts legacy .doc/.wps; ripgrep is the search
# benchmark's baseline; CJK fonts make screenshots readable.
APT_PKGS="libreoffice-writer-nogui ripgrep fonts-noto-cjk"
missing=""
for p in $APT_PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ] && command -v apt-get >/dev/null 2>&1; then
  echo "== apt-get install$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

echo "== pip install"
python3 -m pip install -q --disable-pip-version-check -e ".[test]"

echo "== pytest"
python3 -m pytest -q -p no:cacheprovider "$@"
