#!/usr/bin/env bash
# Render the shipped timeline as HTML and screenshot it with headless Chromium (offline).
# Usage: scripts/screenshot-html.sh [OUT.png]   (needs: apt-get install chromium)
set -euo pipefail
out="${1:-timeline.png}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ORBIT_TODAY="${ORBIT_TODAY:-2022-05-31}" orbit render --format html -o "$work/timeline.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --window-size=1200,1600 --hide-scrollbars \
  --screenshot="$(realpath -m "$out")" "file://$work/timeline.html" 2>/dev/null
echo "wrote $out"
