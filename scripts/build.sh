#!/usr/bin/env bash
# Installs missing packages, configures and builds Release into build/.
# Extra arguments go to cmake's configure step (e.g. -DSYNCLINE_WITH_NCCL=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
launcher=()
# ccache (when installed) with paths relative to the checkout, so any clone reuses the cache.
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache) && export CCACHE_BASEDIR="$PWD"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" "$@" >/dev/null
cmake --build build -j "$(nproc)"
