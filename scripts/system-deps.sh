#!/usr/bin/env bash
# Debian packages the project needs beyond Python: Chromium for browser tests, CJK fonts for
# PDFs and screenshots, gettext for translations, poppler to render PDFs in tests.
set -euo pipefail
packages=(chromium fonts-noto-cjk fonts-wqy-zenhei gettext poppler-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
