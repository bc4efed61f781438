#!/usr/bin/env bash
# Installs the Debian packages listed in tests/debian-packages.txt that this machine lacks.
# With --demo, only those marked "demo" (what `relais demo` needs on a fresh Debian).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "${1:-}" = "--demo" ]; then
    mapfile -t wanted < <(grep -v '^\s*#' "$here/debian-packages.txt" | awk '$2 == "demo" {print $1}')
else
    mapfile -t wanted < <(grep -v '^\s*#' "$here/debian-packages.txt" | awk 'NF {print $1}')
fi
missing=()
for package in "${wanted[@]}"; do
    # "npm" comes with some Node.js builds (NodeSource's nodejs conflicts with Debian's npm).
    if [ "$package" = "npm" ] && command -v npm >/dev/null 2>&1; then
        continue
    fi
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
