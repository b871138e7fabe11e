#!/usr/bin/env bash
# Copy the example timeline at the repository root (events/ and orbit.toml, the one source of
# truth, which analysts edit and `orbit` uses when run from the checkout) into the package
# (src/orbitwatch/examples/central-asia/, which `orbit init` ships). Files deleted at the root
# are deleted in the package too. tests/test_example_timeline.py fails until this is run.
# Usage: scripts/sync-example.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target=src/orbitwatch/examples/central-asia
rm -rf "$target/events"
mkdir -p "$target"
cp -R events "$target/events"
cp orbit.toml "$target/orbit.toml"
echo "synced events/ and orbit.toml into $target"
