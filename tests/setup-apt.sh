#!/usr/bin/env bash
# setup-apt.sh — installs the Debian packages that tests need as reference
# tools (listed one per line in tests/requirements/*.apt), only those missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want=$(cat "$root"/tests/requirements/*.apt 2>/dev/null | sed 's/#.*//' | tr -s ' \t' '\n' | sort -u || true)
missing=()
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup-apt: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
