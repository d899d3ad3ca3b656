#!/usr/bin/env bash
# Training throughput of syncline's mlp and cnn vs PyTorch 1.13 CPU (Debian
# python3-torch), same shapes, batch 128, 2 threads, in one run.
# Usage: bench/train_throughput.sh [--json OUT] [--repeats N] [--threads T] ...
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --bench   # python3-torch, python3-numpy when missing
[[ -x build/syncline ]] || scripts/build.sh
# Debian's torch lives in /usr/bin/python3, not a pyenv python3 on PATH.
exec /usr/bin/python3 bench/train_throughput.py "$@"
