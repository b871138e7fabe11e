#!/usr/bin/env bash
# Render the shipped timeline as HTML and screenshot it with headless Chromium (offline).
# Usage: scripts/screenshot-html.sh [OUT.png] [WIDTH]   (needs: apt-get install chromium)
# WIDTH defaults to 1280 (px); try 420 for a phone.
set -euo pipefail
out="${1:-timeline.png}"
width="${2:-1280}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ORBIT_TODAY="${ORBIT_TODAY:-2022-05-31}" orbit render --format html -o "$work/timeline.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --window-size="$width",1600 --hide-scrollbars \
  --screenshot="$(realpath -m "$out")" "file://$work/timeline.html" 2>/dev/null
echo "wrote $out"
