#!/usr/bin/env bash
# Data-parallel training throughput, syncline (mpirun) vs PyTorch DDP (gloo,
# CPU) at 1, 2 and 4 ranks, same per-rank batch; mlp and cnn.
# Usage: bench/train_ddp.sh [extra train_ddp.py flags]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --bench
[[ -x build/syncline ]] || scripts/build.sh
mkdir -p bench/results
for model in mlp cnn; do
  /usr/bin/python3 bench/train_ddp.py --model "$model" --json "bench/results/train_ddp_${model}.jsonl" "$@"
done
