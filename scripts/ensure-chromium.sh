#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (/usr/bin/chromium) through playwright-core, which never downloads a
# browser. On a fresh machine `npm test` installs it from Debian's packages first (as root, or with sudo).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
echo "ensure-chromium: /usr/bin/chromium is missing; installing Debian's chromium package" >&2
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "ensure-chromium: run as root (or with sudo) once: apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
/usr/bin/chromium --version >&2
