#!/usr/bin/env bash
# The README's first command: install missing packages, build Release into
# build/, then train the default job (MLP on Fashion-MNIST) data-parallel on
# 2 ranks (mpirun, MPI backend) and print its test accuracy. Extra arguments
# go to `syncline train` (e.g. --set train.epochs=2). SYNCLINE_RANKS=N picks
# another world size (1 runs a single process without mpirun).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ranks="${SYNCLINE_RANKS:-2}"
if [[ "$ranks" == 1 ]]; then
  exec build/syncline train --config configs/fmnist_mlp.textproto "$@"
fi
# Each rank gets half the cores for BLAS; --oversubscribe for small machines,
# --allow-run-as-root for containers.
threads=$(( $(nproc) / ranks )); (( threads >= 1 )) || threads=1
# Ranks cannot see whether this script's output is a terminal; tell them.
progress=off; [[ -t 1 ]] && progress=on
exec mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$ranks" \
  build/syncline train --config configs/fmnist_mlp.textproto --set "train.threads=$threads" \
  --set "logging.progress=$progress" "$@"
