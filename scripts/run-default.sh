#!/usr/bin/env bash
# The README's first command: install missing packages, build Release into
# build/, then train the default job (MLP on Fashion-MNIST) and print its
# test accuracy. Extra arguments go to `syncline train` (e.g. --set train.epochs=2).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
exec build/syncline train --config configs/fmnist_mlp.textproto "$@"
