#!/usr/bin/env bash
# Allreduce bus bandwidth (busbw = algbw * 2(n-1)/n), syncline vs raw
# MPI_Allreduce in the same run, 4 KiB .. 64 MiB, at 2 and 4 ranks.
# Usage: bench/allreduce.sh [extra `syncline bench allreduce` flags]
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x build/syncline ]] || scripts/build.sh
mkdir -p bench/results
for np in 2 4; do
  mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$np" \
    build/syncline bench allreduce --json "bench/results/allreduce_np${np}.jsonl" "$@"
done
