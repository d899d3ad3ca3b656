#!/usr/bin/env bash
# The README's test command: install, build, run the whole CTest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 300 "$@"
