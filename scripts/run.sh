#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs hypercored in the
# foreground on its default data directory (arguments are passed through).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >&2
exec "${HC_BUILD_DIR:-build}/daemon/hypercored" "$@"
